import fc from 'fast-check';
import {
  CANONICAL_STATUSES,
  STATUS_TABLE,
  UNMAPPED_RANK,
  UNMAPPED_STATUS,
  isCanonicalStatus,
  rankOf,
  supersedes,
  type CanonicalStatus,
  type Ordered,
} from '../../../functions/events/status';

const at = (status: CanonicalStatus, occurredAt: string, eventId = 'a'.repeat(32), final = STATUS_TABLE[status].final): Ordered => ({
  status,
  final,
  occurredAt,
  eventId,
});
const unmapped = (occurredAt: string, eventId = 'a'.repeat(32)): Ordered => ({ ...UNMAPPED_STATUS, occurredAt, eventId });

const T1 = '2024-06-01T00:00:00.000Z';
const T2 = '2024-06-01T00:00:05.000Z';

describe('the status table', () => {
  // Pinned number by number on purpose: each stored item carries its rank, and the store's condition compares the
  // stored rank with the new one, so a renumbering would reorder items written before it. A change here must be a
  // deliberate migration, not an edit that the rest of the suite would accept.
  test('ranks and finality are those of docs/design.md', () => {
    expect(STATUS_TABLE).toEqual({
      accepted: { rank: 10, final: false },
      queued: { rank: 20, final: false },
      sending: { rank: 30, final: false },
      sent: { rank: 40, final: false },
      unknown: { rank: 50, final: true },
      delivered: { rank: 60, final: true },
      undelivered: { rank: 60, final: true },
      failed: { rank: 60, final: true },
      expired: { rank: 60, final: true },
      rejected: { rank: 60, final: true },
      read: { rank: 70, final: true },
    });
    expect(Object.keys(STATUS_TABLE)).toEqual([...CANONICAL_STATUSES]);
  });

  test('an unmapped status is unknown, not final', () => {
    expect(UNMAPPED_STATUS).toEqual({ status: 'unknown', final: false });
  });

  test('only canonical names are canonical statuses, not Object properties', () => {
    expect(isCanonicalStatus('delivered')).toBe(true);
    expect(isCanonicalStatus('DELIVERED')).toBe(false);
    expect(isCanonicalStatus('constructor')).toBe(false);
    expect(isCanonicalStatus('__proto__')).toBe(false);
  });
});

describe('rankOf', () => {
  test.each(CANONICAL_STATUSES.map((status) => [status, STATUS_TABLE[status].rank]))('%s ranks %i', (status, rank) => {
    expect(rankOf({ status: status as CanonicalStatus, final: STATUS_TABLE[status as CanonicalStatus].final })).toBe(rank);
  });

  test('an unmapped status ranks below everything real', () => {
    expect(rankOf(UNMAPPED_STATUS)).toBe(UNMAPPED_RANK);
    for (const status of CANONICAL_STATUSES) expect(rankOf(UNMAPPED_STATUS)).toBeLessThan(STATUS_TABLE[status].rank);
  });
});

describe('supersedes', () => {
  test('anything replaces nothing', () => {
    expect(supersedes(unmapped(T1), undefined)).toBe(true);
  });

  test('a higher rank wins whatever the times', () => {
    expect(supersedes(at('delivered', T1), at('sent', T2))).toBe(true);
    expect(supersedes(at('sent', T2), at('delivered', T1))).toBe(false);
    expect(supersedes(at('read', T1), at('delivered', T2))).toBe(true);
  });

  test('a real outcome outranks a provider "unknown" final', () => {
    expect(supersedes(at('failed', T1), at('unknown', T2))).toBe(true);
    expect(supersedes(at('unknown', T2), at('failed', T1))).toBe(false);
  });

  test('between equal-rank finals the newer provider time wins', () => {
    expect(supersedes(at('failed', T2), at('delivered', T1))).toBe(true);
    expect(supersedes(at('delivered', T1), at('failed', T2))).toBe(false);
  });

  test('equal rank and equal time: the larger eventId wins, so exactly one of the two wins', () => {
    const small = at('failed', T1, '0'.repeat(32));
    const large = at('delivered', T1, 'f'.repeat(32));
    expect(supersedes(large, small)).toBe(true);
    expect(supersedes(small, large)).toBe(false);
  });

  test('the same event again does not replace itself', () => {
    expect(supersedes(at('delivered', T1), at('delivered', T1))).toBe(false);
  });

  test('an unmapped status never beats a real one, even when newer', () => {
    for (const status of CANONICAL_STATUSES) {
      expect(supersedes(unmapped(T2, 'f'.repeat(32)), at(status, T1, '0'.repeat(32)))).toBe(false);
      expect(supersedes(at(status, T1), unmapped(T2))).toBe(true);
    }
  });
});

describe('order independence', () => {
  const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
  const times = fc.constantFrom(T1, T2, '2024-06-01T00:00:05.001Z', '2025-01-01T00:00:00.000Z');
  const event: fc.Arbitrary<Ordered> = fc.oneof(
    fc.record({ status: fc.constantFrom(...CANONICAL_STATUSES), occurredAt: times, eventId: hex32 }).map((e) => ({
      ...e,
      final: STATUS_TABLE[e.status].final,
    })),
    fc.record({ occurredAt: times, eventId: hex32 }).map((e) => ({ ...e, ...UNMAPPED_STATUS })),
  );

  const winner = (events: readonly Ordered[]): Ordered | undefined =>
    events.reduce<Ordered | undefined>((current, candidate) => (supersedes(candidate, current) ? candidate : current), undefined);

  test('the winner of any multiset of events does not depend on the order they arrive in', () => {
    fc.assert(
      fc.property(
        // Distinct events carry distinct eventIds (the id is derived from the event), duplicates are copies.
        fc
          .uniqueArray(event, { minLength: 1, maxLength: 12, selector: (e) => e.eventId })
          .chain((distinct) =>
            fc.tuple(
              fc.array(fc.nat({ max: distinct.length - 1 }), { minLength: distinct.length, maxLength: 3 * distinct.length }),
              fc.constant(distinct),
            ),
          ),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        ([picks, distinct], keys) => {
          const multiset = [...distinct, ...picks.map((index) => distinct[index])];
          const shuffled = multiset
            .map((item) => ({ item, key: keys.next().value as number }))
            .sort((a, b) => a.key - b.key)
            .map(({ item }) => item);
          expect(winner(shuffled)).toEqual(winner(multiset));
          expect(winner([...multiset].reverse())).toEqual(winner(multiset));
        },
      ),
      { numRuns: 500 },
    );
  });
});
