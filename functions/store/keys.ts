/**
 * Where each event lives in the one table (`pk`/`sk`, TABLE in functions/settings.ts). Every event is one
 * history item `EVENT#<eventId>` under the partition of what it is about, beside a small publication item
 * `PUB#<eventId>` (its outcome and publish claim, rewritten as the event is applied and published, so those writes
 * do not rewrite the history item, which carries the recorded event); outbound message statuses also keep one
 * state item `STATE` in their message's partition.
 *
 * ```
 * pk                                        sk               what
 * MSG#<provider>#<messageId>                STATE            current status of an outbound message
 * MSG#<provider>#<messageId>                EVENT#<eventId>  each status event of that message (its history)
 * MSG#<provider>#<part.ref>                 PART#<nnn>       current status of part nnn of a multipart message
 *                                                            (its reports' EVENT# items beside it)
 * (any of the partitions below)             PUB#<eventId>    beside each EVENT# item: outcome, claim, publishedAt
 * INBOUND#<provider>#<messageId>            EVENT#<eventId>  an inbound (MO) message
 * INBOUND#<provider>#PARTS#<group>          EVENT#<eventId>  each part of a concatenated inbound SMS, and the
 *                                                            message reassembled from them (functions/consume/multipart.ts)
 * TEMPLATE#<provider>#<templateId>          EVENT#<eventId>  each status event of a WhatsApp template
 * OPTOUT#<provider>#<e164 or number>        EVENT#<eventId>  each opt-out of a recipient
 * COUNTRY#<provider>#<countryCode>          EVENT#<eventId>  each country block
 * CHAT#<provider>#<conversation or message> EVENT#<eventId>  inbox chat events
 * ACCOUNT#<provider>#<eventId>              EVENT#<eventId>  account reviews (no documented subject)
 * PHONE_NAME#<provider>#<eventId>           EVENT#<eventId>  phone-number name updates (no documented subject)
 * UNKNOWN#<provider>#<eventId>              EVENT#<eventId>  events of a type no adapter knows
 * ```
 *
 * Keys are built only from fields that are the same in every delivery of one event (never from `occurredAt`,
 * which falls back to `receivedAt` when the provider gives no time, nor from `receivedAt`), so a duplicate lands
 * on the very item its first copy wrote. An event without its subject falls back to its `eventId`: it is still
 * recorded once, addressable by id.
 */
import { createHash } from 'node:crypto';
import type { EventType, NormalizedEvent } from '../events/schema';

/** Sort key of a message's current-status item. */
export const STATE_SORT_KEY = 'STATE';

/**
 * Sort key of an inbound group's item that says which parts a reassembled message took (`takenBy`: part eventId →
 * the reassembled message's eventId), so a part goes into one message only (functions/consume/multipart.ts).
 */
export const GROUP_SORT_KEY = 'GROUP';

/** `begins_with` value that selects the part states of a multipart message's partition. */
export const PART_STATE_SORT_KEY_PREFIX = 'PART#';

/**
 * Sort key of the state an outbound status event moves: the message's `STATE`, or for a report on one part of a
 * multipart message, that part's own state (zero-padded, so the parts sort by index).
 */
export function stateSortKeyOf(event: Pick<NormalizedEvent, 'part'>): string {
  return event.part ? `${PART_STATE_SORT_KEY_PREFIX}${String(event.part.index).padStart(3, '0')}` : STATE_SORT_KEY;
}

/**
 * The group of a concatenated inbound SMS: its parts and the message reassembled from them share one partition.
 * A part's `ref` is unique per sender only (Vonage `concat-ref`, the SMPP `sar_msg_ref_num`), and a short one is
 * reused, so the group is the sender, the recipient, the ref and the number of parts.
 */
export function inboundGroupOf(event: Pick<NormalizedEvent, 'sender' | 'recipient'>, part: { readonly ref: string; readonly total: number }): string {
  const party = (side: NormalizedEvent['sender']) => side?.e164 ?? side?.raw ?? '';
  return `PARTS#${party(event.sender)}#${party(event.recipient)}#${part.ref}#${part.total}`;
}

