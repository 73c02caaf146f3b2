/**
 * MessageBird (now Bird) SMS status reports and inbound messages, signed with `MessageBird-Signature-JWT`.
 *
 * The legacy SMS API calls the account's status-report URL with a GET query string; the same fields also arrive as a
 * form POST or a flat JSON object (MessageBird's newer report format), all read the same way:
 *
 * ```
 * GET ?id=efa6405d518d4c0c88cce11f7db775fb&reference=order-1234&recipient=31612345678&status=delivered
 *     &statusReason=successfully+delivered&statusErrorCode=&statusDatetime=2024-05-02T10:00:03%2B00:00
 *     &mccmnc=20408&ported=0&price%5Bamount%5D=0.07&price%5Bcurrency%5D=EUR
 * GET ?id=…&recipient=3197012345678&originator=31612345678&body=STOP&createdDatetime=2024-05-02T10:05:00%2B00:00
 * ```
 *
 * ```
 * status present                    ──► message.status  (one report per recipient)
 * originator present, no status     ──► message.inbound
 * anything else (a Bird `{service, event, payload}` envelope, say) ──► provider.unknown, kept
 * ```
 *
 * Proof of origin ({@link messagebirdSignature}): the `MessageBird-Signature-JWT` header, an HS256/384/512 JWT
 * signed with the account's signing key, whose claims bind the request: `iss` = `MessageBird`, `nbf`/`exp` (5 s
 * clock tolerance), `jti`, `url_hash` (SHA-256 of the full URL as called, query in its original order) and
 * `payload_hash` (SHA-256 of the raw body; absent only for an empty body). Checked as MessageBird's own verifier
 * does (messagebird-nodejs `lib/webhook-signature-jwt.js`), and against its 44 published reference cases.
 * The deprecated `MessageBird-Signature` scheme and Bird's `messagebird-signature` HMAC are not accepted.
 *
 * Choices where the docs are silent (the legacy field list is itself unconfirmed):
 * - **Per recipient.** One message can go to several recipients and each report names one, without saying how many
 *   there are: the message id is always `id:<recipient key>` ({@link recipientMessageIdOf}, a hash of the number, as
 *   message ids are logged and whole numbers must not be); `data.messagebirdId` keeps MessageBird's own id.
 * - `eventId`: `id` + `recipient` + `status` + `statusDatetime` (MessageBird sends no event id; a retry repeats all).
 * - Statuses ({@link MESSAGEBIRD_STATUSES}): `buffered` means held at the carrier (the handset is off, say), so not
 *   final; `delivery_failed` is a carrier's negative report, `undelivered`.
 * - `statusReason` and `statusErrorCode` are kept in `data`, and become `error` on an undelivered or expired message.
 * - `price[amount]`/`price[currency]` → `price`; `mccmnc` → `network` (3-digit MCC, the rest MNC); `ported` in `data`.
 * - `statusDatetime` and `createdDatetime` are RFC 3339 with an offset → `occurredAt`.
 * - Numbers are MSISDNs with their country code and no `+`: E.164 is derived from them.
 * - Reply: 200 (MessageBird retries a report that gets anything else).
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { anyEqual, sha256Hex } from '../origin/compare';
import { formRecord } from '../origin/form';
import { jwtScheme } from '../origin/schemes/jwt';
import { urlVariants } from '../origin/url';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { jsonAckReply, makeEvent, mapStatus, parseJson, providerTime, statusOfProviderStatus, validate, wellFormed } from './common';
import { recipientMessageIdOf } from './recipients';
import type { Normalized, NormalizeContext, ProviderAdapter, WebhookRequest } from './types';

const PROVIDER = 'messagebird';

/** SMS recipient `status` → canonical status (MessageBird's list: scheduled, sent, buffered, delivered, expired, delivery_failed). */
export const MESSAGEBIRD_STATUSES = {
  scheduled: 'accepted',
  sent: 'sent',
  buffered: 'sent',
  delivered: 'delivered',
  expired: 'expired',
  delivery_failed: 'undelivered',
} as const satisfies Record<string, CanonicalStatus>;

const FAILURES: ReadonlySet<CanonicalStatus> = new Set(['undelivered', 'expired', 'failed']);

// ── proof of origin ────────────────────────────────────────────────────────────────────────────────────────────

export const MESSAGEBIRD_SIGNATURE_HEADER = 'messagebird-signature-jwt';

/** MessageBird's tokens live 60 s (`exp` − `nbf` in every reference case). */
const TOKEN_LIFETIME_SECONDS = 60;

