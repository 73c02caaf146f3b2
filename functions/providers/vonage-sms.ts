/**
 * Vonage (formerly Nexmo) SMS API: delivery receipts (DLR) and inbound SMS, one message per request, as a GET with
 * a query string or a POST with a form or JSON body (a dashboard setting), every value a string:
 *
 * ```
 * DLR      msisdn=447700900000&to=AcmeInc&network-code=23410&messageId=0A0000001234567B&price=0.03330000
 *          &status=delivered&scts=2001011400&err-code=0&api-key=abcd1234&client-ref=ref-1
 *          &message-timestamp=2020-01-01+12:00:00[&timestamp=1582650446&nonce=…&sig=…]
 * inbound  api-key=abcd1234&msisdn=447700900001&to=447700900000&messageId=0A0000000123ABCD1&text=Hello+world
 *          &type=text&keyword=HELLO&message-timestamp=2020-01-01+12:00:00[&concat=true&concat-ref=1
 *          &concat-total=3&concat-part=2][&timestamp=…&nonce=…&sig=…]
 * ```
 *
 * Proof of origin: the optional signed `sig` parameter ({@link vonageSignature}, the account's signature secret in
 * `signingKeys`), whose signed `timestamp` must be within the tolerance; an account without signing uses a URL
 * token (platform).
 *
 * Choices where the docs are silent:
 * - A body with `status` is a DLR; one with `text`, `data`, `type` or `concat` an inbound message; anything else
 *   is kept as `provider.unknown`. A request with no parameters at all is the check Vonage makes that a URL answers
 *   200 before it saves it ({@link vonageUrlCheck}): a ping, nothing stored.
 * - DLR identity: `messageId` + `status` + `err-code` + `scts` (a retry repeats all four). Inbound: `messageId`.
 * - `message-timestamp` is UTC (Vonage's inbound guide: "UTC±00:00") and is `occurredAt`. `scts` has no zone, and
 *   two DLRs of one message have been seen in different zones: it is kept raw in `data.scts`, never the event's
 *   time, so it never decides an order.
 * - `price` (or `message-price`) is in EUR: the SMS API states money in EUR (its Account API: "the balance of the
 *   account, in EUR"). `network-code` is MCC (3 digits) + MNC (2 or 3). Either, when malformed, stays in `data`.
 * - `err-code` carries Vonage's published DLR error meaning ({@link VONAGE_DLR_ERRORS}); non-zero means the message
 *   did not reach the handset, and becomes `error` whatever the status says.
 * - A multipart inbound message is not reassembled: each part is its own event with `part {ref, index, total}`
 *   (`concat-ref` is unique per sender only: join parts on sender + ref).
 * - Numbers are international without `+` (`447700900000`); a DLR's `to` may be an alphanumeric sender id.
 * - `sig`, `timestamp` and `nonce` are proof, not content: left out of `raw` and `data`.
 */
import { withJsonFields } from '../origin/json-fields';
import { createHash, createHmac } from 'node:crypto';
import * as z from 'zod/mini';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { anyEqual } from '../origin/compare';
import type { ProviderCredentials } from '../origin/credentials';
import { encodeForm, formRecord, parseForm } from '../origin/form';
import { checkTimestamp, newNonce, timestampAt, type TimestampRule } from '../origin/schemes/signed';
import {
  signingNotBundled,
  SIGNS,
  ACCEPTED,
  refuse,
  type FormParams,
  type OriginRequest,
  type OriginScheme,
  type OutgoingRequest,
} from '../origin/types';
import { queryOf } from '../origin/url';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { jsonAckReply, makeEvent, mapStatus, parseJson, providerTime, statusOfProviderStatus, validate, wellFormed } from './common';
import type { Handshake, NormalizeContext, Normalized, ProviderAdapter, WebhookReply, WebhookRequest } from './types';

const PROVIDER = 'vonage-sms';

// ── proof of origin: the `sig` parameter ────────────────────────────────────────────────────────────────────────

