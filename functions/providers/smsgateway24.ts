/**
 * SmsGateway24 (an Android phone as SMS gateway). Two webhooks, set per device, each a
 * JSON object per POST:
 *
 * ```json
 * { "sms_id": 84561234, "status_id": 7, "status_message": "SMS has been Delivered", "sendto": "+4915752982212",
 *   "senttime": "2024-12-12 14:38:01", "channel_id": 0, "device_id": 12345 }
 * { "address": "+4917642031984", "date": "2024-12-12 14:40:02", "date_sent": "2024-12-12 14:40:00", "body": "STOP",
 *   "internal_id": 5512, "channel_id": 0, "sms_id": 84561300, "device_id": 12345, "device_name": "Pixel",
 *   "type": "text" }
 * ```
 *
 * Choices where the docs are silent:
 * - Nothing says which webhook a body is, so the shape does: `status_id` present → delivery status, `address`
 *   present → incoming message, neither → `provider.unknown`. That last one covers the help article's "test
 *   button" sample (`{event, message_id, …}`), which contradicts the docs: kept for inspection, not refused.
 * - Required are the fields of each event's identity: `sms_id` + `status_id`, and `sms_id` + `address`. The rest
 *   is type-checked when present (null allowed) but not demanded, so a report is never refused over a field we
 *   only carry along.
 * - Ids and `status_id` may be numbers or digit strings (the docs type them int, senders may quote them); `address`
 *   is an int in the old doc and a string in the new one: all are kept as strings.
 * - The old docs' `sim` and the current `channel_id` are both accepted and both kept in `data`.
 * - Times (`senttime`, `date`, `date_sent`) are read in `context.timeZone` (UTC by default: the zone is unknown).
 *   MySQL's zero date `0000-00-00 00:00:00` means "no time", like an empty value: `occurredAt` is the receipt time.
 * - Numbers are dialled from a phone as typed, so E.164 is derived only from an explicit `+` or `00` prefix: a
 *   bare `4915…` could be national, and a wrong country code is worse than none.
 * - Bodies come as JSON (the docs) or form-encoded (what a real integrator receives for both webhooks). A form
 *   body is read field by field as the JSON one would be, every value a string; an empty value is absent. The
 *   gateway does not escape the `+` of a number, so a form parser reads it as a space: a number that starts with a
 *   space and digits gets its `+` back.
 * - An incoming `img` is WhatsApp (the docs: images come only from WhatsApp / WhatsApp Business), so its channel
 *   is `whatsapp`; text may be SMS, WhatsApp or RCS and cannot be told apart, so it is `sms`.
 */
import * as z from 'zod/mini';
import type { Channel, NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty, type NumberingRule } from '../core/phone';
import {
  catalogOf,
  jsonAckReply,
  makeEvent,
  mapStatus,
  parseJson,
  providerTime,
  statusOfProviderStatus,
  validate,
  wellFormed,
  type EventKind,
} from './common';
import type { FormParams } from '../origin/types';
import type { NormalizeContext, Normalized, ProviderAdapter, WebhookRequest } from './types';

const PROVIDER = 'smsgateway24';

/**
 * `status_id` → canonical status (docs/design.md). The order 1, 3, 2 is the provider's own, kept for backward
 * compatibility. 5 ("incoming SMS") is not expected here and, like any other value, maps to unknown, non-final.
 */
export const SMSGATEWAY24_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  '1': 'accepted',
  '3': 'queued',
  '2': 'sending',
  '6': 'sent',
  '7': 'delivered',
  '8': 'undelivered',
  '9': 'failed',
  '10': 'failed',
  '11': 'failed',
  '12': 'failed',
  '100': 'failed',
  '101': 'failed',
};

/** Only `+…` and `00…` numbers get an E.164 form: no country is assumed for bare digits. */
const EXPLICIT_PREFIX_ONLY: NumberingRule = { kind: 'national' };

/** MySQL's "no date": a backend writing an unset DATETIME. */
const NO_TIME: ReadonlySet<string> = new Set(['0000-00-00 00:00:00', '0000-00-00']);

