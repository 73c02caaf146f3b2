/**
 * Vonage Messages API: message status and inbound message callbacks for SMS, MMS, RCS, WhatsApp, Viber and
 * Messenger, one JSON object per POST:
 *
 * ```
 * body has `status`        ──► message.status   (messageId = message_uuid)
 * body has `message_type`  ──► message.inbound  (messageId = message_uuid)
 * anything else            ──► provider.unknown
 * `channel` without a channel of ours (messenger, a new one) ──► provider.unknown, its status or message in `data`
 * ```
 *
 * ```json
 * {"message_uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","to":"447700900000","from":"447700900001",
 *  "timestamp":"2020-01-01T14:00:00.000Z","status":"delivered","usage":{"currency":"EUR","price":"0.0333"},
 *  "channel":"sms","client_ref":"abc123","destination":{"network_code":"12345"},"sms":{"count_total":"2"}}
 * ```
 *
 * Proof of origin: `Authorization: Bearer <JWT>`, HS256 with the account's signature secret (`signingKeys`), whose
 * `payload_hash` claim must be the hex SHA-256 of the raw body ({@link vonageMessagesJwt}). An expired token (`exp`)
 * is refused; the token's age is otherwise not limited: Vonage documents no `exp` and not whether a retry is signed
 * anew, and a replayed token carries the same body (`payload_hash`), so it is the same event id, stored once.
 *
 * Replies: Vonage retries a callback only on a 5xx. After an internal error of its own it sends the callback
 * unsigned, expecting a 5xx to retry it signed (Vonage, "Signed webhooks"). So a callback without an
 * `Authorization` header is answered **503** (not 401) with `Retry-After`: a genuine one comes back signed, a forged
 * one gets nothing either way, and nothing unsigned is ever queued ({@link replyToError}). A token that is present
 * but wrong is a forgery or a wrong secret: 401. Our own failures are the platform's 503.
 *
 * Choices where the docs are silent:
 * - Statuses: `submitted` (handed to the channel) → `sent`; `undeliverable` → `undelivered`; `delivered`, `read`,
 *   `rejected` as named. Any other is `unknown`, non-final.
 * - A status's identity: message_uuid + status + timestamp; an inbound message's: message_uuid.
 * - `timestamp` (ISO-8601 with `Z`) is `occurredAt`.
 * - `usage {price, currency}` → `price`; `destination.network_code` → `network`; `sms.count_total` → `segments`.
 * - `error {type, title, detail}` → `error {code: title (or the type's #fragment), message: detail}`.
 * - Inbound content is kept per message type in `data` (text, media URL and caption, location, reply, button,
 *   order, profile name, context); a message type not listed is still a `message.inbound`, its content in `raw`.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { Channel, NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { sha256Hex } from '../origin/compare';
import { jwtScheme } from '../origin/schemes/jwt';
import { refuse, type OriginScheme } from '../origin/types';
import { AuthenticationError, ValidationError, type ErrorResponse } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { jsonAckReply, makeEvent, mapStatus, parseJson, providerTime, statusOfProviderStatus, validate, wellFormed } from './common';
import { networkOf } from './vonage-sms';
import type { NormalizeContext, Normalized, ProviderAdapter, WebhookRequest } from './types';

const PROVIDER = 'vonage-messages';

/**
 * The Messages API's signed webhooks: HS256 (Vonage: "SHA-256 is always used" for the Messages API, whatever the
 * dashboard's signature method), and `payload_hash` binding the token to the raw body. Vonage's Node SDK does not
 * check `payload_hash`; a token without one would let its body be swapped, so it is required.
 */
const bearerJwt = jwtScheme({
  header: 'authorization',
  bearer: true,
  algorithms: ['HS256'],
  checkClaims: (claims, parts) => {
    const claimed = claims.payload_hash;
    return typeof claimed === 'string' && claimed.toLowerCase() === sha256Hex(parts.body) ? undefined : 'payload_hash';
  },
  claimsFor: (parts, now) => ({ iat: Math.floor(now / 1000), jti: randomUUID(), payload_hash: sha256Hex(parts.body) }),
  name: 'jwt-hs256 Authorization (payload_hash)',
});