/**
 * Whether the verified claims bind this request; the first claim that does not, else `undefined`. Hashes are
 * compared in constant time. The URL is tried as called and in the forms `urlVariants` gives (default port,
 * WHATWG serialization): none of them reorders the query, which stays signed.
 */
export function messagebirdClaimProblem(claims: Readonly<Record<string, unknown>>, parts: { url: string; body: Buffer }): string | undefined {
  if (claims.iss !== 'MessageBird') return 'iss';
  if (typeof claims.jti !== 'string' || claims.jti === '') return 'jti';
  if (typeof claims.url_hash !== 'string' || !anyEqual([claims.url_hash.toLowerCase()], urlVariants(parts.url).map(sha256Hex))) return 'url_hash';
  if ('payload_hash' in claims) {
    const claimed = claims.payload_hash;
    if (typeof claimed !== 'string' || parts.body.length === 0 || !anyEqual([claimed.toLowerCase()], [sha256Hex(parts.body)])) return 'payload_hash';
  } else if (parts.body.length > 0) {
    return 'payload_hash';
  }
  return undefined;
}

/** `MessageBird-Signature-JWT`, HS256/384/512 with the signing key (`signingKeys`), claims as above. */
export const messagebirdSignature = jwtScheme({
  header: MESSAGEBIRD_SIGNATURE_HEADER,
  algorithms: ['HS256', 'HS384', 'HS512'],
  requireExp: true,
  clockToleranceSeconds: 5,
  checkClaims: (claims, parts) => messagebirdClaimProblem(claims, parts),
  claimsFor: (parts, now) => {
    const nbf = Math.floor(now / 1000);
    return {
      iss: 'MessageBird',
      nbf,
      exp: nbf + TOKEN_LIFETIME_SECONDS,
      jti: randomUUID(),
      url_hash: sha256Hex(parts.url),
      ...(parts.body.length > 0 ? { payload_hash: sha256Hex(parts.body) } : {}),
    };
  },
});

// ── the reports ────────────────────────────────────────────────────────────────────────────────────────────────

const text = (max: number) => z.string().check(z.maxLength(max));
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(schema);
const id = () => z.string().check(z.minLength(1), z.maxLength(128), wellFormed());
const phone = () => z.string().check(z.minLength(1), z.maxLength(64), wellFormed());

const StatusSchema = z.object({
  id: id(),
  recipient: phone(),
  status: z.string().check(z.minLength(1), z.maxLength(64), wellFormed()),
  reference: opt(text(256)),
  statusReason: opt(text(1024)),
  statusErrorCode: opt(text(16)),
  statusDatetime: opt(text(64)),
  mccmnc: opt(text(8)),
  ported: opt(text(8)),
  'price[amount]': opt(text(64)),
  'price[currency]': opt(text(8)),
});

const InboundSchema = z.object({
  id: id(),
  recipient: phone(),
  originator: phone(),
  body: opt(text(16_384)),
  createdDatetime: opt(text(64)),
  reference: opt(text(256)),
});

type Fields = Readonly<Record<string, string | string[] | undefined>>;

function present<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined && fields[key] !== '') out[key] = fields[key];
  return out;
}

const has = (fields: Fields, key: string) => Object.hasOwn(fields, key) && fields[key] !== undefined;

/**
 * A flat JSON report as the query's fields: scalars as text, and `price: {amount, currency}` as `price[amount]`,
 * `price[currency]`. Nothing else is copied (nested values stay in `raw`), and the record has no prototype.
 */
function fieldsOfJson(body: Record<string, unknown>): Fields {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = String(value);
  }
  const price = body.price;
  if (typeof price === 'object' && price !== null && !Array.isArray(price)) {
    const { amount, currency } = price as Record<string, unknown>;
    if (typeof amount === 'string' || typeof amount === 'number') fields['price[amount]'] = String(amount);
    if (typeof currency === 'string') fields['price[currency]'] = currency;
  }
  return fields;
}

function priceOf(amount: string | undefined, currency: string | undefined) {
  return amount && currency && /^-?\d{1,12}(\.\d{1,12})?$/.test(amount) && /^[A-Z]{3}$/.test(currency) ? { amount, currency } : undefined;
}

/** `20408` → MCC 204, MNC 08. */
function networkOf(mccmnc: string | undefined) {
  return mccmnc && /^\d{5,6}$/.test(mccmnc) ? { mcc: mccmnc.slice(0, 3), mnc: mccmnc.slice(3) } : undefined;
}