/** The signature methods of Vonage's dashboard, by the name its SDKs give them. */
export const VONAGE_SIGNATURE_METHODS = ['md5hash', 'md5hmac', 'sha1hmac', 'sha256hmac', 'sha512hmac'] as const;
export type VonageSignatureMethod = (typeof VONAGE_SIGNATURE_METHODS)[number];

/** Hex length of each method's signature: how a presented `sig` says which methods can have made it. */
const HEX_LENGTH: Readonly<Record<VonageSignatureMethod, number>> = {
  md5hash: 32,
  md5hmac: 32,
  sha1hmac: 40,
  sha256hmac: 64,
  sha512hmac: 128,
};

const HMAC_ALGORITHM = { md5hmac: 'md5', sha1hmac: 'sha1', sha256hmac: 'sha256', sha512hmac: 'sha512' } as const;

/** The signed `timestamp` parameter (Unix seconds); the rule's `header` is only its name in logs. */
const TIMESTAMP: TimestampRule = { header: 'timestamp', unit: 's' };

/** What tools sign with when the key does not pin a method. */
const DEFAULT_SIGNING_METHOD: VonageSignatureMethod = 'sha256hmac';

const PINNED = /^(md5hash|md5hmac|sha1hmac|sha256hmac|sha512hmac):(.+)$/s;

/**
 * A `signingKeys` value: the signature secret, optionally pinned to the method chosen in the dashboard
 * (`sha512hmac:SECRET`). A bare secret accepts every method the `sig`'s length allows, so a pinned key is the way
 * to refuse the weaker MD5 methods.
 */
export function vonageKeyOf(value: string): { secret: string; method?: VonageSignatureMethod } {
  const match = PINNED.exec(value);
  return match ? { secret: match[2], method: match[1] as VonageSignatureMethod } : { secret: value };
}

/**
 * The text Vonage signs: `&name=value` for every parameter but `sig`, names sorted (JavaScript's default order, as
 * Vonage's Node SDK sorts them), every `&` and `=` inside a value replaced by `_`.
 *
 * @example vonageSignedString({ b: 'x=y', a: '1' }) // '&a=1&b=x_y'
 */