/**
 * {@link bearerJwt}, with `missing_signature` kept for a request that has no `Authorization` at all (the unsigned
 * callback {@link replyToError} answers 503): an `Authorization` that is not a bearer token is a wrong credential.
 */
export const vonageMessagesJwt: OriginScheme = {
  ...bearerJwt,
  async verify(request, credentials, options) {
    const verdict = await bearerJwt.verify(request, credentials, options);
    const present = (request.headers.authorization ?? '').trim() !== '';
    return !verdict.ok && verdict.reason === 'missing_signature' && present
      ? refuse('signature_mismatch', 'authorization', 'not a bearer token')
      : verdict;
  },
};

/** Message status → canonical status (see the module comment). */
export const VONAGE_MESSAGES_STATUSES = {
  submitted: 'sent',
  delivered: 'delivered',
  read: 'read',
  rejected: 'rejected',
  undeliverable: 'undelivered',
} as const satisfies Record<string, CanonicalStatus>;

/** Vonage's `channel` → ours. Messenger has no channel of ours: its callbacks are kept as `provider.unknown`. */
export const VONAGE_CHANNELS: Readonly<Record<string, Channel>> = {
  sms: 'sms',
  mms: 'mms',
  rcs: 'rcs',
  whatsapp: 'whatsapp',
  viber_service: 'viber',
  viber: 'viber',
};

/** Channels whose `from`/`to` are phone numbers (Messenger's are page-scoped ids). */
const PHONE_CHANNELS: ReadonlySet<string> = new Set(['sms', 'mms', 'rcs', 'whatsapp', 'viber_service', 'viber']);

// ── schemas ─────────────────────────────────────────────────────────────────────────────────────────────────────

const text = (max: number) => z.string().check(z.maxLength(max));
const key = (max: number) => z.string().check(z.minLength(1), z.maxLength(max), wellFormed());
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(z.nullable(schema));
/** Vonage writes counts and prices as strings in some examples and numbers in others. */
const numeric = z.union([text(32), z.number()]);
const media = z.looseObject({ url: opt(text(2048)), caption: opt(text(4096)), name: opt(text(1024)) });

const common = {
  message_uuid: key(128),
  channel: key(64),
  to: opt(text(256)),
  from: opt(text(256)),
  timestamp: opt(text(64)),
  client_ref: opt(text(2048)),
};

const StatusSchema = z.object({
  ...common,
  status: key(64),
  usage: opt(z.looseObject({ currency: opt(text(8)), price: opt(numeric) })),
  error: opt(z.looseObject({ type: opt(text(1024)), title: opt(numeric), detail: opt(text(4096)), instance: opt(text(256)) })),
  destination: opt(z.looseObject({ network_code: opt(numeric) })),
  sms: opt(z.looseObject({ count_total: opt(numeric) })),
  whatsapp: opt(z.unknown()),
});

const InboundSchema = z.object({
  ...common,
  message_type: key(64),
  text: opt(text(16_384)),
  image: opt(media),
  audio: opt(media),
  video: opt(media),
  file: opt(media),
  sticker: opt(media),
  vcard: opt(media),
  location: opt(z.looseObject({ lat: opt(z.number()), long: opt(z.number()), name: opt(text(1024)), address: opt(text(1024)) })),
  reply: opt(z.looseObject({ id: opt(text(256)), title: opt(text(1024)), description: opt(text(1024)) })),
  button: opt(z.looseObject({ payload: opt(text(2048)), text: opt(text(1024)), subtype: opt(text(64)) })),
  order: opt(z.unknown()),
  profile: opt(z.looseObject({ name: opt(text(1024)) })),
  context: opt(z.unknown()),
  context_status: opt(text(64)),
  sms: opt(z.looseObject({ num_messages: opt(numeric), keyword: opt(text(256)) })),
  usage: opt(z.looseObject({ currency: opt(text(8)), price: opt(numeric) })),
});

