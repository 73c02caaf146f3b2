import { seededRandom, shuffle } from '../../local/random';

describe('seededRandom and shuffle', () => {
  test('a seed reproduces the same sequence', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
  });

  test('a shuffle keeps every item', () => {
    const items = Array.from({ length: 50 }, (_, index) => index);
    expect(shuffle(items, seededRandom(1)).sort((a, b) => a - b)).toEqual(items);
  });

  test('numbers stay in [0, 1)', () => {
    const next = seededRandom(42);
    for (let i = 0; i < 1000; i++) {
      const value = next();
      expect(value >= 0 && value < 1).toBe(true);
    }
  });
});
