/**
 * The shapes of the table's items and the pure functions that build them from events. No I/O.
 */
import type { NormalizedEvent } from '../events/schema';
import { DEFAULT_TRUSTED_TIME_WINDOW_MS, isTimeTrusted, rankOf, type CanonicalStatus, type Ordered } from '../events/status';
import { UnapplicableEventError } from './errors';
import { decodeEventJson, encodeEvent } from './eventCodec';
import type { StateClaims } from './expressions';
import { historySortKey, partitionKeyOf, RECORD_KINDS, stateSortKeyOf, type STATE_SORT_KEY } from './keys';

/** What recording an event did to its message's stored status. Written once per event, on its publication item. */
export interface Outcome {
  /** Whether the stored status took a different value because of this event. */
  readonly statusChanged: boolean;
  /** The stored status before this event was applied (or, when it was not, the status that stayed); null if none. */
  readonly previousStatus: CanonicalStatus | null;
}

/** One event, recorded once (the first delivery's copy wins). */
export interface HistoryItem {
  readonly pk: string;
  readonly sk: string;
  readonly eventId: string;
  readonly provider: string;
  readonly channel: NormalizedEvent['channel'];
  readonly type: NormalizedEvent['type'];
  readonly messageId?: string;
  /** For `message.status`: the sort key of the state it moves (`STATE`, or `PART#nnn` for a report on one part). */
  readonly stateSk?: string;
  /** One part of a multipart message (outbound report or inbound part), as the event says. */
  readonly part?: NormalizedEvent['part'];
  readonly status?: CanonicalStatus;
  readonly final?: boolean;
  /** Rank used by the status rule (`rankOf`), for `message.status`. */
  readonly rank?: number;
  readonly providerStatus?: string;
  readonly error?: NormalizedEvent['error'];
  /** Canonical `toISOString()` form, so that text order is time order in key conditions and sorting. */
  readonly occurredAt: string;
  readonly receivedAt: string;
  /** `occurredAt` when the time is trusted for ordering, {@link UNTRUSTED_ORDER_AT} when not (status.ts `isTimeTrusted`). */
  readonly orderAt: string;
  /** When the consumer first recorded it (our clock). */
  readonly recordedAt: string;
  /**
   * The normalized event as recorded, compressed (eventCodec.ts; a string of JSON on items written before), with
   * `raw` null when the whole would not fit an item. Read it with {@link recordedEvent}.
   */
  readonly event: Uint8Array | string;
  /** What applying it did; written with the item, which is written once the event is applied and published. */
  readonly outcome?: Outcome;
  /** When it was published on the topic (absent when no topic is configured). */
  readonly publishedAt?: string;
  readonly expiresAt?: number;
}

/**
 * The claim to publish an event that no state write carries (a type without state, or a status that did not
 * supersede), and the outcome it was claimed with: a small item (1 write unit) beside the history item, which is
 * written only once the event is published (createStatusStore.ts).
 */
export interface PublicationItem {
  readonly pk: string;
  readonly sk: string;
  readonly eventId: string;
  readonly outcome?: Outcome;
  /** SQS messageId of the delivery that holds (or held) the right to publish this event. */
  readonly claimedBy?: string;
  /** Epoch seconds after which another delivery may take the claim over. */
  readonly claimExpiresAt?: number;
  readonly expiresAt?: number;
}

/** The current status of an outbound message, or of one part of a multipart one (`sk` `PART#nnn`, with `part`). */
export interface StateItem {
  readonly pk: string;
  readonly sk: typeof STATE_SORT_KEY | `PART#${string}`;
  readonly provider: string;
  /** The provider's id of what this state is about: the message, or the part (which may be the message's own). */
  readonly messageId: string;
  readonly part?: NormalizedEvent['part'];
  readonly channel: NormalizedEvent['channel'];
  /** The event that set this state. */
  readonly eventId: string;
  readonly status: CanonicalStatus;
  readonly final: boolean;
  readonly rank: number;
  readonly providerStatus?: string;
  readonly error?: NormalizedEvent['error'];
  readonly occurredAt: string;
  readonly receivedAt: string;
  /** As on the history item; absent on a state written before times were judged (then `occurredAt` counts, trusted). */
  readonly orderAt?: string;
  /** When this state was written (our clock). */
  readonly updatedAt: string;
  /** The status this state replaced; null for the message's first. */
  readonly previousStatus: CanonicalStatus | null;
  readonly previousEventId: string | null;
  /**
   * The status before the event this state replaced (`previousEventId`): with `previousStatus`, that event's own
   * outcome, in case recording it failed before this event overtook it. Null when there was none.
   */
  readonly replacedPreviousStatus?: CanonicalStatus | null;
  /** The claims to publish of the events that moved this state and may still be publishing (expressions.ts). */
  readonly claims?: StateClaims;
  /** Incremented by every write: the compare-and-set the state's writes are based on. Absent before the first. */
  readonly version?: number;
  readonly expiresAt?: number;
}

/**
 * `orderAt` of an event whose time is not trusted: below every canonical time a trusted event can have (a trusted
 * time is within the window of its arrival, so it starts with a digit of a four-digit year), and equal for all
 * untrusted events, so that between them the eventId decides, as `supersedes` says.
 */
export const UNTRUSTED_ORDER_AT = '0';

/** DynamoDB's item limit is 400 KB; leave room for the item's other attributes. Bounds the stored (compressed) form. */
export const MAX_STORED_EVENT_BYTES = 350_000;

/** `value` as canonical ISO-8601 UTC with milliseconds (the schema lets producers send any fraction). */
export function canonicalTime(value: string): string {
  return new Date(value).toISOString();
}

