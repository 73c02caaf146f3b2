/**
 * Multipart SMS: the parts a provider reports one by one become one message for subscribers.
 *
 * An event carrying `part {ref, index, total}` is one part. It is recorded like any event (history, and for an
 * outbound report its part's own state), but not published: once it is recorded, the consumer derives from the parts
 * recorded so far the event that speaks for the whole message, and applies that one through the same path as any
 * event ({@link applyEvent}), so it is recorded and published exactly once whoever derives it, in whatever order the
 * parts came, however many times each came.
 *
 * ```
 * inbound part i of n ── recorded in the group's partition (keys.ts inboundGroupOf) ── all n there? ──► one
 *   message.inbound, the texts joined by index, data.reassembly.complete = true
 *   not all there after the reassembly timeout (the sweeper's `reassembly` timer) ──► one message.inbound with
 *   what arrived, complete = false, the missing indexes listed; a part arriving later starts a new group
 * outbound report on part i of n ── its part's state PART#i in the message's partition (keys.ts stateSortKeyOf)
 *   ──► the message's status rolled up from the part states ({@link rollUp}) ──► one message.status per
 *   rolled-up status, for the message (`messageId` = the parts' `ref`)
 * ```
 *
 * Derived events have deterministic ids (the group and the parts taken, or the message and its rolled-up status), so
 * two deliveries deriving the same event at once, or a retry after a crash between recording a part and deriving
 * from it, make one event. Whoever records the last missing part reads every other part (consistent reads after
 * its own write), so a complete set is always seen by someone.
 *
 * Which providers report per part, and by which rule their messages roll up, is in docs/design.md "Multipart SMS".
 */
import { eventIdOf } from '../core/ids';
import { isPart, SCHEMA_VERSION, type NormalizedEvent } from '../events/schema';
import { rankOf, STATUS_TABLE, type CanonicalStatus } from '../events/status';
import { TABLE } from '../settings';
import { inboundGroupOf, partitionKeyOf } from '../store/keys';
import { recordedEvent, type StateItem } from '../store/items';
import type { Timer } from '../timers/createTimerStore';
import { applyEvent, type ApplyContext, type EventResult } from './applyEvent';
import { StoreError } from '../store/errors';
import { reassembled, reassemblyOf, reassemblyTimerOf } from './reassembly';

/** A part's state as the roll-up reads it. */
export type PartState = Pick<StateItem, 'status' | 'final' | 'occurredAt' | 'error'> & {
  readonly part?: { readonly index: number };
  /** The report that set the part's state. */
  readonly eventId?: string;
};

/**
 * Which failure speaks for a message whose parts ended differently: the provider refusing a part outranks the
 * network failing it, which outranks a part that timed out or whose fate is unknown.
 */
const FAILURE_PRECEDENCE: readonly CanonicalStatus[] = ['rejected', 'failed', 'undelivered', 'expired', 'unknown'];

/**
 * The status of a multipart message from the states of its parts, "all parts" rule:
 * - every part final: `read` if all were read, `delivered` if all were delivered (or read), else the first failure
 *   of {@link FAILURE_PRECEDENCE} among them;
 * - otherwise not final: the lowest status among the parts reported so far, a part that already ended counting as
 *   `sent` (the message is not delivered before its last part is); parts whose status no mapping knows are left out.
 * Undefined when no part says anything yet. A part's state only moves up, and so does a final roll-up; a lagging
 * part's first report can lower a non-final one, which the status rule then keeps from lowering the stored status.
 */
export function rollUp(parts: readonly PartState[], total: number): { status: CanonicalStatus; final: boolean; decidedBy: PartState[] } | undefined {
  const byIndex = new Map<number, PartState>();
  for (const part of parts) if (part.part && part.part.index >= 1 && part.part.index <= total) byIndex.set(part.part.index, part);
  const reported = [...byIndex.values()];
  if (byIndex.size === total && reported.every((part) => part.final)) {
    if (reported.every((part) => part.status === 'read')) return { status: 'read', final: true, decidedBy: reported };
    if (reported.every((part) => part.status === 'delivered' || part.status === 'read'))
      return { status: 'delivered', final: true, decidedBy: reported };
    const failure = FAILURE_PRECEDENCE.find((status) => reported.some((part) => part.status === status));
    if (failure) return { status: failure, final: true, decidedBy: reported.filter((part) => part.status === failure) };
  }
  const pending = reported
    .filter((part) => rankOf(part) > 0)
    .map((part): CanonicalStatus => (part.final ? 'sent' : part.status))
    .sort((a, b) => STATUS_TABLE[a].rank - STATUS_TABLE[b].rank);
  const lowest = pending[0];
  return lowest ? { status: lowest, final: false, decidedBy: reported } : undefined;
}