export function vonageSignedString(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${params[name].replace(/[&=]/g, '_')}`)
    .join('');
}

/** The `sig` of `params` with `secret` by `method`, lower-case hex (Vonage compares case-insensitively). */
export function vonageSignatureOf(params: Readonly<Record<string, string>>, secret: string, method: VonageSignatureMethod): string {
  const signed = vonageSignedString(params);
  if (method === 'md5hash')
    return createHash('md5')
      .update(signed + secret, 'utf8')
      .digest('hex');
  return createHmac(HMAC_ALGORITHM[method], secret).update(signed, 'utf8').digest('hex');
}

type Carrier = Pick<OriginRequest, 'method' | 'url' | 'headers' | 'body'>;

const mediaType = (headers: Readonly<Record<string, string | undefined>>) => headers['content-type']?.split(';')[0].trim().toLowerCase() ?? '';

/**
 * Where a request carries its parameters, the one rule verification, signing and {@link fieldsOf} share (so the
 * adapter never reads a value the signature did not cover): a GET's or a bodiless POST's query string, a form body,
 * or else a JSON object body.
 */
export function parameterCarrier(method: string, bodyLength: number, contentType: string): 'query' | 'form' | 'json' {
  if (method === 'GET' || bodyLength === 0) return 'query';
  return contentType === FORM ? 'form' : 'json';
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * The parameters a request carries ({@link parameterCarrier}), as Vonage signs them: a JSON object's top-level
 * values as text. `undefined` when they cannot all be signed: a repeated name (which value was signed?), a body that
 * is not a JSON object, or a JSON value that is not a string, number or boolean.
 */
export function vonageParamsOf(request: Carrier): Record<string, string> | undefined {
  let pairs: FormParams;
  const carrier = parameterCarrier(request.method, request.body.length, mediaType(request.headers));
  if (carrier === 'query') pairs = parseForm(queryOf(request.url));
  else if (carrier === 'form') pairs = parseForm(request.body.toString('utf8'));
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body.toString('utf8').replace(/^\uFEFF/, ''));
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed);
    if (!entries.every(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))) return undefined;
    pairs = entries.map(([name, value]) => [name, String(value)] as const);
  }
  // Prototype-free, so a parameter named `__proto__` is a parameter.
  const params = Object.create(null) as Record<string, string>;
  for (const [name, value] of pairs) {
    if (Object.hasOwn(params, name)) return undefined;
    params[name] = value;
  }
  return params;
}

const HEX = /^[0-9a-f]+$/i;

/**
 * Vonage SMS API signed webhooks: `sig` = hex MD5(signed string + secret) (`md5hash`) or hex HMAC-MD5/SHA-1/
 * SHA-256/SHA-512(secret, signed string) over every other parameter ({@link vonageSignedString}), with the signature
 * secret (not the API secret) in `signingKeys`. The signed `timestamp` must be within the tolerance: Vonage's SDKs
 * never check it, so a captured request would otherwise verify forever.
 */
export const vonageSignature: OriginScheme = {
  name: 'vonage-sig',
  keys: ['signingKeys'],
  admits: true,
  verify(request, credentials, options) {
    const params = vonageParamsOf(request);
    if (params === undefined) return refuse('signature_mismatch', 'sig', 'parameters cannot be signed (repeated name or nested value)');
    const sig = params.sig;
    if (sig === undefined || sig === '') return refuse('missing_signature', 'sig');
    const fresh = checkTimestamp(params.timestamp, TIMESTAMP, request.now, options.toleranceSeconds);
    if (!fresh.ok) return fresh;
    if (!HEX.test(sig)) return refuse('signature_mismatch', 'sig', 'not hex');
    const expected: string[] = [];
    for (const value of credentials.signingKeys ?? []) {
      const { secret, method } = vonageKeyOf(value);
      for (const candidate of method ? [method] : VONAGE_SIGNATURE_METHODS) {
        if (HEX_LENGTH[candidate] === sig.length) expected.push(vonageSignatureOf(params, secret, candidate));
      }
    }
    return anyEqual([sig.toLowerCase()], expected) ? ACCEPTED : refuse('signature_mismatch', 'sig');
  },
  sign: !SIGNS
    ? signingNotBundled
    : (request, { credentials }) => {
        const key = credentials.signingKeys?.[0];
        const params = vonageParamsOf(request);
        if (key === undefined || params === undefined) return request;
        const { secret, method = DEFAULT_SIGNING_METHOD } = vonageKeyOf(key);
        delete params.sig;
        params.timestamp = timestampAt(request.now, TIMESTAMP);
        params.nonce ??= newNonce();
        params.sig = vonageSignatureOf(params, secret, method);
        return withParams(request, params);
      },
};

/** `request` carrying `params` where it carried its parameters (query, form or JSON body). */
function withParams(request: OutgoingRequest, params: Record<string, string>): OutgoingRequest {
  const carrier = parameterCarrier(request.method, request.body.length, mediaType(request.headers));
  if (carrier === 'query') return { ...request, url: `${request.url.replace(/\?.*$/s, '')}?${encodeForm({ ...params })}` };
  if (carrier === 'form') return { ...request, body: Buffer.from(encodeForm({ ...params })) };
  return { ...request, body: withJsonFields(request.body, { timestamp: params.timestamp, nonce: params.nonce, sig: params.sig }) };
}

// ── statuses and error codes ────────────────────────────────────────────────────────────────────────────────────

/**
 * DLR `status` → canonical status. `accepted` (taken by the downstream carrier) and `buffered` (waiting in the
 * network) are on their way: `sent`. `unknown` is Vonage's "no outcome known": canonical `unknown` (final, but a
 * real outcome arriving later still outranks it).
 */
export const VONAGE_DLR_STATUSES = {
  accepted: 'sent',
  buffered: 'sent',
  delivered: 'delivered',
  expired: 'expired',
  failed: 'failed',
  rejected: 'rejected',
  unknown: 'unknown',
} as const satisfies Record<string, CanonicalStatus>;

/** DLR `err-code` meanings, as Vonage publishes them (support article "SMS Delivery Error Codes"). */
export const VONAGE_DLR_ERRORS: Readonly<Record<string, string>> = {
  '0': 'Delivered',
  '1': 'Unknown',
  '2': 'Absent Subscriber - Temporary',
  '3': 'Absent Subscriber - Permanent',
  '4': 'Call Barred by User',
  '5': 'Portability Error',
  '6': 'Anti-Spam Rejection',
  '7': 'Handset Busy',
  '8': 'Network Error',
  '9': 'Illegal Number',
  '10': 'Illegal Message',
  '11': 'Unroutable',
  '12': 'Destination Unreachable',
  '13': 'Subscriber Age Restriction',
  '14': 'Number Blocked by Carrier',
  '15': 'Pre-Paid - Insufficient funds',
  '16': 'Gateway Quota Exceeded',
  '50': 'Entity Filter',
  '51': 'Header Filter',
  '52': 'Content Filter',
  '53': 'Consent Filter',
  '54': 'Regulation Error',
  '99': 'General Error',
};

/** The SMS API's money unit (see the module comment). */
const CURRENCY = 'EUR';

// ── schemas ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** Every value is text (a JSON sender's numbers are read as their text, see {@link fieldsOf}). */
const value = (max: number) => z.string().check(z.maxLength(max));
/** Text that builds an event id or a party: also well-formed Unicode ({@link wellFormed}). */
const key = (max: number) => z.string().check(z.minLength(1), z.maxLength(max), wellFormed());
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(schema);
const digits = (max: number) => z.string().check(z.regex(new RegExp(`^\\d{1,${max}}$`)));

const common = {
  messageId: key(64),
  'api-key': opt(value(64)),
  'message-timestamp': opt(value(64)),
};

const DlrSchema = z.object({
  ...common,
  status: key(64),
  msisdn: opt(key(64)),
  to: opt(key(64)),
  'network-code': opt(value(16)),
  price: opt(value(32)),
  'message-price': opt(value(32)),
  scts: opt(value(32)),
  'err-code': opt(digits(6)),
  'client-ref': opt(value(100)),
});

const InboundSchema = z.object({
  ...common,
  msisdn: key(64),
  to: opt(key(64)),
  type: opt(value(32)),
  text: opt(value(16_384)),
  keyword: opt(value(256)),
  data: opt(value(16_384)),
  udh: opt(value(512)),
  concat: opt(value(8)),
  'concat-ref': opt(key(64)),
  'concat-total': opt(digits(3)),
  'concat-part': opt(digits(3)),
});

// ── normalization ───────────────────────────────────────────────────────────────────────────────────────────────

const text = (field: string | undefined): string | undefined => (field === undefined || field === '' ? undefined : field);
const party = (field: string | undefined) => (field ? toParty(field, { kind: 'international' }) : undefined);

/** Drops undefined values, so absent fields stay absent in the event. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const name of Object.keys(fields) as Array<keyof T>) if (fields[name] !== undefined) out[name] = fields[name];
  return out;
}

/** `message-timestamp`, UTC by Vonage's docs whatever zone the deployment gives zone-less times. */
function messageTime(raw: string | undefined, context: NormalizeContext): { occurredAt?: string; occurredAtRaw?: string } {
  const value = text(raw);
  const occurredAt = providerTime(value, { ...context, timeZone: 'UTC' }, 'message-timestamp');
  return occurredAt === undefined ? {} : { occurredAt, occurredAtRaw: value };
}

const DECIMAL = /^-?\d{1,12}(\.\d{1,12})?$/;
const MCC_MNC = /^(\d{3})(\d{2,3})$/;

/** `price` as written (`"0.03330000"`) in the SMS API's EUR; a value that is not a plain decimal gives none. */
export function priceOf(raw: string | undefined): NormalizedEvent['price'] {
  const amount = text(raw);
  return amount !== undefined && DECIMAL.test(amount) ? { amount, currency: CURRENCY } : undefined;
}

/** `network-code` (`23410`) → `{ mcc: '234', mnc: '10' }`; anything else gives none. */
export function networkOf(raw: string | undefined): NormalizedEvent['network'] {
  const match = MCC_MNC.exec(text(raw) ?? '');
  return match ? { mcc: match[1], mnc: match[2] } : undefined;
}

function dlrEvent(fields: Record<string, unknown>, raw: Record<string, unknown>, context: NormalizeContext): NormalizedEvent {
  const dlr = validate(DlrSchema, fields);
  const messageId = dlr.messageId;
  const providerStatus = dlr.status;
  const errCode = text(dlr['err-code']) === undefined ? undefined : String(Number(dlr['err-code']));
  const scts = text(dlr.scts);
  const { status, final } = mapStatus(VONAGE_DLR_STATUSES, providerStatus);
  const priceRaw = dlr.price ?? dlr['message-price'];
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'dlr', messageId, providerStatus, errCode, scts),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.status',
      messageId,
      status,
      final,
      providerStatus,
      ...defined({
        error: errCode !== undefined && errCode !== '0' ? defined({ code: errCode, message: VONAGE_DLR_ERRORS[errCode] }) : undefined,
        recipient: party(dlr.msisdn),
        sender: party(dlr.to),
        price: priceOf(priceRaw),
        network: networkOf(dlr['network-code']),
      }),
      ...messageTime(dlr['message-timestamp'], context),
      data: defined({
        scts,
        errCode,
        clientRef: text(dlr['client-ref']),
        apiKey: text(dlr['api-key']),
        networkCode: text(dlr['network-code']),
        price: text(priceRaw),
      }),
      raw,
    },
    context,
  );
}

function inboundEvent(fields: Record<string, unknown>, raw: Record<string, unknown>, context: NormalizeContext): NormalizedEvent {
  const message = validate(InboundSchema, fields);
  const messageId = message.messageId;
  const ref = text(message['concat-ref']);
  const index = text(message['concat-part']);
  const total = text(message['concat-total']);
  let part: NormalizedEvent['part'];
  if (ref !== undefined && index !== undefined && total !== undefined) {
    part = { ref, index: Number(index), total: Number(total) };
    if (part.total < 1 || part.total > 255) throw new ValidationError('not between 1 and 255', 'concat-total');
    if (part.index < 1 || part.index > part.total) throw new ValidationError('not between 1 and concat-total', 'concat-part');
    // A message in one part is no part of anything.
    if (part.total === 1) part = undefined;
  }
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', messageId),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.inbound',
      messageId,
      sender: party(message.msisdn),
      ...defined({ recipient: party(message.to), part }),
      ...messageTime(message['message-timestamp'], context),
      data: defined({
        type: text(message.type) ?? 'text',
        text: text(message.text),
        keyword: text(message.keyword),
        data: text(message.data),
        udh: text(message.udh),
        apiKey: text(message['api-key']),
      }),
      raw,
    },
    context,
  );
}

function unknownEvent(raw: Record<string, unknown>, context: NormalizeContext): NormalizedEvent {
  return makeEvent(
    {
      // No identity of its own: its parameters are, sorted, so a retry is the same event.
      eventId: eventIdOf(PROVIDER, 'unknown', JSON.stringify(Object.entries(raw).sort(([a], [b]) => (a < b ? -1 : 1)))),
      provider: PROVIDER,
      channel: 'sms',
      type: 'provider.unknown',
      raw,
    },
    context,
  );
}

/** Parameters that prove origin and say nothing about the message. */
const PROOF: ReadonlySet<string> = new Set(['sig', 'timestamp', 'nonce']);

/** The request's parameters, read where {@link parameterCarrier} says verification read them. */
function fieldsOf(request: WebhookRequest): Record<string, unknown> {
  const carrier = parameterCarrier(request.method, request.body.length, request.contentType ?? '');
  if (carrier === 'form' || (carrier === 'query' && request.params.length > 0)) return formRecord(request.params);
  // A POST without a body: its query string (the record API Gateway gives, repeated names joined).
  if (carrier === 'query') return Object.assign(Object.create(null) as Record<string, unknown>, request.query);
  const parsed = parseJson(request.body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ValidationError('expected a JSON object, a form or a query string');
  // Vonage's JSON carries the form's strings; a number or boolean is read as its text, as the signature reads it.
  const fields = Object.create(null) as Record<string, unknown>;
  for (const [name, field] of Object.entries(parsed)) fields[name] = typeof field === 'number' || typeof field === 'boolean' ? String(field) : field;
  return fields;
}

const has = (fields: Record<string, unknown>, name: string) => Object.hasOwn(fields, name);

/** Which callback a body is, by its fields (first match wins). */
const KINDS: ReadonlyArray<{
  readonly matches: (fields: Record<string, unknown>) => boolean;
  readonly normalize: (fields: Record<string, unknown>, raw: Record<string, unknown>, context: NormalizeContext) => NormalizedEvent;
}> = [
  { matches: (fields) => has(fields, 'status'), normalize: dlrEvent },
  { matches: (fields) => ['text', 'data', 'type', 'concat'].some((name) => has(fields, name)), normalize: inboundEvent },
];

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const fields = fieldsOf(request);
  // Prototype-free copy without the proof parameters: what the event keeps as raw.
  const raw = Object.create(null) as Record<string, unknown>;
  for (const name of Object.keys(fields)) if (!PROOF.has(name)) raw[name] = fields[name];
  if (Object.keys(raw).length === 0) return { events: [], ping: true };
  const kind = KINDS.find((candidate) => candidate.matches(fields));
  return { events: [kind ? kind.normalize(fields, { ...raw }, context) : unknownEvent({ ...raw }, context)] };
}

const PING_REPLY: WebhookReply = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true, ping: true }) };

/**
 * Vonage checks that a URL answers 200 before it saves it (Account API, "Change Account Settings": "Vonage will
 * check that they return a 200 OK response before the setting is saved"). That check carries no parameters and so
 * no signature: a request with neither query nor body is answered 200 before verification, and nothing is stored.
 * A provider with no credentials configured still refuses it (fail closed).
 */
export const vonageUrlCheck: Handshake = {
  keys: [],
  matches: (request) => request.params.length === 0 && request.body === '' && Object.keys(request.query).length === 0,
  answer: (_request, credentials: ProviderCredentials | undefined) =>
    credentials === undefined
      ? {
          statusCode: 401,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ error: 'unauthorized', message: 'missing or invalid credentials' }),
        }
      : PING_REPLY,
};

/** The `api-key` an event came with: the Vonage account, checked when the credentials list `accounts`. */
function accountOf(event: NormalizedEvent): string | undefined {
  const apiKey = event.data?.apiKey;
  return typeof apiKey === 'string' ? apiKey : undefined;
}

/** Vonage SMS API delivery receipts and inbound SMS (GET or POST; query, form or JSON). */
export const vonageSms: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Vonage SMS API',
  authentication: 'signature',
  origin: [vonageSignature],
  methods: ['GET', 'POST'],
  handshake: vonageUrlCheck,
  defaultTimeZone: 'UTC',
  catalog: [
    { providerEvent: 'delivery-receipt', type: 'message.status', channel: 'sms', statuses: VONAGE_DLR_STATUSES },
    { providerEvent: 'inbound-sms', type: 'message.inbound', channel: 'sms' },
  ],
  normalize,
  accountOf,
  statusOf: statusOfProviderStatus(VONAGE_DLR_STATUSES),
  reply: jsonAckReply,
};
