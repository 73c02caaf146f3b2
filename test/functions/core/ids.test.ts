import fc from 'fast-check';
import { eventIdOf } from '../../../functions/core/ids';

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

describe('eventIdOf stability', () => {
  // Ids are stored and deduplicated on: these are the values of the first implementation, and must never change.
  test('ids are the ones every earlier version computed', () => {
    expect(eventIdOf('nhncloud-sms', '20240429205809GcSUXthVA00')).toBe('a9465f8d5b18bbafb5065e538a351d5f');
    expect(eventIdOf('webcom', '3234', 'deliver', '2024-05-14 10:21:07', 'sms=deliver', 'viber=')).toBe('2042639a04cd37bc2d33247ba4839fa2');
    expect(eventIdOf('p', '\ud83d', '\ude00')).toBe('3c8f0d266515340deb3c5e280b54eaf6');
    expect(eventIdOf('p')).toBe('148de9c5a7a44d19e56cd9ae1a554bf6');
    expect(eventIdOf('p', 'é😀', null, 42)).toBe('94721e48eebef493dd94ebc63839522f');
  });
});