/**
 * `event` encoded by `encode` within `maxBytes` (as `bytes` measures it): whole when it fits, otherwise with `raw`
 * (the provider's item; the schema requires the key) set to `null`, and if that is still too large, `data` too
 * replaced by `{ "omitted": true }` (adapters bound their `data`, but a body kept in it could still carry most of the
 * body cap). Every other field is bounded by the schema.
 */
function encodedWithin<E extends NormalizedEvent, T>(
  event: E,
  maxBytes: number,
  encode: (json: string) => T,
  bytes: (encoded: T) => number,
): { encoded: T; rawOmitted: boolean; dataOmitted: boolean } {
  const whole = encode(JSON.stringify(event));
  if (bytes(whole) <= maxBytes) return { encoded: whole, rawOmitted: false, dataOmitted: false };
  const withoutRaw = encode(JSON.stringify({ ...event, raw: null }));
  if (bytes(withoutRaw) <= maxBytes || event.data === undefined) return { encoded: withoutRaw, rawOmitted: true, dataOmitted: false };
  return { encoded: encode(JSON.stringify({ ...event, raw: null, data: { omitted: true } })), rawOmitted: true, dataOmitted: true };
}

/** `event` as JSON within `maxBytes` of UTF-8 (see {@link encodedWithin}). Returns the JSON and what was left out. */
export function eventJsonWithin<E extends NormalizedEvent>(event: E, maxBytes: number): { json: string; rawOmitted: boolean; dataOmitted: boolean } {
  const { encoded, rawOmitted, dataOmitted } = encodedWithin(
    event,
    maxBytes,
    (json) => json,
    (json) => Buffer.byteLength(json, 'utf8'),
  );
  return { json: encoded, rawOmitted, dataOmitted };
}

/**
 * The `event` attribute of a history item recording `event`: its stored form (eventCodec.ts), within
 * {@link MAX_STORED_EVENT_BYTES} as stored (see {@link encodedWithin}).
 */
export function storedEventOf(event: NormalizedEvent): Uint8Array {
  return encodedWithin(event, MAX_STORED_EVENT_BYTES, encodeEvent, (stored) => stored.length).encoded;
}

/** TTL attribute value: `ttlDays` after `now`, in epoch seconds; none when `ttlDays` is 0. */
export function expiresAtOf(now: Date, ttlDays: number): number | undefined {
  return ttlDays > 0 ? Math.floor(now.getTime() / 1000) + Math.round(ttlDays * 86_400) : undefined;
}

/**
 * Refuses an event that says it is a message status but cannot be ordered: without `messageId`, `status` or
 * `final` it could only be guessed at, so it is a poison record (it fails until the dead-letter queue takes it).
 */
export function assertApplicable(event: NormalizedEvent): void {
  if (!RECORD_KINDS[event.type].hasState) return;
  const missing = (['messageId', 'status', 'final'] as const).filter((field) => event[field] === undefined || event[field] === '');
  if (missing.length > 0) throw new UnapplicableEventError(event.eventId, `message.status without ${missing.join(', ')}`);
}

/** The history item of `event` as first recorded at `now`; `windowMs` judges its time (status.ts `isTimeTrusted`). */
export function toHistoryItem(event: NormalizedEvent, now: Date, ttlDays: number, windowMs: number = DEFAULT_TRUSTED_TIME_WINDOW_MS): HistoryItem {
  const status = event.status;
  const occurredAt = canonicalTime(event.occurredAt);
  return {
    pk: partitionKeyOf(event),
    sk: historySortKey(event.eventId),
    eventId: event.eventId,
    provider: event.provider,
    channel: event.channel,
    type: event.type,
    messageId: event.messageId,
    ...(RECORD_KINDS[event.type].hasState ? { stateSk: stateSortKeyOf(event) } : {}),
    ...(event.part ? { part: event.part } : {}),
    status,
    final: event.final,
    rank: status !== undefined && event.final !== undefined ? rankOf({ status, final: event.final }) : undefined,
    providerStatus: event.providerStatus,
    error: event.error,
    occurredAt,
    receivedAt: canonicalTime(event.receivedAt),
    orderAt: isTimeTrusted(event, windowMs) ? occurredAt : UNTRUSTED_ORDER_AT,
    recordedAt: now.toISOString(),
    event: storedEventOf(event),
    expiresAt: RECORD_KINDS[event.type].keptForever ? undefined : expiresAtOf(now, ttlDays),
  };
}

/** The ordering view (`supersedes`) of a recorded status event or a state. */
export function orderedOf(item: Pick<HistoryItem, 'eventId' | 'status' | 'final' | 'occurredAt'> & { readonly orderAt?: string }): Ordered {
  if (item.status === undefined || item.final === undefined) {
    throw new UnapplicableEventError(item.eventId, 'recorded status event without status or final');
  }
  return {
    status: item.status,
    final: item.final,
    occurredAt: item.occurredAt,
    eventId: item.eventId,
    timeTrusted: item.orderAt !== UNTRUSTED_ORDER_AT,
  };
}

/** The ordering view of an event as the consumer would record it, its time judged with `windowMs`. */
export function orderedOfEvent(event: NormalizedEvent, windowMs: number = DEFAULT_TRUSTED_TIME_WINDOW_MS): Ordered {
  return orderedOf(toHistoryItem(event, new Date(0), 0, windowMs));
}

/**
 * The recorded event of a history item, in either stored form (compressed, or the JSON text of items written
 * before): every reader of `event` goes through here.
 */
export function recordedEvent(item: Pick<HistoryItem, 'event'>): NormalizedEvent {
  return JSON.parse(decodeEventJson(item.event)) as NormalizedEvent;
}