function statusEvent(fields: Fields, raw: unknown, context: NormalizeContext): NormalizedEvent {
  const report = validate(StatusSchema, fields);
  const { status, final } = mapStatus(MESSAGEBIRD_STATUSES, report.status);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, report.id, report.recipient, report.status, report.statusDatetime),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.status',
      messageId: recipientMessageIdOf(report.id, report.recipient),
      status,
      final,
      providerStatus: report.status,
      recipient: toParty(report.recipient),
      ...present({
        error: FAILURES.has(status) ? present({ code: report.statusErrorCode, message: report.statusReason }) : undefined,
        price: priceOf(report['price[amount]'], report['price[currency]']),
        network: networkOf(report.mccmnc),
      }),
      occurredAt: providerTime(report.statusDatetime, context, 'statusDatetime'),
      occurredAtRaw: report.statusDatetime,
      data: present({
        messagebirdId: report.id,
        reference: report.reference,
        statusReason: report.statusReason,
        statusErrorCode: report.statusErrorCode,
        mccmnc: report.mccmnc,
        ported: report.ported,
      }),
      raw,
    },
    context,
  );
}

function inboundEvent(fields: Fields, raw: unknown, context: NormalizeContext): NormalizedEvent {
  const message = validate(InboundSchema, fields);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', message.id),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.inbound',
      messageId: message.id,
      sender: toParty(message.originator),
      recipient: toParty(message.recipient),
      occurredAt: providerTime(message.createdDatetime, context, 'createdDatetime'),
      occurredAtRaw: message.createdDatetime,
      data: present({ body: message.body, reference: message.reference }),
      raw,
    },
    context,
  );
}

function unknownEvent(fields: Fields, raw: unknown, text: string, context: NormalizeContext): NormalizedEvent {
  const short = (value: string | string[] | undefined) => (typeof value === 'string' && value.length <= 128 ? value : undefined);
  return makeEvent(
    {
      // No identity of its own: the exact request is, so a retry of the same bytes is the same event.
      eventId: eventIdOf(PROVIDER, 'unknown', text),
      provider: PROVIDER,
      channel: 'sms',
      type: 'provider.unknown',
      data: present({ service: short(fields.service), event: short(fields.event) }),
      raw,
    },
    context,
  );
}

/** The request's fields and what `raw` keeps: the query or form, or a JSON object. */
function fieldsOf(request: WebhookRequest): { fields: Fields; raw: unknown; text: string } {
  if (request.params.length > 0 || request.method === 'GET' || request.contentType === 'application/x-www-form-urlencoded') {
    const fields = formRecord(request.params);
    return { fields, raw: fields, text: request.params.map(([name, value]) => `${name}=${value}`).join('&') };
  }
  const parsed = parseJson(request.body);
  // Checked, not parsed with a record schema: copying keys would turn a `__proto__` key into a prototype.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('expected object');
  return { fields: fieldsOfJson(parsed as Record<string, unknown>), raw: parsed, text: request.body };
}

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const { fields, raw, text } = fieldsOf(request);
  if (has(fields, 'status')) return { events: [statusEvent(fields, raw, context)] };
  if (has(fields, 'originator')) return { events: [inboundEvent(fields, raw, context)] };
  return { events: [unknownEvent(fields, raw, text, context)] };
}

/**
 * MessageBird / Bird SMS: status reports (GET query, form or flat JSON) and inbound messages, verified with
 * `MessageBird-Signature-JWT` (`signingKeys`: the signing key from the dashboard's Developers → API access page).
 *
 * @example
 * ```ts
 * import { webhookRequest } from './common';
 * import type { NormalizeContext } from './types';
 * declare const context: NormalizeContext;
 * const { events } = messagebird.normalize(webhookRequest({ method: 'GET', body: '', rawQuery: 'id=…&status=delivered&…' }), context);
 * ```
 */
export const messagebird: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'MessageBird / Bird',
  authentication: 'signature',
  origin: [messagebirdSignature],
  methods: ['GET', 'POST'],
  // Its times carry an offset; the zone is never used.
  defaultTimeZone: 'UTC',
  catalog: [
    { providerEvent: 'SMS status report', type: 'message.status', channel: 'sms', statuses: MESSAGEBIRD_STATUSES },
    { providerEvent: 'inbound SMS', type: 'message.inbound', channel: 'sms' },
  ],
  normalize,
  statusOf: statusOfProviderStatus(MESSAGEBIRD_STATUSES),
  reply: jsonAckReply,
};
