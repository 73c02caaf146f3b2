/**
 * AWS End User Messaging Social (WhatsApp). AWS relays Meta's WhatsApp webhooks; nothing calls us over HTTP. Two
 * routes reach the record ingest (`functions/ingest/createRecordIngestHandler.ts`):
 *
 * ```
 * EventBridge  source aws.social-messaging, detail-type "WhatsApp Message Sent|Delivered|Read|Failed|Undeliverable"
 *              detail { wabaId, originationPhoneNumber, originationPhoneNumberId, messageId, status, eventTimestamp }
 *                ──► message.status  (messageId = detail.messageId)
 *              "WhatsApp Message Received" ──► message.inbound
 *              "WhatsApp Unknown Notification Received", "WhatsApp Message Handover Succeeded|Failed", others
 *                ──► provider.unknown, kept
 * SNS          the WABA's event destination: { context: { MetaWabaIds, MetaPhoneNumberIds }, aws_account_id,
 *              message_timestamp, whatsAppWebhookEntry: "<Meta's webhook entry as a JSON string>" }
 *                entry.changes[].value.statuses[] ──► message.status   (messageId = Meta's wamid, statuses[].id)
 *                entry.changes[].value.messages[] ──► message.inbound
 *                anything else in the entry       ──► provider.unknown
 * ```
 *
 * Choices where the docs are silent or thin:
 * - EventBridge's `eventTimestamp` is epoch **seconds as a string** ("1759466063"), unlike the SMS events' epoch
 *   milliseconds; Meta's `timestamp` inside the SNS entry is the same. Both are UTC by definition.
 * - The status is `detail.status` when present (Meta's status names), else the detail-type's last word; a status no
 *   table knows is `unknown`, non-final. `undeliverable` (AWS's own) is `undelivered`.
 * - Message ids differ by route: EventBridge names AWS's message id (what `SendWhatsAppMessage` returned), SNS relays
 *   Meta's `wamid`. Each event uses the id its route gives (the other, when present, is in `data`): subscribe one
 *   route per WABA, or look a message up by either id.
 * - The EventBridge detail of "WhatsApp Message Received" was not published: its `messageId` and
 *   `originationPhoneNumber` (ours) are read when present, the detail is kept whole in `raw` (unconfirmed).
 * - `eventId`: EventBridge: `messageId` + status + `eventTimestamp`; SNS: wamid + status + timestamp (statuses) or
 *   `inbound` + wamid (messages), so a relay retried by AWS is the same event.
 * - A status or message of an SNS entry that is not as Meta documents is kept as `provider.unknown` with its error
 *   while the others of the entry go through (`normalizeBatch`).
 */
import * as z from 'zod/mini';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { epochMsToUtcIso } from '../core/time';
import {
  invalidItemEvent,
  jsonAckReply,
  makeEvent,
  mapStatus,
  normalizeBatch,
  statusOfProviderStatus,
  validate,
  wellFormed,
  withinNestingLimit,
} from './common';
import { normalizeRecordsText, snsMessageObject } from './records';
import type { EventBridgeRecord, NormalizeContext, Normalized, ProviderAdapter, SnsRecord, SourceRecord } from './types';

const PROVIDER = 'aws-eum-whatsapp';

/** The EventBridge `source` of AWS End User Messaging Social. */
export const SOCIAL_MESSAGING_EVENT_SOURCE = 'aws.social-messaging';

/** Meta's and AWS's WhatsApp message statuses → canonical status. */
export const AWS_WHATSAPP_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undeliverable: 'undelivered',
};

/** Every detail-type AWS End User Messaging Social sends to EventBridge → the event it becomes. */
export const WHATSAPP_DETAIL_TYPES: Readonly<Record<string, 'message.status' | 'message.inbound' | 'provider.unknown'>> = {
  'WhatsApp Message Sent': 'message.status',
  'WhatsApp Message Delivered': 'message.status',
  'WhatsApp Message Read': 'message.status',
  'WhatsApp Message Failed': 'message.status',
  'WhatsApp Message Undeliverable': 'message.status',
  'WhatsApp Message Received': 'message.inbound',
  'WhatsApp Unknown Notification Received': 'provider.unknown',
  'WhatsApp Message Handover Succeeded': 'provider.unknown',
  'WhatsApp Message Handover Failed': 'provider.unknown',
};

