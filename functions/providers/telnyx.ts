/**
 * Telnyx Messaging webhooks: one JSON event per POST, signed with Ed25519.
 *
 * ```json
 * { "data": { "event_type": "message.finalized", "id": "4ee8c3a6-…", "occurred_at": "2019-12-09T21:32:14.148+00:00",
 *             "record_type": "event",
 *             "payload": { "id": "40385f64-…", "type": "SMS", "direction": "outbound", "parts": 1,
 *                          "from": { "phone_number": "+18445550001", "carrier": "Telnyx", "line_type": "Wireless" },
 *                          "to": [{ "phone_number": "+13125550002", "carrier": "T-MOBILE USA, INC.", "status": "delivered" }],
 *                          "cost": { "amount": "0.0051", "currency": "USD" }, "errors": [], … } },
 *   "meta": { "attempt": 1, "delivered_to": "https://…" } }
 * ```
 *
 * ```
 * message.sent, message.finalized ──► one message.status per to[] recipient (the status lives in to[].status)
 * message.received                ──► one message.inbound (SMS or MMS, media[] in data)
 * anything else (message.delivered and other drift seen in the wild) ──► provider.unknown, kept
 * ```
 *
 * Choices where the docs are silent:
 * - **Per recipient.** One event can cover several recipients (group MMS), each with its own status, so each gets
 *   its own event. The message id is Telnyx's `payload.id` when the message has one recipient (what the send API
 *   returned, the common case), and `payload.id:<recipient key>` when it has several ({@link recipientMessageIdOf}:
 *   a hash of the number, because message ids are logged and a whole phone number must never be). A message's
 *   recipients do not change between its events, so every event of one recipient lands on the same id.
 * - `eventId` is Telnyx's event id `data.id` (the same on every retry) plus the recipient's number.
 * - A recipient entry that is not what Telnyx documents (no `phone_number` or no `status`) is kept as
 *   `provider.unknown` with its error while the other recipients go through; an event with no usable recipient
 *   is a 400.
 * - Statuses are read from the names and from what `message.finalized` means (Telnyx gives no table):
 *   see {@link TELNYX_STATUSES}.
 * - `occurredAt` is `data.occurred_at` (ISO-8601 with an offset), else the payload's `completed_at`, `sent_at` or
 *   `received_at`.
 * - `parts` → `segments`; `cost` → `price` (a decimal string as sent). The cost is the whole message's: with several
 *   recipients it is kept in `data.messageCost` instead, so that adding up events never counts it twice.
 * - `errors[]` is kept whole in `data.errors`; the first one gives `error` on a failed, undelivered, expired or
 *   unconfirmed recipient.
 * - Reply: 200 as soon as the events are queued (Telnyx retries when there is no 2xx within 2 s).
 */
import * as z from 'zod/mini';
import type { Channel, NormalizedEvent, Party } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { ed25519Scheme } from '../origin/schemes/ed25519';
import { timestampThenBody } from '../origin/payloads';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import {
  catalogOf,
  jsonAckReply,
  makeEvent,
  mapStatus,
  normalizeBatch,
  parseJson,
  providerTime,
  statusOfProviderStatus,
  validate,
  wellFormed,
  type EventKind,
  oneOf,
  orNull,
} from './common';
import { recipientMessageIdOf } from './recipients';
import type { NormalizeContext, Normalized, ProviderAdapter } from './types';

const PROVIDER = 'telnyx';

/**
 * `to[].status` → canonical status. Telnyx documents the values (`messages.ts` of its SDK) but not their finality;
 * read from the names and from `message.finalized` ("a terminal state was reached"):
 * - `delivery_failed`: the carrier reported the message not delivered → `undelivered`;
 * - `sending_failed`: it never left Telnyx → `failed`;
 * - `delivery_unconfirmed`: final with no outcome, no report will come → `unknown` (final; a real outcome arriving
 *   later still outranks it).
 */
export const TELNYX_STATUSES = {
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  delivery_failed: 'undelivered',
  sending_failed: 'failed',
  expired: 'expired',
  delivery_unconfirmed: 'unknown',
} as const satisfies Record<string, CanonicalStatus>;

/** Telnyx's signature headers. */
export const TELNYX_SIGNATURE_HEADER = 'telnyx-signature-ed25519';
export const TELNYX_TIMESTAMP_HEADER = 'telnyx-timestamp';

