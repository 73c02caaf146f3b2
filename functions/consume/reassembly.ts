/**
 * The reassembly of a concatenated inbound SMS from its recorded parts, and its timer: pure, and free of the consumer's
 * clients, so the sweeper (functions/timers/kinds.ts) publishes an overdue message without carrying them. The
 * consumer's side is in ./multipart.ts.
 */
import { eventIdOf } from '../core/ids';
import { SCHEMA_VERSION } from '../events/constants';
import type { NormalizedEvent } from '../events/schema';
import { recordedEvent } from '../store/items';
import type { StatusStore } from '../store/createStatusStore';
import type { Timer, TimerItem } from '../timers/createTimerStore';

/** The timer kind of an inbound message waiting for its parts (functions/timers/kinds.ts). */
export const REASSEMBLY_KIND = 'reassembly';

/** What a reassembled inbound message says of the parts it was built from (its `data.reassembly`). */
export interface Reassembly {
  /** The group (keys.ts inboundGroupOf): where the parts and the reassembled message are recorded. */
  readonly group: string;
  readonly ref: string;
  readonly total: number;
  readonly complete: boolean;
  readonly missing: number[];
  /** The events of the parts taken, by index: a part taken once is never taken again. */
  readonly partEventIds: string[];
  readonly partMessageIds: string[];
}

/** What a reassembled inbound message says of its parts; undefined for any other event. */
export const reassemblyOf = (event: NormalizedEvent): Reassembly | undefined => {
  const reassembly = event.data?.reassembly as Reassembly | undefined;
  return event.part === undefined && Array.isArray(reassembly?.partEventIds) ? reassembly : undefined;
};

const byArrival = (a: NormalizedEvent, b: NormalizedEvent): number =>
  a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;

/**
 * The inbound message that the recorded events of one group make, if it is due: complete once every index has a
 * part; with the parts that came, marked incomplete, once the first of them waited `timeoutMs` by `now`. Parts a
 * reassembled message of the group already took (recorded, or in the group's `takenBy`) are left out, so a reference
 * the sender reuses later starts afresh; of two parts with one index the first to arrive is taken (the other waits
 * for the next message).
 */
export function reassembled(
  group: string,
  recorded: readonly NormalizedEvent[],
  now: Date,
  timeoutMs: number,
  takenBy: Readonly<Record<string, string>> = {},
): NormalizedEvent | undefined {
  const taken = new Set([...Object.keys(takenBy), ...recorded.flatMap((event) => reassemblyOf(event)?.partEventIds ?? [])]);
  const waiting = recorded.filter((event) => event.type === 'message.inbound' && event.part && !taken.has(event.eventId)).sort(byArrival);
  const first = waiting[0];
  if (!first?.part) return undefined;
  const { ref, total } = first.part;
  const byIndex = new Map<number, NormalizedEvent>();
  for (const event of waiting) if (event.part && !byIndex.has(event.part.index)) byIndex.set(event.part.index, event);
  const indexes = Array.from({ length: total }, (_, offset) => offset + 1);
  const complete = indexes.every((index) => byIndex.has(index));
  if (!complete && Date.parse(first.receivedAt) + timeoutMs > now.getTime()) return undefined;
  const parts = indexes.flatMap((index) => byIndex.get(index) ?? []);
  const lead = parts[0];
  const lastArrival = [...parts].sort(byArrival).at(-1) ?? lead;
  const texts = parts.map((part) => part.data?.text);
  const reassembly: Reassembly = {
    group,
    ref,
    total,
    complete,
    missing: indexes.filter((index) => !byIndex.has(index)),
    partEventIds: parts.map((part) => part.eventId),
    partMessageIds: parts.flatMap((part) => (part.messageId === undefined ? [] : [part.messageId])),
  };
  return {
    schemaVersion: SCHEMA_VERSION,
    // The parts taken make the message: whoever reassembles them, it is the same event.
    eventId: eventIdOf(lead.provider, 'reassembled', group, ...reassembly.partEventIds),
    provider: lead.provider,
    channel: lead.channel,
    type: 'message.inbound',
    ...(lead.messageId !== undefined ? { messageId: lead.messageId } : {}),
    ...(lead.sender ? { sender: lead.sender } : {}),
    ...(lead.recipient ? { recipient: lead.recipient } : {}),
    occurredAt: lead.occurredAt,
    ...(lead.occurredAtRaw !== undefined ? { occurredAtRaw: lead.occurredAtRaw } : {}),
    ...(lead.occurredAtTrusted !== undefined ? { occurredAtTrusted: lead.occurredAtTrusted } : {}),
    receivedAt: complete ? lastArrival.receivedAt : now.toISOString(),
    segments: total,
    data: {
      // Joined in part order; a part without text (a binary one) adds nothing, and `missing` says what never came.
      ...(texts.some((text) => typeof text === 'string') ? { text: texts.map((text) => (typeof text === 'string' ? text : '')).join('') } : {}),
      reassembly,
    },
    raw: null,
  };
}

/**
 * The timer of the group `part` belongs to: due when the parts that came first have waited `timeoutSeconds`, so the
 * sweeper publishes them incomplete if the rest never came. Written with every part that leaves its group incomplete
 * (an idempotent Put: the parts of one message, seconds apart, fall in one hour and are one item).
 */
export function reassemblyTimerOf(part: NormalizedEvent, pk: string, group: string, timeoutSeconds: number): Timer {
  return {
    kind: REASSEMBLY_KIND,
    subject: pk,
    dueAt: new Date(Date.parse(part.receivedAt) + timeoutSeconds * 1000).toISOString(),
    provider: part.provider,
    ...(part.messageId !== undefined ? { messageId: part.messageId } : {}),
    data: { reassemblyTimeoutSeconds: timeoutSeconds, group },
  };
}

/** What an overdue reassembly timer publishes: the group's waiting parts, incomplete; nothing when none wait. */
export async function overdueReassemblyOf(
  timer: Pick<TimerItem, 'subject' | 'data'>,
  store: Pick<StatusStore, 'readHistory' | 'readTakenParts'>,
  now: Date,
): Promise<NormalizedEvent | undefined> {
  const seconds = typeof timer.data?.reassemblyTimeoutSeconds === 'number' ? timer.data.reassemblyTimeoutSeconds : 0;
  const [history, taken] = await Promise.all([store.readHistory(timer.subject), store.readTakenParts(timer.subject)]);
  const group = typeof timer.data?.group === 'string' ? timer.data.group : timer.subject;
  return reassembled(group, history.map(recordedEvent), now, seconds * 1000, taken.takenBy);
}