/** `WhatsApp Message Undeliverable` → `undeliverable`: the status a detail-type stands for when `status` is absent. */
const statusOfDetailType = (detailType: string) => detailType.replace(/^WhatsApp Message /, '').toLowerCase();

const text = (max = 1024) => z.string().check(z.maxLength(max));
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(z.nullable(schema));
const id = () => z.string().check(z.minLength(1), z.maxLength(512), wellFormed());
/** Epoch seconds as Meta and AWS write them: digits in a string (a number accepted too). */
const epochSeconds = () => z.union([z.string().check(z.regex(/^\d{1,12}$/)), z.int().check(z.nonnegative())]);

/** Epoch seconds (string or number) → ISO-8601 UTC. */
export function epochSecondsToIso(value: string | number, field: string): string {
  const iso = epochMsToUtcIso(Number(value) * 1000);
  if (iso === undefined) throw new ValidationError('not a time in epoch seconds', field);
  return iso;
}

/** Drops undefined and null values, so absent fields stay absent in the event (and in its JSON). */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined && fields[key] !== null) out[key] = fields[key];
  return out;
}

/** WhatsApp ids are international digits without `+` (Meta's `wa_id`, AWS's `15815555555`). */
const party = (value: string | null | undefined) => (value ? toParty(value, { kind: 'international' }) : undefined);

/* ------------------------------------------------------------------------------------------------------------
 * EventBridge
 * ---------------------------------------------------------------------------------------------------------- */

const DetailSchema = z.looseObject({
  wabaId: opt(text(128)),
  originationPhoneNumber: opt(text(64)),
  originationPhoneNumberId: opt(text(128)),
  messageId: id(),
  status: opt(text(64)),
  eventTimestamp: opt(epochSeconds()),
});

function eventBridgeEvent(record: EventBridgeRecord, context: NormalizeContext): NormalizedEvent {
  const type = Object.hasOwn(WHATSAPP_DETAIL_TYPES, record.detailType) ? WHATSAPP_DETAIL_TYPES[record.detailType] : undefined;
  if (record.eventSource !== SOCIAL_MESSAGING_EVENT_SOURCE || type === undefined || type === 'provider.unknown') {
    return makeEvent(
      {
        eventId: eventIdOf(PROVIDER, 'unknown', record.id),
        provider: PROVIDER,
        channel: 'whatsapp',
        type: 'provider.unknown',
        data: { detailType: record.detailType.slice(0, 128), eventSource: record.eventSource.slice(0, 128) },
        raw: record.detail,
      },
      context,
    );
  }
  const detail = validate(DetailSchema, record.detail, 'detail');
  const occurredAt =
    detail.eventTimestamp === undefined || detail.eventTimestamp === null
      ? undefined
      : epochSecondsToIso(detail.eventTimestamp, 'detail.eventTimestamp');
  const data = defined({
    detailType: record.detailType,
    wabaId: detail.wabaId,
    originationPhoneNumberId: detail.originationPhoneNumberId,
    status: detail.status,
  });
  const common = {
    provider: PROVIDER,
    channel: 'whatsapp' as const,
    messageId: detail.messageId,
    occurredAt,
    occurredAtRaw: detail.eventTimestamp === undefined || detail.eventTimestamp === null ? undefined : String(detail.eventTimestamp),
    raw: record.detail,
  };
  if (type === 'message.inbound') {
    return makeEvent(
      {
        ...common,
        eventId: eventIdOf(PROVIDER, 'inbound', detail.messageId),
        type,
        ...defined({ recipient: party(detail.originationPhoneNumber) }),
        data,
      },
      context,
    );
  }
  const providerStatus = detail.status || statusOfDetailType(record.detailType);
  const { status, final } = mapStatus(AWS_WHATSAPP_STATUSES, providerStatus);
  return makeEvent(
    {
      ...common,
      eventId: eventIdOf(PROVIDER, detail.messageId, providerStatus, detail.eventTimestamp ?? record.time),
      type,
      status,
      final,
      providerStatus,
      ...defined({ sender: party(detail.originationPhoneNumber) }),
      data,
    },
    context,
  );
}

/* ------------------------------------------------------------------------------------------------------------
 * SNS: AWS's header around Meta's webhook entry
 * ---------------------------------------------------------------------------------------------------------- */

