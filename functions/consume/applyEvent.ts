/**
 * Applies one normalized event: move its message's status, publish it, record it. The per-record business function
 * of the consumer, kept apart from the batch loop (Powertools style). The table's side, and why this order costs 2
 * write units per new event, is in functions/store/createStatusStore.ts.
 *
 * ```
 * read history item + state ── history item there: finished (a duplicate), nothing written
 *   │ no state yet: the message's timers (onNewMessage), before anything else is written
 *   │
 *   ├ status event that supersedes the state ── applyState: the state and the claim to publish, one write
 *   ├ state carries this event (current or previous slot) ── its claim: live → leave it; expired → take it over
 *   └ anything else (other types, a status that did not supersede) ── claim on the publication item, with its outcome
 *   ▼
 * publish ──► finish: the history item, with the outcome (written once; it is what says "done")
 * ```
 *
 * Every step is an idempotent or compare-and-set write, so whichever step a crash or a failed publish interrupts,
 * the retry of the same SQS record (after the visibility timeout, so after its claim expired) redoes the rest with
 * the outcome the state or the publication item kept, and nothing twice. Publishing, and so `statusChanged: true`,
 * happens once per event: only the delivery holding the claim (keyed by its SQS messageId) publishes; a duplicate
 * finds the claim live or the event finished and succeeds quietly. A second copy of the claimant's own message
 * running at the same time fails instead, to be retried, since the first copy may yet fail.
 */
import { isPart, type NormalizedEvent } from '../events/schema';
import { rankOf, supersedes, UNMAPPED_RANK, type CanonicalStatus } from '../events/status';
import type { Publisher } from '../publish/createPublisher';
import { toAppliedEvent } from '../publish/appliedEvent';
import { assertApplicable, orderedOf, recordedEvent, type HistoryItem, type Outcome, type StateItem } from '../store/items';
import { ClaimHeldBySameMessageError, StoreError } from '../store/errors';
import { RECORD_KINDS } from '../store/keys';
import type { StatusStore } from '../store/createStatusStore';

export interface ApplyContext {
  readonly store: StatusStore;
  /** Absent when no topic is configured: events are recorded, not published. */
  readonly publisher?: Publisher;
  /** How long a delivery's claim to publish keeps other deliveries away, in seconds. */
  readonly claimSeconds: number;
  /** The clock claims are judged by: the store's. */
  readonly now: () => Date;
  /**
   * Called with a status event that finds its message without a state, before the state is written: starts the
   * message's timers (the stale timer, functions/timers/stale.ts). Before, so that a crash between the two cannot
   * leave a message without its timer: the retry finds no state either and starts it again (an idempotent Put).
   */
  readonly onNewMessage?: (item: HistoryItem) => Promise<void>;
}

/** What applying one delivery did, for metrics and logs. */
export interface EventResult {
  readonly eventId: string;
  readonly provider: string;
  /** Another delivery of the event came first (a duplicate, or this is the retry of a failed one). */
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

/**
 * Whether the state knows `eventId` as an event that moved it: its own, the one it replaced, or one whose claim to
 * publish is still in its `claims` (an event overtaken more than once while its claimant was still publishing).
 */
function movedState(eventId: string, state: StateItem | undefined): state is StateItem {
  return state !== undefined && (state.eventId === eventId || state.previousEventId === eventId || state.claims?.[eventId] !== undefined);
}

/** Compare-and-set rounds before a record is failed and left to the queue's retry (contention on one message). */
const STATE_ROUNDS = 8;

/**
 * Applies `event`, delivered as the SQS message `claimant` (its messageId). Throws when a write or the publish
 * fails (the record is retried) and for an event that can never be applied (poison).
 */
export async function applyEvent(event: NormalizedEvent, claimant: string, context: ApplyContext): Promise<EventResult> {
  assertApplicable(event);
  const { store } = context;
  const request = { claimant, claimSeconds: context.claimSeconds };
  const item = store.historyItemOf(event);
  const unmapped = item.status !== undefined && item.final !== undefined && rankOf({ status: item.status, final: item.final }) === UNMAPPED_RANK;
  const result = (fields: {
    duplicate: boolean;
    applied: boolean;
    published: boolean;
    first?: boolean;
    /** When this delivery wrote the state: the status it replaced (the delivery analytics read it). */
    previousStatus?: CanonicalStatus | null;
  }): EventResult => ({
    eventId: event.eventId,
    provider: event.provider,
    duplicate: fields.duplicate,
    applied: fields.applied,
    unmappedStatus: unmapped && (fields.first ?? fields.applied),
    published: fields.published,
    ...(fields.applied && fields.previousStatus !== undefined ? { previousStatus: fields.previousStatus } : {}),
  });

  /** Publishes (when there is a topic) the recorded copy with `outcome`, then writes the history item. */
  const finish = async (outcome: Outcome, fields: { applied: boolean; first?: boolean; duplicate?: boolean }): Promise<EventResult> => {
    let publishedAt: string | undefined;
    // A part is recorded only: its whole message is what subscribers get (multipart.ts).
    if (context.publisher && !isPart(event)) {
      await context.publisher.publish(toAppliedEvent(recordedEvent(item), outcome));
      publishedAt = context.now().toISOString();
    }
    await store.finish(item, outcome, publishedAt);
    return result({
      duplicate: fields.duplicate ?? false,
      applied: fields.applied,
      published: publishedAt !== undefined,
      first: fields.first,
      previousStatus: outcome.previousStatus,
    });
  };

  const known = await store.read(item);
  if (known.finished) return result({ duplicate: true, applied: false, published: false });

  if (RECORD_KINDS[item.type].hasState) {
    let state = known.state;
    if (state === undefined) await context.onNewMessage?.(item);
    for (let round = 0; round < STATE_ROUNDS; round++) {
      if (movedState(item.eventId, state)) {
        const held = state.claims?.[item.eventId];
        if (held && held.until >= Math.floor(context.now().getTime() / 1000)) {
          if (held.by === claimant) throw new ClaimHeldBySameMessageError(event.eventId);
          return result({ duplicate: true, applied: false, published: false });
        }
        // Expired (its claimant has ended): take it over, unless the state moved meanwhile (then look again).
        if (await store.takeOverStateClaim(item, request, state)) return finish(outcomeOfRefusal(item, state), { applied: false, duplicate: true });
      } else if (!supersedes(orderedOf(item), state && orderedOf(state))) {
        // It never moved the state and never will (the state only moves up the order).
        return claimThenFinish(outcomeOfRefusal(item, state));
      } else {
        const write = await store.applyState(item, request, state);
        if (write.applied) return finish(outcomeOfWrite(item, write.previous), { applied: true });
      }
      state = await store.readStateOf(item);
    }
    throw new StoreError(`the state of the message of event ${event.eventId} kept changing; left for retry`);
  }
  return claimThenFinish(NO_STATUS);

  async function claimThenFinish(outcome: Outcome): Promise<EventResult> {
    const claim = await store.claim(item, outcome, request);
    if (!claim.claimed) {
      if (claim.heldBySelf) throw new ClaimHeldBySameMessageError(event.eventId);
      return result({ duplicate: true, applied: false, published: false });
    }
    return finish(claim.outcome, { applied: false, first: claim.first, duplicate: !claim.first });
  }
}