/** Ed25519 over `timestamp|raw body` with the account's public key; the timestamp within the deployment's tolerance. */
export const telnyxSignature = ed25519Scheme({
  header: TELNYX_SIGNATURE_HEADER,
  timestamp: { header: TELNYX_TIMESTAMP_HEADER, unit: 's' },
  payload: timestampThenBody('|'),
});

/** Recipients per event: group MMS has a handful; 100 bounds the work a hostile body can ask for. */
export const MAX_RECIPIENTS = 100;

const FAILURES: ReadonlySet<CanonicalStatus> = new Set(['failed', 'undelivered', 'expired', 'unknown']);

const text = (max: number) => z.string().check(z.maxLength(max));
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(orNull(schema));
const id = () => z.string().check(z.minLength(1), z.maxLength(128), wellFormed());
const phone = () => z.string().check(z.minLength(1), z.maxLength(64), wellFormed());

const EnvelopeSchema = z.object({
  data: z.object({
    event_type: z.string().check(z.minLength(1), z.maxLength(128)),
    id: id(),
    occurred_at: opt(text(64)),
    record_type: opt(text(64)),
    payload: z.optional(z.unknown()),
  }),
  meta: opt(z.object({ attempt: opt(z.number()), delivered_to: opt(text(4096)) })),
});
type Envelope = z.infer<typeof EnvelopeSchema>;

const NumberSchema = z.object({
  phone_number: phone(),
  carrier: opt(text(256)),
  line_type: opt(text(64)),
  status: opt(text(64)),
});

const RecipientSchema = z.object({
  phone_number: phone(),
  status: z.string().check(z.minLength(1), z.maxLength(64), wellFormed()),
  carrier: opt(text(256)),
  line_type: opt(text(64)),
});

const MessageSchema = z.object({
  id: id(),
  type: opt(text(16)),
  direction: opt(text(32)),
  from: opt(z.object({ phone_number: opt(text(64)), carrier: opt(text(256)), line_type: opt(text(64)), status: opt(text(64)) })),
  to: z.array(z.unknown()).check(z.maxLength(MAX_RECIPIENTS)),
  cc: opt(z.array(z.unknown()).check(z.maxLength(MAX_RECIPIENTS))),
  text: opt(text(16_384)),
  subject: opt(text(1024)),
  media: opt(
    z
      .array(
        z.object({
          url: opt(text(4096)),
          content_type: opt(text(256)),
          sha256: opt(text(128)),
          hash_sha256: opt(text(128)),
          size: opt(z.number()),
        }),
      )
      .check(z.maxLength(100)),
  ),
  encoding: opt(text(32)),
  parts: opt(z.number()),
  cost: opt(z.object({ amount: opt(text(64)), currency: opt(text(16)) })),
  errors: opt(
    z
      .array(
        z.object({
          code: opt(oneOf([z.string().check(z.maxLength(64)), z.number()])),
          title: opt(text(1024)),
          detail: opt(text(4096)),
        }),
      )
      .check(z.maxLength(100)),
  ),
  received_at: opt(text(64)),
  sent_at: opt(text(64)),
  completed_at: opt(text(64)),
  valid_until: opt(text(64)),
  messaging_profile_id: opt(text(128)),
  organization_id: opt(text(128)),
  tags: opt(z.array(text(256)).check(z.maxLength(100))),
});
type Message = z.infer<typeof MessageSchema>;

const PAYLOAD = 'data.payload';

/** Drops undefined and null values, so the event carries only what Telnyx sent. */
function present<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined && fields[key] !== null) out[key] = fields[key];
  return out;
}

/** `SMS` or `MMS`; anything else (or nothing) is SMS, the product's default. */
const channelOf = (type: string | null | undefined): Channel => (type?.toUpperCase() === 'MMS' ? 'mms' : 'sms');

/** `parts` as segments when it is a whole number the schema can carry (1..255). */
const segmentsOf = (parts: number | null | undefined): number | undefined =>
  typeof parts === 'number' && Number.isInteger(parts) && parts >= 1 && parts <= 255 ? parts : undefined;

/** `cost` as a price when it is a decimal and an ISO 4217 code (Telnyx sends `null` amounts before rating). */
function priceOf(cost: Message['cost']): { amount: string; currency: string } | undefined {
  const amount = cost?.amount;
  const currency = cost?.currency;
  return amount && currency && /^-?\d{1,12}(\.\d{1,12})?$/.test(amount) && /^[A-Z]{3}$/.test(currency) ? { amount, currency } : undefined;
}

