import fc from 'fast-check';
import { eventIdOf } from '../../../functions/shared/ids';

describe('eventIdOf', () => {
  test('the same identity always gives the same 32-hex id', () => {
    const id = eventIdOf('nhncloud-sms', '20240429205809GcSUXthVA00');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(eventIdOf('nhncloud-sms', '20240429205809GcSUXthVA00')).toBe(id);
  });

  test('the same identity at two providers gives two ids', () => {
    expect(eventIdOf('webcom', '42', 'deliver')).not.toBe(eventIdOf('smsgateway24', '42', 'deliver'));
  });

  test('where the parts split matters', () => {
    expect(eventIdOf('p', 'ab', 'c')).not.toBe(eventIdOf('p', 'a', 'bc'));
    expect(eventIdOf('p', 'a')).not.toBe(eventIdOf('p', 'a', ''));
  });

  test('a number and its decimal text are the same identity; absent and null are the empty part', () => {
    expect(eventIdOf('p', 42)).toBe(eventIdOf('p', '42'));
    expect(eventIdOf('p', undefined, 'x')).toBe(eventIdOf('p', null, 'x'));
    expect(eventIdOf('p', undefined, 'x')).toBe(eventIdOf('p', '', 'x'));
  });

  test('different identities give different ids', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 4 }), fc.array(fc.string(), { maxLength: 4 }), (a, b) => {
        fc.pre(a.length !== b.length || a.some((part, index) => part !== b[index]));
        expect(eventIdOf('p', ...a)).not.toBe(eventIdOf('p', ...b));
      }),
    );
  });
});