/** The group a reassembled inbound message was built from (data.reassembly, functions/consume/multipart.ts). */
function reassembledGroupOf(event: NormalizedEvent): string | undefined {
  const reassembly = event.data?.reassembly as { group?: unknown } | undefined;
  return typeof reassembly?.group === 'string' ? reassembly.group : undefined;
}

const HISTORY_PREFIX = 'EVENT#';

/** Sort key of the history item of `eventId`. */
export const historySortKey = (eventId: string): string => `${HISTORY_PREFIX}${eventId}`;

/** Sort key of the publication item of `eventId` (its outcome, publish claim and `publishedAt`). */
export const publicationSortKey = (eventId: string): string => `PUB#${eventId}`;

/** `begins_with` value that selects the history items of a partition. */
export const HISTORY_SORT_KEY_PREFIX = HISTORY_PREFIX;

/** Partition of an outbound message: its state and its status history. */
export const messagePartitionKey = (provider: string, messageId: string): string => `MSG#${provider}#${keyPart(messageId)}`;

/**
 * DynamoDB refuses a partition key over 2,048 bytes, and a subject may be 1,024 characters of up to 3 bytes each
 * (schema.ts MAX_FIELD_LENGTH): one that would not fit is keyed by its hash instead (`~` and 64 hex digits), the same
 * for every copy of an event and for the lookup, so it is still recorded once and found. The item keeps it whole.
 */
const MAX_SUBJECT_KEY_BYTES = 1_900;

function keyPart(subject: string): string {
  return Buffer.byteLength(subject, 'utf8') <= MAX_SUBJECT_KEY_BYTES ? subject : `~${createHash('sha256').update(subject).digest('hex')}`;
}

const text = (value: unknown): string | undefined =>
  (typeof value === 'string' && value !== '') || typeof value === 'number' ? String(value) : undefined;

export interface RecordKind {
  /** First segment of the partition key. */
  readonly prefix: string;
  /** What the event is about; `undefined` falls back to the eventId. */
  readonly subject: (event: NormalizedEvent) => string | undefined;
  /** Whether the event moves a message's stored status (a state item besides the history item). */
  readonly hasState: boolean;
  /**
   * Kept for ever, whatever the table's TTL: an opt-out or a country block is a standing instruction, and forgetting
   * it after 400 days would send to someone who asked not to be contacted.
   */
  readonly keptForever?: boolean;
}

/** One row per event type: its partition and whether it has state. */
export const RECORD_KINDS: Readonly<Record<EventType, RecordKind>> = {
  // A report on one part of a multipart message lives with the message it is a part of (its `ref`).
  'message.status': { prefix: 'MSG', subject: (event) => event.part?.ref ?? event.messageId, hasState: true },
  'message.inbound': {
    prefix: 'INBOUND',
    subject: (event) => (event.part ? inboundGroupOf(event, event.part) : (reassembledGroupOf(event) ?? event.messageId)),
    hasState: false,
  },
  'template.status': { prefix: 'TEMPLATE', subject: (event) => text(event.data?.templateId) ?? event.messageId, hasState: false },
  // E.164 when the adapter could derive it, so one number written two ways is one partition.
  'recipient.unsubscribed': {
    prefix: 'OPTOUT',
    subject: (event) => event.recipient?.e164 ?? event.recipient?.raw,
    hasState: false,
    keptForever: true,
  },
  'country.blocked': { prefix: 'COUNTRY', subject: (event) => text(event.data?.countryCode), hasState: false, keptForever: true },
  'chat.message': { prefix: 'CHAT', subject: (event) => text(event.data?.conversationId) ?? event.messageId, hasState: false },
  'account.review': { prefix: 'ACCOUNT', subject: () => undefined, hasState: false },
  'phone_number.name': { prefix: 'PHONE_NAME', subject: () => undefined, hasState: false },
  'provider.unknown': { prefix: 'UNKNOWN', subject: () => undefined, hasState: false },
};

/** The partition an event is recorded in. */
export function partitionKeyOf(event: NormalizedEvent): string {
  const kind = RECORD_KINDS[event.type];
  return `${kind.prefix}#${event.provider}#${keyPart(kind.subject(event) ?? event.eventId)}`;
}