/** The event's time: `data.occurred_at`, else the first payload time present. */
function occurredOf(envelope: Envelope, message: Message, context: NormalizeContext): { occurredAt?: string; occurredAtRaw?: string } {
  const candidates: Array<[string | null | undefined, string]> = [
    [envelope.data.occurred_at, 'data.occurred_at'],
    [message.completed_at, `${PAYLOAD}.completed_at`],
    [message.sent_at, `${PAYLOAD}.sent_at`],
    [message.received_at, `${PAYLOAD}.received_at`],
  ];
  for (const [raw, field] of candidates) {
    const occurredAt = providerTime(raw, context, field);
    if (occurredAt !== undefined) return { occurredAt, occurredAtRaw: raw as string };
  }
  return {};
}

/** What every event of one Telnyx message carries in `data`. */
function messageData(envelope: Envelope, message: Message): Record<string, unknown> {
  return present({
    eventType: envelope.data.event_type,
    telnyxEventId: envelope.data.id,
    telnyxMessageId: message.id,
    direction: message.direction,
    type: message.type,
    encoding: message.encoding,
    parts: message.parts,
    messagingProfileId: message.messaging_profile_id,
    organizationId: message.organization_id,
    tags: message.tags && message.tags.length > 0 ? message.tags : undefined,
    errors: message.errors && message.errors.length > 0 ? message.errors : undefined,
    attempt: envelope.meta?.attempt,
  });
}

function senderOf(message: Message): Party | undefined {
  const number = message.from?.phone_number;
  return number ? toParty(number) : undefined;
}

/** One `message.status` per recipient of `message.sent` / `message.finalized`. */
function statusEvents(envelope: Envelope, message: Message, raw: unknown, context: NormalizeContext): NormalizedEvent[] {
  if (message.to.length === 0) throw new ValidationError('expected at least one recipient', `${PAYLOAD}.to`);
  const channel = channelOf(message.type);
  const several = message.to.length > 1;
  const shared = messageData(envelope, message);
  const time = occurredOf(envelope, message, context);
  const price = priceOf(message.cost);
  const firstError = message.errors?.[0];
  return normalizeBatch(
    message.to.map((item, index) => ({ item, index })),
    ({ item, index }) => {
      const recipient = validate(RecipientSchema, item, `${PAYLOAD}.to.${index}`);
      const { status, final } = mapStatus(TELNYX_STATUSES, recipient.status);
      const error =
        FAILURES.has(status) && firstError
          ? present({
              code: firstError.code === undefined || firstError.code === null ? undefined : String(firstError.code),
              message: firstError.title ?? firstError.detail ?? undefined,
            })
          : undefined;
      return makeEvent(
        {
          eventId: eventIdOf(PROVIDER, envelope.data.id, recipient.phone_number),
          provider: PROVIDER,
          channel,
          type: 'message.status',
          messageId: several ? recipientMessageIdOf(message.id, recipient.phone_number) : message.id,
          status,
          final,
          providerStatus: recipient.status,
          ...present({
            error: error && Object.keys(error).length > 0 ? error : undefined,
            recipient: toParty(recipient.phone_number),
            sender: senderOf(message),
            segments: segmentsOf(message.parts),
            price: several ? undefined : price,
            network: recipient.carrier ? { carrier: recipient.carrier } : undefined,
          }),
          ...time,
          data: {
            ...shared,
            ...present({
              lineType: recipient.line_type,
              recipients: several ? message.to.length : undefined,
              messageCost: several ? price : undefined,
            }),
          },
          raw,
        },
        context,
      );
    },
    ({ item, index }, error) => invalidRecipientEvent(envelope, message, channel, item, index, error, context),
  );
}

/** A recipient entry Telnyx would not send: kept with its error, identified by the event and the entry's place. */
function invalidRecipientEvent(
  envelope: Envelope,
  message: Message,
  channel: Channel,
  item: unknown,
  index: number,
  error: ValidationError,
  context: NormalizeContext,
): NormalizedEvent {
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, envelope.data.id, 'invalid-recipient', index),
      provider: PROVIDER,
      channel,
      type: 'provider.unknown',
      data: { ...messageData(envelope, message), invalid: error.field ? { field: error.field, message: error.message } : { message: error.message } },
      raw: item,
    },
    context,
  );
}