// ── normalization ───────────────────────────────────────────────────────────────────────────────────────────────

/** Drops undefined and null values, so absent fields stay absent in the event. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const name of Object.keys(fields) as Array<keyof T>) if (fields[name] !== undefined && fields[name] !== null) out[name] = fields[name];
  return out;
}

const asText = (value: string | number | null | undefined) => (value === undefined || value === null || value === '' ? undefined : String(value));

const partyOf = (value: string | null | undefined, channel: string) =>
  !value ? undefined : PHONE_CHANNELS.has(channel) ? toParty(value, { kind: 'international' }) : { raw: value.slice(0, 1024) };

const DECIMAL = /^-?\d{1,12}(\.\d{1,12})?$/;
const CURRENCY = /^[A-Z]{3}$/;

function priceOf(usage: { currency?: string | null; price?: string | number | null } | null | undefined): NormalizedEvent['price'] {
  const amount = asText(usage?.price);
  const currency = usage?.currency ?? undefined;
  return amount !== undefined && DECIMAL.test(amount) && currency !== undefined && CURRENCY.test(currency) ? { amount, currency } : undefined;
}

function segmentsOf(count: string | number | null | undefined): number | undefined {
  const value = Number(asText(count));
  return Number.isInteger(value) && value >= 1 && value <= 255 ? value : undefined;
}

function errorOf(
  error: { type?: string | null; title?: string | number | null; detail?: string | null } | null | undefined,
): NormalizedEvent['error'] {
  if (!error) return undefined;
  const code = asText(error.title) ?? error.type?.split('#')[1];
  const found = defined({ code: code?.slice(0, 1024), message: error.detail?.slice(0, 1024) ?? undefined });
  return Object.keys(found).length > 0 ? found : undefined;
}

function timeOf(raw: string | null | undefined, context: NormalizeContext): { occurredAt?: string; occurredAtRaw?: string } {
  const occurredAt = providerTime(raw, context, 'timestamp');
  return occurredAt === undefined ? {} : { occurredAt, occurredAtRaw: raw ?? undefined };
}

function statusEvent(body: Record<string, unknown>, context: NormalizeContext): NormalizedEvent {
  const report = validate(StatusSchema, body);
  const channel = VONAGE_CHANNELS[report.channel];
  if (channel === undefined) return otherChannel(body, report, context);
  const { status, final } = mapStatus(VONAGE_MESSAGES_STATUSES, report.status);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'status', report.message_uuid, report.status, report.timestamp ?? undefined),
      provider: PROVIDER,
      channel,
      type: 'message.status',
      messageId: report.message_uuid,
      status,
      final,
      providerStatus: report.status,
      ...defined({
        error: errorOf(report.error),
        recipient: partyOf(report.to, report.channel),
        sender: partyOf(report.from, report.channel),
        price: priceOf(report.usage),
        network: networkOf(asText(report.destination?.network_code)),
        segments: segmentsOf(report.sms?.count_total),
      }),
      ...timeOf(report.timestamp, context),
      data: defined({
        channel: report.channel,
        clientRef: report.client_ref,
        networkCode: asText(report.destination?.network_code),
        errorType: report.error?.type,
        whatsapp: report.whatsapp,
      }),
      raw: body,
    },
    context,
  );
}

function inboundEvent(body: Record<string, unknown>, context: NormalizeContext): NormalizedEvent {
  const message = validate(InboundSchema, body);
  const channel = VONAGE_CHANNELS[message.channel];
  if (channel === undefined) return otherChannel(body, message, context);
  const content = message[message.message_type as 'image'] as { url?: string | null; caption?: string | null; name?: string | null } | undefined;
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', message.message_uuid),
      provider: PROVIDER,
      channel,
      type: 'message.inbound',
      messageId: message.message_uuid,
      ...defined({ sender: partyOf(message.from, message.channel), recipient: partyOf(message.to, message.channel), price: priceOf(message.usage) }),
      ...timeOf(message.timestamp, context),
      data: defined({
        channel: message.channel,
        messageType: message.message_type,
        text: message.text,
        mediaUrl: typeof content === 'object' && content !== null ? (content.url ?? undefined) : undefined,
        caption: typeof content === 'object' && content !== null ? (content.caption ?? undefined) : undefined,
        location: message.location,
        reply: message.reply,
        button: message.button,
        order: message.order,
        profileName: message.profile?.name ?? undefined,
        context: message.context,
        keyword: message.sms?.keyword ?? undefined,
        numMessages: segmentsOf(message.sms?.num_messages),
        clientRef: message.client_ref,
      }),
      raw: body,
    },
    context,
  );
}

/** A callback of a channel we have none for: kept whole, with what it says about which message. */
function otherChannel(
  body: Record<string, unknown>,
  fields: { message_uuid: string; channel: string; status?: string; message_type?: string; timestamp?: string | null },
  context: NormalizeContext,
): NormalizedEvent {
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'channel', fields.message_uuid, fields.status ?? fields.message_type, fields.timestamp ?? undefined),
      provider: PROVIDER,
      channel: 'sms',
      type: 'provider.unknown',
      messageId: fields.message_uuid,
      ...timeOf(fields.timestamp, context),
      data: defined({ channel: fields.channel, status: fields.status, messageType: fields.message_type }),
      raw: body,
    },
    context,
  );
}