const FAILURES: ReadonlySet<CanonicalStatus> = new Set(['failed', 'undelivered']);

const DIGITS = /^\d{1,20}$/;
const STATUS_CODE = /^\d{1,6}$/;

const text = (max: number) => z.string().check(z.maxLength(max));
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(z.nullable(schema));
/** An id the docs type as int: a non-negative integer, or the same as a digit string (so well-formed already). */
const id = () => z.union([z.int().check(z.nonnegative()), z.string().check(z.regex(DIGITS))]);
/** A phone number as dialled or received: well-formed Unicode like every id ({@link wellFormed}). */
const phone = (min = 0) => z.string().check(z.minLength(min), z.maxLength(128), wellFormed());

const StatusSchema = z.object({
  sms_id: id(),
  status_id: z.union([z.int().check(z.nonnegative()), z.string().check(z.regex(STATUS_CODE))]),
  status_message: opt(text(1024)),
  sendto: opt(phone()),
  senttime: opt(text(64)),
  sim: opt(id()),
  channel_id: opt(id()),
  device_id: opt(id()),
});

const InboundSchema = z.object({
  address: z.union([z.int().check(z.nonnegative()), phone(1)]),
  sms_id: id(),
  date: opt(text(64)),
  date_sent: opt(text(64)),
  // Concatenated SMS, WhatsApp and RCS texts run to a few thousand characters.
  body: opt(text(16_384)),
  internal_id: opt(id()),
  sim: opt(id()),
  channel_id: opt(id()),
  device_id: opt(id()),
  device_name: opt(text(256)),
  type: opt(text(32)),
  img_url: opt(text(2048)),
});

/** Channel of an incoming message by its `type`; anything not listed is `sms`. */
const INBOUND_CHANNEL: Readonly<Record<string, Channel>> = { img: 'whatsapp' };

function time(raw: string | null | undefined, context: NormalizeContext, field: string): string | undefined {
  return raw && NO_TIME.has(raw) ? undefined : providerTime(raw, context, field);
}

/** Drops undefined values, so absent fields stay absent in the event (and in its JSON). */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}

const asString = (value: string | number | null | undefined) => (value === null || value === undefined ? undefined : String(value));
const asNumber = (value: string | number | null | undefined) => (value === null || value === undefined ? undefined : Number(value));

function statusEvent(body: Record<string, unknown>, context: NormalizeContext): NormalizedEvent {
  const report = validate(StatusSchema, body);
  const smsId = String(report.sms_id);
  // "07" and 7 are the same status.
  const statusId = String(Number(report.status_id));
  const { status, final } = mapStatus(SMSGATEWAY24_STATUSES, statusId);
  const statusMessage = report.status_message ?? undefined;
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, smsId, statusId),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.status',
      messageId: smsId,
      status,
      final,
      providerStatus: statusId,
      ...defined({
        error: FAILURES.has(status) ? defined({ code: statusId, message: statusMessage || undefined }) : undefined,
        recipient: report.sendto ? toParty(report.sendto, EXPLICIT_PREFIX_ONLY) : undefined,
      }),
      occurredAt: time(report.senttime, context, 'senttime'),
      occurredAtRaw: report.senttime,
      data: defined({
        statusMessage,
        sim: asNumber(report.sim),
        channelId: asString(report.channel_id),
        deviceId: asString(report.device_id),
      }),
      raw: body,
    },
    context,
  );
}

