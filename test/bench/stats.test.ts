import { median, percentile, round } from '../../bench/stats';

describe('stats', () => {
  test('the median of an odd count is the middle value, of an even count the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  test('percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  test('round keeps the given decimals', () => {
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(Number.NaN, 2)).toBeNaN();
  });
});
