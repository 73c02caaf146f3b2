/** The status rule over arrival orders: for tests that a message's statuses converge whatever order they come in. */
import type { NormalizedEvent } from '../../functions/events/schema';
import { supersedes, type Ordered } from '../../functions/events/status';

/** Every order of `items` (n! of them: meant for the few statuses of one message). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

/** What the status rule reads of an event that has a status. */
export const orderedOf = (event: NormalizedEvent): Ordered => ({
  status: event.status!,
  final: event.final!,
  occurredAt: event.occurredAt,
  eventId: event.eventId,
});

/** The event kept after `order` arrived one by one, each replacing the kept one when it supersedes it. */
export const winnerOf = (order: readonly Ordered[]): Ordered | undefined =>
  order.reduce<Ordered | undefined>((current, next) => (supersedes(next, current) ? next : current), undefined);