/** `message.received`: one inbound message, whoever it was addressed to. */
function inboundEvents(envelope: Envelope, message: Message, raw: unknown, context: NormalizeContext): NormalizedEvent[] {
  const sender = message.from?.phone_number;
  if (!sender) throw new ValidationError('expected string', `${PAYLOAD}.from.phone_number`);
  const to = message.to.map((item, index) => validate(NumberSchema, item, `${PAYLOAD}.to.${index}`));
  const channel = channelOf(message.type);
  return [
    makeEvent(
      {
        eventId: eventIdOf(PROVIDER, envelope.data.id),
        provider: PROVIDER,
        channel,
        type: 'message.inbound',
        messageId: message.id,
        sender: toParty(validate(phone(), sender, `${PAYLOAD}.from.phone_number`)),
        ...present({
          recipient: to[0] ? toParty(to[0].phone_number) : undefined,
          segments: segmentsOf(message.parts),
          price: priceOf(message.cost),
          network: message.from?.carrier ? { carrier: message.from.carrier } : undefined,
        }),
        ...occurredOf(envelope, message, context),
        data: {
          ...messageData(envelope, message),
          ...present({
            text: message.text,
            subject: message.subject,
            media: message.media && message.media.length > 0 ? message.media : undefined,
            to: to.length > 1 ? to.map((entry) => entry.phone_number) : undefined,
            cc: message.cc && message.cc.length > 0 ? message.cc : undefined,
            lineType: message.from?.line_type,
          }),
        },
        raw,
      },
      context,
    ),
  ];
}

type TelnyxKind = EventKind<(envelope: Envelope, message: Message, raw: unknown, context: NormalizeContext) => NormalizedEvent[]>;

/** The documented messaging events by `event_type`. A Map, so names like `constructor` find nothing. */
const EVENT_KINDS: ReadonlyMap<string, TelnyxKind> = new Map<string, TelnyxKind>([
  [
    'message.sent',
    {
      catalog: [{ providerEvent: 'message.sent', type: 'message.status', channel: 'sms', statuses: TELNYX_STATUSES }],
      normalize: statusEvents,
    },
  ],
  [
    'message.finalized',
    {
      catalog: [
        { providerEvent: 'message.finalized', type: 'message.status', channel: 'sms', statuses: TELNYX_STATUSES },
        { providerEvent: 'message.sent, message.finalized (type MMS)', type: 'message.status', channel: 'mms', statuses: TELNYX_STATUSES },
      ],
      normalize: statusEvents,
    },
  ],
  [
    'message.received',
    {
      catalog: [
        { providerEvent: 'message.received', type: 'message.inbound', channel: 'sms' },
        { providerEvent: 'message.received (MMS)', type: 'message.inbound', channel: 'mms' },
      ],
      normalize: inboundEvents,
    },
  ],
]);

function unknownEvent(envelope: Envelope, raw: unknown, context: NormalizeContext): NormalizedEvent {
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, envelope.data.id),
      provider: PROVIDER,
      channel: 'sms',
      type: 'provider.unknown',
      data: { eventType: envelope.data.event_type, telnyxEventId: envelope.data.id },
      raw,
    },
    context,
  );
}

function normalize(request: { readonly body: string }, context: NormalizeContext): Normalized {
  const raw = parseJson(request.body);
  const envelope = validate(EnvelopeSchema, raw);
  const kind = EVENT_KINDS.get(envelope.data.event_type);
  if (!kind) return { events: [unknownEvent(envelope, raw, context)] };
  const message = validate(MessageSchema, envelope.data.payload, PAYLOAD);
  return { events: kind.normalize(envelope, message, raw, context) };
}

/**
 * Telnyx Messaging: `message.sent`, `message.finalized` (one event per recipient) and `message.received`, verified
 * with Ed25519 over `timestamp|body` (`telnyx-signature-ed25519`, `telnyx-timestamp`; `signingKeys` holds the
 * account's public key from Mission Control → Keys & Credentials).
 *
 * @example
 * ```ts
 * import { webhookRequest } from './common';
 * declare const body: string;
 * declare const receivedAt: string;
 * const { events } = telnyx.normalize(webhookRequest({ body }), { receivedAt, timeZone: 'UTC' });
 * ```
 */
export const telnyx: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Telnyx Messaging',
  authentication: 'signature',
  origin: [telnyxSignature],
  // Every Telnyx time carries its offset; the zone is never used.
  defaultTimeZone: 'UTC',
  catalog: catalogOf(EVENT_KINDS),
  normalize,
  statusOf: statusOfProviderStatus(TELNYX_STATUSES),
  reply: jsonAckReply,
};