/** The message status event that the roll-up of `parts` makes, for the message that `report` (one part's) is part of. */
export function rolledUpEvent(report: NormalizedEvent, parts: readonly PartState[], receivedAt: Date): NormalizedEvent | undefined {
  const part = report.part;
  if (report.type !== 'message.status' || !part) return undefined;
  const rolled = rollUp(parts, part.total);
  if (!rolled) return undefined;
  const derivedAt = receivedAt.toISOString();
  const latest =
    rolled.decidedBy
      .map((entry) => entry.occurredAt)
      .sort()
      .at(-1) ?? report.occurredAt;
  const error = rolled.final ? rolled.decidedBy.find((entry) => entry.error)?.error : undefined;
  // A final roll-up is the message's verdict on its parts' states as they were read: one event per set of part
  // reports (whoever derives it, the same event), timed when it was derived, so that a later verdict on newer part
  // reports (a part delivered, then failed) replaces an earlier one of equal rank, as a newer provider time would.
  const identity = rolled.final ? parts.flatMap((entry) => (entry.part ? [entry.eventId ?? ''] : [])).sort() : [];
  return {
    schemaVersion: SCHEMA_VERSION,
    eventId: eventIdOf(report.provider, 'multipart', part.ref, rolled.status, String(rolled.final), ...identity),
    provider: report.provider,
    channel: report.channel,
    type: 'message.status',
    messageId: part.ref,
    status: rolled.status,
    final: rolled.final,
    ...(error ? { error } : {}),
    ...(report.recipient ? { recipient: report.recipient } : {}),
    ...(report.sender ? { sender: report.sender } : {}),
    ...(rolled.final ? { occurredAt: derivedAt, occurredAtRaw: derivedAt } : { occurredAt: latest }),
    receivedAt: derivedAt,
    segments: part.total,
    data: {
      multipart: {
        rule: 'all-parts',
        total: part.total,
        parts: [...parts]
          .filter((entry) => entry.part)
          .sort((a, b) => a.part!.index - b.part!.index)
          .map((entry) => ({ index: entry.part!.index, status: entry.status, final: entry.final })),
      },
    },
    raw: null,
  };
}

/** Whether `event` is a message status rolled up from its parts' (it has no provider status of its own). */
export const isRolledUp = (event: Pick<NormalizedEvent, 'type' | 'part' | 'data'>): boolean =>
  event.type === 'message.status' && event.part === undefined && event.data?.multipart !== undefined;

export interface MultipartContext extends ApplyContext {
  /** @default TABLE.defaultReassemblyTimeoutSeconds */
  readonly reassemblyTimeoutSeconds?: number;
  /** Writes a timer (functions/timers): an inbound group left incomplete is published by the sweeper when due. */
  readonly schedule?: (timer: Timer) => Promise<void>;
}

/**
 * After a part was applied (or found applied: a retry must still derive), derives and applies the event for its
 * whole message, if there is one to make now. Returns what applying it did, or undefined when there was none.
 * `claimant` is the SQS messageId of the part's delivery: the derived event is claimed in its name, suffixed.
 */
export async function applyWholeMessage(
  part: NormalizedEvent,
  claimant: string,
  context: MultipartContext,
): Promise<{ event: NormalizedEvent; result: EventResult } | undefined> {
  if (!isPart(part)) return undefined;
  const pk = partitionKeyOf(part);
  const group = part.part ? inboundGroupOf(part, part.part) : '';
  const derived = part.type === 'message.status' ? await rolledUpOf(part, context) : await reassembledOf(pk, group, context);
  if (!derived) {
    // Parts still missing: the sweeper publishes what came if the rest never does.
    if (part.type === 'message.inbound') await context.schedule?.(reassemblyTimerOf(part, pk, group, timeoutSecondsOf(context)));
    return undefined;
  }
  const result = await applyRecord(derived, `${claimant}#whole`, context);
  return result ? { event: derived, result } : undefined;
}

/** Compare-and-set rounds on a group's taken parts before a record is left to the queue's retry. */
const TAKE_ROUNDS = 8;

/**
 * Applies one event off the queue: a reassembled inbound message first takes its parts (the group's `takenBy`,
 * compare-and-set), so that of two messages derived from overlapping parts (the sweeper's incomplete one racing the
 * last part's complete one, say) only the first to take them is recorded and published; the other is dropped, its
 * parts being in a published message. Undefined when it was dropped. Any other event goes straight to applyEvent.
 */
export async function applyRecord(event: NormalizedEvent, claimant: string, context: MultipartContext): Promise<EventResult | undefined> {
  const reassembly = reassemblyOf(event);
  if (!reassembly) return applyEvent(event, claimant, context);
  const pk = partitionKeyOf(event);
  for (let round = 0; round < TAKE_ROUNDS; round++) {
    const read = await context.store.readTakenParts(pk);
    const owners = reassembly.partEventIds.map((id) => read.takenBy[id]);
    if (owners.some((owner) => owner !== undefined && owner !== event.eventId)) return undefined;
    const mine = Object.fromEntries(reassembly.partEventIds.map((id) => [id, event.eventId]));
    // Taken already by this very message (a retry after a crash): go on to record and publish it.
    if (owners.every((owner) => owner === event.eventId) || (await context.store.takeParts(pk, { ...read.takenBy, ...mine }, read))) {
      return applyEvent(event, claimant, context);
    }
  }
  throw new StoreError(`the parts of inbound group ${reassembly.group} kept being taken; left for retry`);
}

async function rolledUpOf(report: NormalizedEvent, context: MultipartContext): Promise<NormalizedEvent | undefined> {
  const parts = await context.store.readPartStates(partitionKeyOf(report));
  return rolledUpEvent(report, parts, context.now());
}

async function reassembledOf(pk: string, group: string, context: MultipartContext): Promise<NormalizedEvent | undefined> {
  const [history, taken] = await Promise.all([context.store.readHistory(pk), context.store.readTakenParts(pk)]);
  return reassembled(group, history.map(recordedEvent), context.now(), timeoutSecondsOf(context) * 1000, taken.takenBy);
}

const timeoutSecondsOf = (context: MultipartContext): number => context.reassemblyTimeoutSeconds ?? TABLE.defaultReassemblyTimeoutSeconds;