function inboundEvent(body: Record<string, unknown>, context: NormalizeContext): NormalizedEvent {
  const message = validate(InboundSchema, body);
  const smsId = String(message.sms_id);
  const internalId = asString(message.internal_id);
  const type = message.type ?? 'text';
  const date = time(message.date, context, 'date');
  const dateSent = time(message.date_sent, context, 'date_sent');
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', smsId, internalId),
      provider: PROVIDER,
      channel: INBOUND_CHANNEL[type] ?? 'sms',
      type: 'message.inbound',
      messageId: smsId,
      sender: toParty(message.address, EXPLICIT_PREFIX_ONLY),
      occurredAt: date ?? dateSent,
      occurredAtRaw: date ? message.date : message.date_sent,
      data: defined({
        type,
        body: message.body ?? undefined,
        imgUrl: message.img_url ?? undefined,
        internalId,
        dateSent,
        sim: asNumber(message.sim),
        channelId: asString(message.channel_id),
        deviceId: asString(message.device_id),
        deviceName: message.device_name ?? undefined,
      }),
      raw: body,
    },
    context,
  );
}

function unknownEvent(body: Record<string, unknown>, context: NormalizeContext, text: string): NormalizedEvent {
  const event = Object.hasOwn(body, 'event') ? body.event : undefined;
  return makeEvent(
    {
      // No identity of its own: the exact body is, so a retry of the same bytes is the same event.
      eventId: eventIdOf(PROVIDER, 'unknown', text),
      provider: PROVIDER,
      channel: 'sms',
      type: 'provider.unknown',
      ...(typeof event === 'string' && event.length <= 64 ? { data: { event } } : {}),
      raw: body,
    },
    context,
  );
}

const FORM = 'application/x-www-form-urlencoded';
/** The fields that hold a phone number: where a form parser turned the unescaped `+` into a space. */
const PHONE_FIELDS: ReadonlySet<string> = new Set(['sendto', 'address']);

/** A form body as the JSON object it stands for (see the module comment). A repeated field keeps its first value. */
function formBody(params: FormParams): Record<string, unknown> {
  const body: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of params) {
    if (Object.hasOwn(body, name) || value === '') continue;
    body[name] = PHONE_FIELDS.has(name) && /^ \d/.test(value) ? `+${value.slice(1)}` : value;
  }
  return body;
}

const has = (body: Record<string, unknown>, key: string) => Object.hasOwn(body, key) && body[key] !== undefined;

/**
 * The two webhooks by the field that tells their bodies apart (nothing else says which a body is): a body is the
 * first kind, in this order, whose field it has.
 */
const EVENT_KINDS: ReadonlyMap<string, EventKind<(body: Record<string, unknown>, context: NormalizeContext) => NormalizedEvent>> = new Map([
  [
    'status_id',
    {
      catalog: [{ providerEvent: 'webhook_for_statuses', type: 'message.status', channel: 'sms', statuses: SMSGATEWAY24_STATUSES }],
      normalize: statusEvent,
    },
  ],
  [
    'address',
    {
      catalog: [
        { providerEvent: 'webhook_incoming_sms (type text)', type: 'message.inbound', channel: 'sms' },
        { providerEvent: 'webhook_incoming_sms (type img)', type: 'message.inbound', channel: 'whatsapp' },
      ],
      normalize: inboundEvent,
    },
  ],
]);

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const parsed = request.contentType === FORM ? formBody(request.params) : parseJson(request.body);
  // Checked, not parsed with a record schema: copying keys would turn a `__proto__` key into a prototype.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('expected object');
  const body = parsed as Record<string, unknown>;
  const kind = [...EVENT_KINDS].find(([field]) => has(body, field))?.[1];
  return { events: [kind ? kind.normalize(body, context) : unknownEvent(body, context, request.body)] };
}

/**
 * SmsGateway24: delivery statuses and incoming messages (text or image), one JSON object per POST.
 *
 * @example
 * ```ts
 * import { webhookRequest } from './common';
 * declare const body: string;
 * declare const receivedAt: string;
 * const { events } = smsgateway24.normalize(webhookRequest({ body, contentType: 'application/json' }), { receivedAt, timeZone: 'UTC' });
 * ```
 */
export const smsgateway24: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'SmsGateway24',
  authentication: 'url-token',
  defaultTimeZone: 'UTC',
  catalog: catalogOf(EVENT_KINDS),
  normalize,
  statusOf: statusOfProviderStatus(SMSGATEWAY24_STATUSES),
  reply: jsonAckReply,
};