const HeaderSchema = z.looseObject({
  context: opt(z.looseObject({})),
  whatsAppWebhookEntry: z.union([z.string(), z.looseObject({})]),
  aws_account_id: opt(text(32)),
  message_timestamp: opt(text(64)),
  messageId: opt(text(256)),
});

const MetaErrorSchema = z.looseObject({ code: opt(z.union([z.int(), text(64)])), title: opt(text()), message: opt(text()) });

const StatusSchema = z.looseObject({
  id: id(),
  status: z.string().check(z.minLength(1), z.maxLength(64)),
  timestamp: epochSeconds(),
  recipient_id: opt(text(64)),
  errors: opt(z.array(MetaErrorSchema)),
  conversation: opt(z.looseObject({})),
  pricing: opt(z.looseObject({})),
});

const MessageSchema = z.looseObject({
  id: id(),
  from: z.string().check(z.minLength(1), z.maxLength(64)),
  timestamp: epochSeconds(),
  type: opt(text(64)),
  text: opt(z.looseObject({ body: opt(text(65_536)) })),
});

const EntrySchema = z.looseObject({
  id: opt(text(128)),
  changes: z.array(
    z.looseObject({
      field: opt(text(64)),
      value: opt(
        z.looseObject({
          metadata: opt(z.looseObject({ display_phone_number: opt(text(64)), phone_number_id: opt(text(128)) })),
          statuses: opt(z.array(z.unknown())),
          messages: opt(z.array(z.unknown())),
        }),
      ),
    }),
  ),
});

interface Item {
  readonly kind: 'status' | 'message' | 'other';
  readonly value: unknown;
  readonly path: string;
  /** Our number, from the change's metadata. */
  readonly ours?: string;
  readonly phoneNumberId?: string;
  readonly field?: string;
}

function statusEvent(item: Item, header: { awsMessageId?: string }, context: NormalizeContext): NormalizedEvent {
  const status = validate(StatusSchema, item.value, item.path);
  const mapped = mapStatus(AWS_WHATSAPP_STATUSES, status.status);
  const error = status.errors?.[0];
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, status.id, status.status, status.timestamp),
      provider: PROVIDER,
      channel: 'whatsapp',
      type: 'message.status',
      messageId: status.id,
      status: mapped.status,
      final: mapped.final,
      providerStatus: status.status,
      ...defined({
        recipient: party(status.recipient_id),
        sender: party(item.ours),
        error: error
          ? defined({
              code: error.code === undefined || error.code === null ? undefined : String(error.code),
              message: (error.message ?? error.title ?? undefined)?.slice(0, 1024),
            })
          : undefined,
      }),
      occurredAt: epochSecondsToIso(status.timestamp, `${item.path}.timestamp`),
      occurredAtRaw: String(status.timestamp),
      data: defined({
        phoneNumberId: item.phoneNumberId,
        awsMessageId: header.awsMessageId,
        conversation: status.conversation,
        pricing: status.pricing,
        errors: status.errors,
      }),
      raw: item.value,
    },
    context,
  );
}

function messageEvent(item: Item, context: NormalizeContext): NormalizedEvent {
  const message = validate(MessageSchema, item.value, item.path);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', message.id),
      provider: PROVIDER,
      channel: 'whatsapp',
      type: 'message.inbound',
      messageId: message.id,
      sender: toParty(message.from, { kind: 'international' }),
      ...defined({ recipient: party(item.ours) }),
      occurredAt: epochSecondsToIso(message.timestamp, `${item.path}.timestamp`),
      occurredAtRaw: String(message.timestamp),
      data: defined({ messageType: message.type, body: message.text?.body, phoneNumberId: item.phoneNumberId }),
      raw: item.value,
    },
    context,
  );
}

function otherEvent(item: Item, context: NormalizeContext): NormalizedEvent {
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'unknown', JSON.stringify(item.value) ?? ''),
      provider: PROVIDER,
      channel: 'whatsapp',
      type: 'provider.unknown',
      data: defined({ field: item.field?.slice(0, 64) }),
      raw: item.value,
    },
    context,
  );
}