function unknownEvent(body: Record<string, unknown>, context: NormalizeContext, bodyText: string): NormalizedEvent {
  return makeEvent(
    { eventId: eventIdOf(PROVIDER, 'unknown', bodyText), provider: PROVIDER, channel: 'sms', type: 'provider.unknown', raw: body },
    context,
  );
}

const has = (body: Record<string, unknown>, name: string) => Object.hasOwn(body, name);

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const parsed = parseJson(request.body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('expected object');
  const body = parsed as Record<string, unknown>;
  const event = has(body, 'status')
    ? statusEvent(body, context)
    : has(body, 'message_type')
      ? inboundEvent(body, context)
      : unknownEvent(body, context, request.body);
  return { events: [event] };
}

/**
 * An unsigned callback (no `Authorization`) gets 503 and `Retry-After`, so Vonage retries it (signed); everything
 * else keeps its answer.
 */
export function replyToError(response: ErrorResponse, error: unknown): ErrorResponse {
  const unsigned = error instanceof AuthenticationError && error.reason === 'missing_signature' && error.refusal.header === 'authorization';
  if (!unsigned) return response;
  return {
    statusCode: 503,
    headers: { 'content-type': 'application/json', 'retry-after': '60' },
    body: JSON.stringify({ error: 'unsigned_callback', message: 'callback is not signed; retry it signed' }),
  };
}

/** Vonage Messages API status and inbound callbacks (JSON, JWT-signed). */
export const vonageMessages: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Vonage Messages API',
  authentication: 'signature',
  origin: [vonageMessagesJwt],
  defaultTimeZone: 'UTC',
  catalog: [
    ...['sms', 'mms', 'rcs', 'whatsapp', 'viber_service'].map((channel) => ({
      providerEvent: `message status (${channel})`,
      type: 'message.status' as const,
      channel: VONAGE_CHANNELS[channel],
      statuses: VONAGE_MESSAGES_STATUSES,
    })),
    ...['sms', 'mms', 'rcs', 'whatsapp', 'viber_service'].map((channel) => ({
      providerEvent: `inbound message (${channel})`,
      type: 'message.inbound' as const,
      channel: VONAGE_CHANNELS[channel],
    })),
    { providerEvent: 'status or inbound (messenger)', type: 'provider.unknown', channel: 'sms' },
  ],
  normalize,
  replyToError,
  statusOf: statusOfProviderStatus(VONAGE_MESSAGES_STATUSES),
  reply: jsonAckReply,
};
