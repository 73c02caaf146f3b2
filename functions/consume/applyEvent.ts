/**
 * Applies one normalized event: record it, move its message's status, settle what that did, and publish it.
 * The per-record business function of the consumer, kept apart from the batch loop (Powertools style).
 *
 * Every step is an idempotent write, so whichever step a crash or a failed publish interrupts, the retry of the
 * same SQS record (or a duplicate delivery of the event) redoes the rest and nothing twice:
 *
 * ```
 * record ──► applyState (status events) ──► outcome ──► claim ──► publish ──► markPublished
 *   │ already recorded: continue from what the publication item says is done (outcome? publishedAt?)
 *   └ the first copy of the event is the one applied, so every copy orders the same way
 * ```
 *
 * Publishing, and so `statusChanged: true`, happens once per event: only the delivery holding the claim (keyed by
 * its SQS messageId) publishes; a duplicate finds the claim taken or the event published and succeeds quietly. A
 * retry of the claimant (after the visibility timeout, so after its claim expired) publishes again with the outcome
 * recorded the first time. A second copy of the claimant's own message running at the same time fails instead, to
 * be retried, since the first copy may yet fail.
 */
import type { NormalizedEvent } from '../events/schema';
import { rankOf, UNMAPPED_RANK, type CanonicalStatus } from '../events/status';
import type { Publisher } from '../publish/createPublisher';
import { toAppliedEvent } from '../publish/appliedEvent';
import { assertApplicable, recordedEvent, type HistoryItem, type Outcome, type PublicationItem, type StateItem } from '../store/items';
import { ClaimHeldBySameMessageError } from '../store/errors';
import { RECORD_KINDS } from '../store/keys';
import type { StatusStore } from '../store/createStatusStore';

export interface ApplyContext {
  readonly store: StatusStore;
  /** Absent when no topic is configured: events are recorded, not published. */
  readonly publisher?: Publisher;
  /** How long a delivery's claim to publish keeps other deliveries away, in seconds. */
  readonly claimSeconds: number;
}

/** What applying one delivery did, for metrics and logs. */
export interface EventResult {
  readonly eventId: string;
  readonly provider: string;
  /** The event was recorded before this delivery (a duplicate, or the retry of a failed one). */
  readonly duplicate: boolean;
  /** This delivery wrote the message's state. */
  readonly applied: boolean;
  /** First recording of a status no mapping knows (`unknown`, non-final). */
  readonly unmappedStatus: boolean;
  /** This delivery published the applied event. */
  readonly published: boolean;
  /** When this delivery wrote the state: the status it replaced (null for the message's first). */
  readonly previousStatus?: CanonicalStatus | null;
}

/** The outcome of events that carry no message status. */
const NO_STATUS: Outcome = { statusChanged: false, previousStatus: null };

/** The outcome of a state write that succeeded, from the state it replaced. */
export function outcomeOfWrite(item: Pick<HistoryItem, 'status'>, previous: Pick<StateItem, 'status'> | undefined): Outcome {
  const previousStatus = previous?.status ?? null;
  return { statusChanged: previousStatus !== item.status, previousStatus };
}

/**
 * The outcome of a state write that was refused, from the state as it is now. The state keeps the status it
 * replaced, and what that one had replaced, so:
 * - when it carries this very event (another delivery applied it first), the outcome is what that delivery saw;
 * - when this event applied and was then overtaken by the event the state now carries, before this event's outcome
 *   was recorded (its claim write failed, say), the outcome is still known: its status against the one before it;
 * - otherwise the event did not move the status. (Overtaken twice before its outcome was recorded, it reads "did not
 *   move": publications then err towards no second `statusChanged: true`, never towards two.)
 */
export function outcomeOfRefusal(
  item: Pick<HistoryItem, 'eventId'>,
  state: Pick<StateItem, 'eventId' | 'status' | 'previousStatus' | 'previousEventId' | 'replacedPreviousStatus'> | undefined,
): Outcome {
  if (state?.eventId === item.eventId) {
    return { statusChanged: state.previousStatus !== state.status, previousStatus: state.previousStatus ?? null };
  }
  if (state?.previousEventId === item.eventId && state.replacedPreviousStatus !== undefined && state.previousStatus !== null) {
    return { statusChanged: state.replacedPreviousStatus !== state.previousStatus, previousStatus: state.replacedPreviousStatus };
  }
  return { statusChanged: false, previousStatus: state?.status ?? null };
}

async function outcomeOf(
  item: HistoryItem,
  publication: PublicationItem | undefined,
  store: StatusStore,
): Promise<{ outcome: Outcome; applied: boolean }> {
  if (publication?.outcome) return { outcome: publication.outcome, applied: false };
  if (!RECORD_KINDS[item.type].hasState) return { outcome: NO_STATUS, applied: false };
  const write = await store.applyState(item);
  if (write.applied) return { outcome: outcomeOfWrite(item, write.previous), applied: true };
  // assertApplicable guarantees messageId on status events.
  return { outcome: outcomeOfRefusal(item, await store.readState(item.provider, item.messageId!)), applied: false };
}

/**
 * Applies `event`, delivered as the SQS message `claimant` (its messageId). Throws when a write or the publish
 * fails (the record is retried) and for an event that can never be applied (poison).
 */
export async function applyEvent(event: NormalizedEvent, claimant: string, context: ApplyContext): Promise<EventResult> {
  assertApplicable(event);
  const { created, item, publication } = await context.store.record(event);
  const base = {
    eventId: event.eventId,
    provider: event.provider,
    duplicate: !created,
    unmappedStatus: created && item.status !== undefined && item.final !== undefined && rankOf({ status: item.status, final: item.final }) === UNMAPPED_RANK,
  };
  const finished = context.publisher ? publication?.publishedAt !== undefined : publication?.outcome !== undefined;
  if (finished) return { ...base, applied: false, published: false };

  const { outcome, applied } = await outcomeOf(item, publication, context.store);
  if (!context.publisher) {
    await context.store.settle(item, outcome);
    return { ...base, applied, published: false, ...(applied ? { previousStatus: outcome.previousStatus } : {}) };
  }
  const claim = await context.store.claim(item, outcome, claimant, context.claimSeconds);
  if (!claim.claimed) {
    if (claim.heldBySelf) throw new ClaimHeldBySameMessageError(event.eventId);
    return { ...base, applied, published: false, ...(applied ? { previousStatus: outcome.previousStatus } : {}) };
  }
  // The recorded copy and the recorded outcome: every publication of one event says the same thing.
  await context.publisher.publish(toAppliedEvent(recordedEvent(item), claim.publication.outcome ?? outcome));
  await context.store.markPublished(item);
  return { ...base, applied, published: true, ...(applied ? { previousStatus: outcome.previousStatus } : {}) };
}