function snsEvents(record: SnsRecord, context: NormalizeContext): NormalizedEvent[] {
  const header = validate(HeaderSchema, snsMessageObject(record), 'Message');
  const entryValue = typeof header.whatsAppWebhookEntry === 'string' ? parseEntry(header.whatsAppWebhookEntry) : header.whatsAppWebhookEntry;
  const entry = validate(EntrySchema, entryValue, 'whatsAppWebhookEntry');
  const items: Item[] = entry.changes.flatMap((change, c): Item[] => {
    const value = change.value;
    const where = `whatsAppWebhookEntry.changes.${c}.value`;
    const ours = value?.metadata?.display_phone_number ?? undefined;
    const phoneNumberId = value?.metadata?.phone_number_id ?? undefined;
    const statuses = (value?.statuses ?? []).map(
      (status, i): Item => ({ kind: 'status', value: status, path: `${where}.statuses.${i}`, ours, phoneNumberId }),
    );
    const messages = (value?.messages ?? []).map(
      (message, i): Item => ({ kind: 'message', value: message, path: `${where}.messages.${i}`, ours, phoneNumberId }),
    );
    const found = [...statuses, ...messages];
    return found.length > 0 ? found : [{ kind: 'other', value: change, path: `whatsAppWebhookEntry.changes.${c}`, field: change.field ?? undefined }];
  });
  if (items.length === 0) items.push({ kind: 'other', value: entryValue, path: 'whatsAppWebhookEntry' });
  const awsMessageId = header.messageId ?? undefined;
  return normalizeBatch(
    items,
    (item) =>
      item.kind === 'status'
        ? statusEvent(item, { awsMessageId }, context)
        : item.kind === 'message'
          ? messageEvent(item, context)
          : otherEvent(item, context),
    (item, error) => invalidItemEvent({ provider: PROVIDER, channel: 'whatsapp', raw: item.value }, error, context),
  );
}

function parseEntry(entry: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry);
  } catch {
    throw new ValidationError('is not JSON', 'whatsAppWebhookEntry');
  }
  return withinNestingLimit(parsed);
}

function normalizeRecord(record: SourceRecord, context: NormalizeContext): Normalized {
  if (record.source === 'sns') return { events: snsEvents(record, context) };
  try {
    return { events: [eventBridgeEvent(record, context)] };
  } catch (error) {
    // A well-formed EventBridge event whose detail is not as documented: kept, with its error.
    if (!(error instanceof ValidationError)) throw error;
    return { events: [invalidItemEvent({ provider: PROVIDER, channel: 'whatsapp', raw: record.detail }, error, context)] };
  }
}

/**
 * AWS End User Messaging Social (WhatsApp): statuses and inbound messages from EventBridge or the WABA's SNS topic.
 *
 * @example
 * ```ts
 * import type { SourceRecord } from './types';
 * declare const record: SourceRecord;
 * declare const receivedAt: string;
 * const { events } = awsEumWhatsapp.normalizeRecord!(record, { receivedAt, timeZone: 'UTC' });
 * ```
 */
export const awsEumWhatsapp: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'AWS End User Messaging Social (WhatsApp)',
  authentication: 'iam',
  sources: ['eventbridge', 'sns'],
  eventPattern: { source: [SOCIAL_MESSAGING_EVENT_SOURCE], 'detail-type': Object.keys(WHATSAPP_DETAIL_TYPES) },
  defaultTimeZone: 'UTC',
  catalog: [
    ...Object.entries(WHATSAPP_DETAIL_TYPES).map(([providerEvent, type]) => {
      if (type !== 'message.status') return { providerEvent, type, channel: 'whatsapp' as const };
      const own = statusOfDetailType(providerEvent);
      return { providerEvent, type, channel: 'whatsapp' as const, statuses: { [own]: AWS_WHATSAPP_STATUSES[own] } };
    }),
    { providerEvent: 'SNS whatsAppWebhookEntry statuses[]', type: 'message.status', channel: 'whatsapp', statuses: AWS_WHATSAPP_STATUSES },
    { providerEvent: 'SNS whatsAppWebhookEntry messages[]', type: 'message.inbound', channel: 'whatsapp' },
  ],
  normalizeRecord,
  normalize: (request, context) => normalizeRecordsText(normalizeRecord, request, context),
  statusOf: statusOfProviderStatus(AWS_WHATSAPP_STATUSES),
  reply: jsonAckReply,
};
