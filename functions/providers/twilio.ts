/**
 * Twilio Programmable Messaging (SMS, MMS, WhatsApp, RCS): status callbacks and incoming-message webhooks, form-encoded
 * (incoming messages may also come as a GET with the same fields in the query), plus Event Streams' JSON CloudEvents.
 *
 * ```
 * MessageSid=SM…&MessageStatus=delivered&AccountSid=AC…&From=+1…&To=+1…&ErrorCode=&RawDlrDoneDate=2412121438
 * ──► message.status   (messageId MessageSid, eventId MessageSid + status)
 * MessageSid=SM…&SmsStatus=received&Body=Hi&NumMedia=1&MediaUrl0=…&From=whatsapp:+1…&ProfileName=…&WaId=…
 * ──► message.inbound  (channel from the `whatsapp:` / `rcs:` prefix, else MMS for an `MM` sid or media, else SMS)
 * [{"specversion":"1.0","type":"com.twilio.messaging.message.delivered","data":{"messageSid":…}}]   (Event Streams)
 * ──► one event per CloudEvent, the same ids as the callbacks of the same facts
 * ```
 *
 * Proof of origin: `X-Twilio-Signature`, base64 HMAC over the public URL followed by the sorted form parameters
 * (a JSON body: the URL carrying `bodySHA256`, no parameters), with the Auth Token and SHA-1 by default, or with a
 * SharedKey and the algorithm `X-Twilio-Webhooks-Signature-Settings` names ({@link twilioSignature}).
 *
 * Choices where the docs are silent:
 * - The form callback carries no time of its own. `RawDlrDoneDate` (`YYMMDDhhmm`) has no zone, and Twilio says its
 *   offset varies between carriers and even within one: it is kept as sent in `data.rawDlrDoneDate` and never
 *   becomes `occurredAt`, which stays the receipt time. Event Streams' `timestamp` (ISO-8601 with `Z`) is used.
 * - The event id is `MessageSid` + status: Twilio signs no nonce, and a retry repeats both. The same fact reported by
 *   a callback and by Event Streams gets the same id, so a deployment that receives both stores it once.
 * - Statuses: `accepted` and `scheduled` are both "taken, not yet queued" (`accepted`); `canceled` (a scheduled
 *   message cancelled before sending) is a final `failed`, as NHN's CANCEL is; `partially_delivered` (group MMS) is
 *   the final `unknown` ("no single outcome will come"), as Webcom's partly_deliver is. An unlisted status is kept as
 *   `unknown`, non-final. `receiving` / `received` are incoming messages, not statuses.
 * - `error` is set for the failure statuses from `ErrorCode` / `ErrorMessage`; a code on another status (Twilio
 *   sends warnings) stays in `data.errorCode`. `NumSegments` is `segments` (0, sent while a Messaging Service has
 *   not picked a sender yet, is left out); `Price` / `PriceUnit` are `price` when Twilio includes them.
 * - Numbers get an E.164 form only when written with `+` (a short code or an alphanumeric sender has none); the
 *   channel prefix (`whatsapp:`) stays in `raw`.
 * - Only the fields read are validated (a repeated one, or one over its length, is a 400 naming it): Twilio adds
 *   parameters without notice, and every one is kept in `raw`.
 * - Reply: an empty TwiML `<Response/>` (`text/xml`) for every accepted request: Twilio reads it as "no reply" for
 *   an incoming message and ignores the body of a status callback's 2xx.
 */
import * as z from 'zod/mini';
import { sha256Hex } from '../origin/compare';
import { formRecord } from '../origin/form';
import { bodyHashParamOf, urlCarryingBodyHash, urlWithSortedParams } from '../origin/payloads';
import { hmacScheme, type HmacAlgorithm } from '../origin/schemes/hmac';
import type { Payload } from '../origin/schemes/signed';
import { signingNotBundled, SIGNS, refuse, type OriginScheme, type OutgoingRequest } from '../origin/types';
import type { Channel, NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import {
  invalidItemEvent,
  makeEvent,
  mapStatus,
  normalizeBatch,
  parseJson,
  providerTime,
  statusOfProviderStatus,
  validate,
  wellFormed,
  matches,
  oneOf,
  orNull,
} from './common';
import type { DeliveryOutcome, NormalizeContext, Normalized, ProviderAdapter, WebhookReply, WebhookRequest } from './types';

const PROVIDER = 'twilio';

/* ------------------------------------------------------------------------------------------------------------
 * Proof of origin
 * ---------------------------------------------------------------------------------------------------------- */

/** The header Twilio signs in, and the one that names a SharedKey's algorithm (Webhooks configuration API, beta). */
export const SIGNATURE_HEADER = 'x-twilio-signature';
export const SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

/** `algorithm=` values of the settings header → HMAC hash. Anything else is refused, as Twilio's own SDK does. */
export const SHARED_KEY_ALGORITHMS: Readonly<Record<string, TwilioHash>> = { HMAC_SHA1: 'sha1', HMAC_SHA256: 'sha256' };

type TwilioHash = Extract<HmacAlgorithm, 'sha1' | 'sha256'>;

const FORM = 'application/x-www-form-urlencoded';
const isForm = (headers: Readonly<Record<string, string | undefined>>) => headers['content-type']?.split(';')[0].trim().toLowerCase() === FORM;

/**
 * What Twilio signs: with `bodySHA256` in the URL, that URL alone (and the body must hash to it); otherwise the URL
 * followed by the sorted form parameters. A body that is neither form parameters nor hashed into the URL would be
 * covered by nothing, so it signs nothing and is refused (a published negative case of Twilio's SDK).
 */
export const twilioPayload: Payload = (parts) => {
  if (bodyHashParamOf(parts.url) !== undefined) return urlCarryingBodyHash(parts);
  if (parts.body.length > 0 && !isForm(parts.headers)) return [];
  return urlWithSortedParams(parts);
};

/** Signing a JSON body: Twilio adds the body's hash to the URL before it signs. */
function withBodyHash(request: OutgoingRequest): OutgoingRequest {
  if (request.body.length === 0 || isForm(request.headers) || bodyHashParamOf(request.url) !== undefined) return request;
  const [beforeFragment, fragment] = request.url.split('#', 2);
  const separator = beforeFragment.includes('?') ? '&' : '?';
  const url = `${beforeFragment}${separator}bodySHA256=${sha256Hex(request.body)}${fragment === undefined ? '' : `#${fragment}`}`;
  return { ...request, url };
}

const byHash: Readonly<Record<TwilioHash, OriginScheme>> = {
  sha1: hmacScheme({ header: SIGNATURE_HEADER, algorithm: 'sha1', encoding: 'base64', payload: twilioPayload, prepare: withBodyHash }),
  sha256: hmacScheme({ header: SIGNATURE_HEADER, algorithm: 'sha256', encoding: 'base64', payload: twilioPayload, prepare: withBodyHash }),
};

/**
 * The hash a request is signed with: SHA-1 (the Auth Token) without the settings header; the header's
 * `algorithm` with it (`key=<id>,algorithm=HMAC_SHA256`), or `undefined` when it names one Twilio does not document.
 */
export function signatureAlgorithmOf(settings: string | undefined): TwilioHash | undefined {
  if (settings === undefined) return 'sha1';
  const fields = new Map(
    settings.split(',').map((field) => {
      const eq = field.indexOf('=');
      return eq < 0 ? [field.trim(), ''] : [field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1).trim()];
    }),
  );
  const algorithm = fields.get('algorithm');
  return algorithm !== undefined && Object.hasOwn(SHARED_KEY_ALGORITHMS, algorithm) ? SHARED_KEY_ALGORITHMS[algorithm] : undefined;
}

/**
 * `X-Twilio-Signature`, reading `signingKeys`: the Auth Token(s), and the SharedKey secret(s) when Webhook Rules sign
 * with one. The settings header names the key by its id, not the secret, so every configured key is tried with the
 * header's algorithm (rotation: keep the old and the new secret listed). The URL is tried as called, without its
 * port and with the default port (`urlVariants`), as Twilio's SDKs do.
 *
 * Signing (simulator, tests): SHA-1 with the first key, or the settings header's algorithm when the request already
 * carries that header.
 */
export const twilioSignature: OriginScheme = {
  name: 'hmac-sha1/sha256 x-twilio-signature (URL + sorted params, or URL with bodySHA256)',
  keys: ['signingKeys'],
  admits: true,
  secretHeaders: [SIGNATURE_HEADER],
  verify(request, credentials, options) {
    const algorithm = signatureAlgorithmOf(request.headers[SIGNATURE_SETTINGS_HEADER]);
    if (algorithm === undefined) return refuse('signature_mismatch', SIGNATURE_SETTINGS_HEADER, 'unsupported algorithm');
    return byHash[algorithm].verify(request, credentials, options);
  },
  sign: !SIGNS
    ? signingNotBundled
    : (request, material) => {
        const settings = Object.entries(request.headers).find(([name]) => name.toLowerCase() === SIGNATURE_SETTINGS_HEADER)?.[1];
        return byHash[signatureAlgorithmOf(settings) ?? 'sha1'].sign(request, material);
      },
};

/* ------------------------------------------------------------------------------------------------------------
 * Statuses
 * ---------------------------------------------------------------------------------------------------------- */

/** `MessageStatus` (Event Streams: the same in upper case) → canonical status; reasons in the module comment. */
export const TWILIO_STATUSES = {
  accepted: 'accepted',
  scheduled: 'accepted',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
  read: 'read',
  partially_delivered: 'unknown',
} as const satisfies Record<string, CanonicalStatus>;

/** Statuses of an incoming message: the request is a `message.inbound`. */
const INBOUND_STATUSES: ReadonlySet<string> = new Set(['received', 'receiving']);

const FAILURES: ReadonlySet<CanonicalStatus> = new Set(['failed', 'undelivered']);

/* ------------------------------------------------------------------------------------------------------------
 * Form callbacks
 * ---------------------------------------------------------------------------------------------------------- */

const SID_MAX = 64;
const TEXT_MAX = 16_384;
const FIELD_MAX = 1024;
/** Media of one incoming message: Twilio allows 10 per MMS / WhatsApp message. */
const MEDIA_MAX = 10;

const sid = () => z.string().check(z.minLength(1), z.maxLength(SID_MAX), wellFormed());
const field = (max = FIELD_MAX) => z.optional(z.string().check(z.maxLength(max)));
const address = () => z.optional(z.string().check(z.maxLength(256), wellFormed()));
const count = () => z.optional(z.string().check(matches(/^\d{1,3}$/)));

/** The fields read, each a single value (a repeated one arrives as an array and is refused, naming it). */
// z.object, not looseObject: only the named fields are copied out (a `__proto__` parameter stays in `raw`, a
// null-prototype record).
const FormSchema = z.object({
  MessageSid: z.optional(sid()),
  SmsSid: z.optional(sid()),
  SmsMessageSid: z.optional(sid()),
  MessageStatus: field(64),
  SmsStatus: field(64),
  AccountSid: field(SID_MAX),
  MessagingServiceSid: field(SID_MAX),
  ApiVersion: field(32),
  From: address(),
  To: address(),
  Body: field(TEXT_MAX),
  NumMedia: count(),
  NumSegments: count(),
  ErrorCode: field(32),
  ErrorMessage: field(),
  RawDlrDoneDate: field(32),
  Price: field(32),
  PriceUnit: field(8),
  ChannelPrefix: field(32),
});
type Form = z.infer<typeof FormSchema>;

/** Channel-specific and geographic fields copied into `data` as Twilio names them, when present. */
const STATUS_EXTRAS = ['ChannelPrefix', 'ChannelToAddress', 'ChannelInstallSid', 'ChannelStatusMessage', 'StructuredMessage'] as const;
const GEO_FIELDS = ['FromCity', 'FromState', 'FromZip', 'FromCountry', 'ToCity', 'ToState', 'ToZip', 'ToCountry'] as const;
/** What WhatsApp adds to an incoming message (TW-REQ section headings and a real receiver's type definition). */
const WHATSAPP_FIELDS = [
  'ProfileName',
  'WaId',
  'MessageType',
  'ButtonText',
  'ButtonPayload',
  'Latitude',
  'Longitude',
  'Address',
  'Label',
  'Forwarded',
  'FrequentlyForwarded',
  'OriginalRepliedMessageSender',
  'OriginalRepliedMessageSid',
  'ChannelMetadata',
  'ReferralNumMedia',
  'ReferralBody',
  'ReferralHeadline',
  'ReferralSourceId',
  'ReferralSourceType',
  'ReferralSourceUrl',
  'ReferralMediaId',
  'ReferralMediaContentType',
  'ReferralMediaUrl',
  'ReferralCtwaClid',
] as const;

/** Present, single, bounded text values of `names` from the record, under Twilio's own names. */
function picked(record: Record<string, string | string[]>, names: readonly string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = record[name];
    if (typeof value === 'string' && value !== '') out[name] = value.slice(0, FIELD_MAX);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Drops undefined values: events carry only what Twilio sent. Only for objects whose keys are ours. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}

/** `whatsapp:+1415…` → the channel it names; `undefined` for a bare number. */
function prefixChannel(value: string | undefined): Channel | undefined {
  const prefix = value ? /^([a-z]+):/i.exec(value)?.[1].toLowerCase() : undefined;
  return prefix === 'whatsapp' ? 'whatsapp' : prefix === 'rcs' ? 'rcs' : undefined;
}

function channelOf(parts: { from?: string; to?: string; prefix?: string; sid: string; numMedia?: number }): Channel {
  const named = prefixChannel(parts.prefix ? `${parts.prefix}:` : undefined) ?? prefixChannel(parts.to) ?? prefixChannel(parts.from);
  if (named) return named;
  return parts.sid.startsWith('MM') || (parts.numMedia ?? 0) > 0 ? 'mms' : 'sms';
}

/** A party: raw as sent (channel prefix included), E.164 only from an explicit `+`. */
function partyOf(value: string | undefined) {
  if (!value) return undefined;
  const bare = value.replace(/^[a-z]+:/i, '');
  const { e164 } = toParty(bare, { kind: 'national' });
  return e164 ? { raw: value, e164 } : { raw: value };
}

const segmentsOf = (value: string | number | undefined): number | undefined => {
  const n = value === undefined ? undefined : Number(value);
  return n !== undefined && Number.isInteger(n) && n >= 1 && n <= 255 ? n : undefined;
};

/** `price` when Twilio gave both a decimal amount and an ISO currency; anything else stays in `data` only. */
function priceOf(amount: string | number | undefined, currency: string | undefined) {
  const text = amount === undefined ? undefined : String(amount);
  if (!text || !currency || !/^-?\d{1,12}(\.\d{1,12})?$/.test(text) || !/^[A-Z]{3}$/.test(currency.toUpperCase())) return undefined;
  return { amount: text, currency: currency.toUpperCase() };
}

/** `error` for a failure status: Twilio's code and message, when it gave one (`0` and empty mean none). */
function failureOf(status: CanonicalStatus, code: string | undefined, message: string | undefined) {
  if (!FAILURES.has(status)) return undefined;
  const realCode = code && code !== '0' ? code : undefined;
  if (realCode === undefined && !message) return undefined;
  return defined({ code: realCode, message: message ? message.slice(0, FIELD_MAX) : undefined });
}

/** A form callback, validated: what the status and the inbound event are built from. */
interface FormCallback {
  readonly form: Form;
  /** Every parameter as sent (the event's `raw`). */
  readonly record: Record<string, string | string[]>;
  readonly messageSid: string;
  readonly providerStatus: string;
}

function formStatusEvent({ form, record, messageSid, providerStatus }: FormCallback, context: NormalizeContext): NormalizedEvent {
  const { status, final } = mapStatus(TWILIO_STATUSES, providerStatus.toLowerCase());
  const errorCode = form.ErrorCode || undefined;
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, messageSid, providerStatus.toLowerCase()),
      provider: PROVIDER,
      channel: channelOf({ from: form.From, to: form.To, prefix: form.ChannelPrefix, sid: messageSid }),
      type: 'message.status',
      messageId: messageSid,
      status,
      final,
      providerStatus,
      ...defined({
        error: failureOf(status, errorCode, form.ErrorMessage),
        recipient: partyOf(form.To),
        sender: partyOf(form.From),
        segments: segmentsOf(form.NumSegments),
        price: priceOf(form.Price, form.PriceUnit),
      }),
      data: defined({
        accountSid: form.AccountSid || undefined,
        messagingServiceSid: form.MessagingServiceSid || undefined,
        apiVersion: form.ApiVersion || undefined,
        errorCode,
        errorMessage: form.ErrorMessage || undefined,
        // YYMMDDhhmm, zone unknown (varies by carrier): kept as sent, never used for ordering.
        rawDlrDoneDate: form.RawDlrDoneDate || undefined,
        price: form.Price || undefined,
        priceUnit: form.PriceUnit || undefined,
        channel: picked(record, STATUS_EXTRAS),
      }),
      raw: record,
    },
    context,
  );
}

function mediaOf(record: Record<string, string | string[]>, numMedia: number): Array<{ url: string; contentType?: string }> | undefined {
  const media: Array<{ url: string; contentType?: string }> = [];
  for (let i = 0; i < Math.min(numMedia, MEDIA_MAX); i++) {
    const url = record[`MediaUrl${i}`];
    const type = record[`MediaContentType${i}`];
    if (typeof url === 'string' && url !== '') {
      media.push(
        defined({ url: url.slice(0, FIELD_MAX), contentType: typeof type === 'string' && type ? type.slice(0, 255) : undefined }) as { url: string },
      );
    }
  }
  return media.length > 0 ? media : undefined;
}

function formInboundEvent({ form, record, messageSid, providerStatus }: FormCallback, context: NormalizeContext): NormalizedEvent {
  const numMedia = form.NumMedia === undefined ? undefined : Number(form.NumMedia);
  const channel = channelOf({ from: form.From, to: form.To, sid: messageSid, numMedia });
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', messageSid, providerStatus.toLowerCase()),
      provider: PROVIDER,
      channel,
      type: 'message.inbound',
      messageId: messageSid,
      providerStatus,
      ...defined({ sender: partyOf(form.From), recipient: partyOf(form.To), segments: segmentsOf(form.NumSegments) }),
      data: defined({
        accountSid: form.AccountSid || undefined,
        messagingServiceSid: form.MessagingServiceSid || undefined,
        apiVersion: form.ApiVersion || undefined,
        body: form.Body,
        numMedia,
        media: numMedia ? mediaOf(record, numMedia) : undefined,
        geo: picked(record, GEO_FIELDS),
        whatsapp: picked(record, WHATSAPP_FIELDS),
      }),
      raw: record,
    },
    context,
  );
}

/** A form callback (POST body, or an incoming message's GET query): one event. */
function formEvent(request: WebhookRequest, context: NormalizeContext): NormalizedEvent {
  const record = formRecord(request.params);
  if (Object.keys(record).length === 0) throw new ValidationError('no form parameters (expected MessageSid and MessageStatus)');
  const form = validate(FormSchema, record);
  const messageSid = form.MessageSid ?? form.SmsSid ?? form.SmsMessageSid;
  if (messageSid === undefined) throw new ValidationError('missing', 'MessageSid');
  const providerStatus = form.MessageStatus || form.SmsStatus;
  const inbound =
    providerStatus === undefined ? form.Body !== undefined || form.NumMedia !== undefined : INBOUND_STATUSES.has(providerStatus.toLowerCase());
  if (inbound) return formInboundEvent({ form, record, messageSid, providerStatus: providerStatus ?? 'received' }, context);
  if (providerStatus === undefined) throw new ValidationError('missing', 'MessageStatus');
  return formStatusEvent({ form, record, messageSid, providerStatus }, context);
}

/* ------------------------------------------------------------------------------------------------------------
 * Event Streams (JSON CloudEvents; the webhook sink sends an array of them)
 * ---------------------------------------------------------------------------------------------------------- */

/** The CloudEvent types of Programmable Messaging, by prefix. */
export const OUTBOUND_TYPE_PREFIX = 'com.twilio.messaging.message.';
export const INBOUND_TYPE = 'com.twilio.messaging.inbound-message.received';

const jsonText = (max = FIELD_MAX) => z.optional(orNull(z.string().check(z.maxLength(max))));
const jsonNumberish = () => z.optional(orNull(oneOf([z.string().check(z.maxLength(32)), z.number()])));

const CloudEventSchema = z.object({
  specversion: z.optional(z.string().check(z.maxLength(16))),
  type: z.string().check(z.minLength(1), z.maxLength(256)),
  id: z.string().check(z.minLength(1), z.maxLength(256), wellFormed()),
  source: jsonText(256),
  data: z.optional(z.unknown()),
});

/** The fields the data of every Programmable Messaging event starts with, outbound or inbound. */
const STREAMED_DATA = {
  messageSid: sid(),
  timestamp: jsonText(64),
  accountSid: jsonText(SID_MAX),
  messagingServiceSid: jsonText(SID_MAX),
};
const jsonAddress = () => z.optional(orNull(z.string().check(z.maxLength(256), wellFormed())));

const OutboundDataSchema = z.object({
  ...STREAMED_DATA,
  apiVersion: jsonText(32),
  from: jsonAddress(),
  to: jsonAddress(),
  messageStatus: jsonText(64),
  errorCode: jsonNumberish(),
  errorMessage: jsonText(),
  rawDlrDoneDate: jsonText(32),
  numberOfSegments: jsonNumberish(),
  mcc: jsonText(8),
  mnc: jsonText(8),
  price: jsonNumberish(),
  priceUnit: jsonText(8),
});

const InboundDataSchema = z.object({
  ...STREAMED_DATA,
  from: jsonAddress(),
  to: jsonAddress(),
  body: jsonText(TEXT_MAX),
  numMedia: jsonNumberish(),
  numSegments: jsonNumberish(),
  fromCountry: jsonText(8),
  mcc: jsonText(8),
  mnc: jsonText(8),
});

const text = (value: string | number | null | undefined): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : String(value);

type StreamedData = z.infer<z.ZodMiniObject<typeof STREAMED_DATA>>;

/** An Event Streams event's time: its `data.timestamp` (named `field` in errors), converted and kept raw. */
const streamedTime = (data: StreamedData, context: NormalizeContext, field: string) => ({
  occurredAt: providerTime(data.timestamp, context, field),
  occurredAtRaw: data.timestamp,
});

/** The ids every Event Streams event keeps in `data`: the CloudEvent's, and the account's and service's sids. */
const streamedIds = (cloudEvent: z.infer<typeof CloudEventSchema>, data: StreamedData) => ({
  cloudEventId: cloudEvent.id,
  cloudEventType: cloudEvent.type,
  accountSid: text(data.accountSid),
  messagingServiceSid: text(data.messagingServiceSid),
});

/** `network` from Event Streams' mcc/mnc (and the sender's country, for an incoming message), when well-formed. */
function networkOf(mcc: string | null | undefined, mnc: string | null | undefined, country?: string | null) {
  const network = defined({
    mcc: mcc && /^\d{3}$/.test(mcc) ? mcc : undefined,
    mnc: mnc && /^\d{2,3}$/.test(mnc) ? mnc : undefined,
    country: country && /^[A-Z]{2}$/.test(country) ? country : undefined,
  });
  return Object.keys(network).length > 0 ? network : undefined;
}

function cloudEventToEvent(item: unknown, index: number | undefined, context: NormalizeContext): NormalizedEvent {
  const prefix = index === undefined ? undefined : String(index);
  const at = (name: string) => (prefix === undefined ? name : `${prefix}.${name}`);
  const cloudEvent = validate(CloudEventSchema, item, prefix);
  if (cloudEvent.type === INBOUND_TYPE) {
    const data = validate(InboundDataSchema, cloudEvent.data, at('data'));
    const numMedia = text(data.numMedia) === undefined ? undefined : Number(data.numMedia);
    return makeEvent(
      {
        eventId: eventIdOf(PROVIDER, 'inbound', data.messageSid, 'received'),
        provider: PROVIDER,
        channel: channelOf({ from: data.from ?? undefined, to: data.to ?? undefined, sid: data.messageSid, numMedia }),
        type: 'message.inbound',
        messageId: data.messageSid,
        providerStatus: 'received',
        ...defined({
          sender: partyOf(data.from ?? undefined),
          recipient: partyOf(data.to ?? undefined),
          segments: segmentsOf(text(data.numSegments)),
          network: networkOf(data.mcc, data.mnc, data.fromCountry),
        }),
        ...streamedTime(data, context, at('data.timestamp')),
        data: defined({
          ...streamedIds(cloudEvent, data),
          body: data.body ?? undefined,
          numMedia,
        }),
        raw: item,
      },
      context,
    );
  }
  if (cloudEvent.type.startsWith(OUTBOUND_TYPE_PREFIX)) {
    const data = validate(OutboundDataSchema, cloudEvent.data, at('data'));
    // The schema's upper-case status, else the type's last word (`…message.delivered`).
    const providerStatus = text(data.messageStatus) ?? cloudEvent.type.slice(OUTBOUND_TYPE_PREFIX.length);
    const key = providerStatus.toLowerCase();
    const { status, final } = mapStatus(TWILIO_STATUSES, key);
    const errorCode = text(data.errorCode);
    return makeEvent(
      {
        eventId: eventIdOf(PROVIDER, data.messageSid, key),
        provider: PROVIDER,
        channel: channelOf({ from: data.from ?? undefined, to: data.to ?? undefined, sid: data.messageSid }),
        type: 'message.status',
        messageId: data.messageSid,
        status,
        final,
        providerStatus,
        ...defined({
          error: failureOf(status, errorCode, text(data.errorMessage)),
          recipient: partyOf(data.to ?? undefined),
          sender: partyOf(data.from ?? undefined),
          segments: segmentsOf(text(data.numberOfSegments)),
          price: priceOf(text(data.price), text(data.priceUnit)),
          network: networkOf(data.mcc, data.mnc),
        }),
        ...streamedTime(data, context, at('data.timestamp')),
        data: defined({
          ...streamedIds(cloudEvent, data),
          apiVersion: text(data.apiVersion),
          errorCode,
          rawDlrDoneDate: text(data.rawDlrDoneDate),
        }),
        raw: item,
      },
      context,
    );
  }
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'event-streams', cloudEvent.id),
      provider: PROVIDER,
      channel: 'sms',
      type: 'provider.unknown',
      data: { cloudEventId: cloudEvent.id, cloudEventType: cloudEvent.type },
      raw: item,
    },
    context,
  );
}

function cloudEvents(body: string, context: NormalizeContext): NormalizedEvent[] {
  const parsed = parseJson(body);
  if (!Array.isArray(parsed)) return [cloudEventToEvent(parsed, undefined, context)];
  if (parsed.length === 0) throw new ValidationError('body is an empty list');
  return normalizeBatch(
    parsed,
    (item, index) => cloudEventToEvent(item, index, context),
    (item, error) => invalidItemEvent({ provider: PROVIDER, channel: 'sms', raw: item }, error, context),
    // Twilio documents no maximum per request: the platform's cap (a 413 over it).
    { field: 'events' },
  );
}

/* ------------------------------------------------------------------------------------------------------------
 * The adapter
 * ---------------------------------------------------------------------------------------------------------- */

/** Twilio's "nothing to say": an empty TwiML document. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

function reply(outcome: DeliveryOutcome): WebhookReply {
  const allQueued = outcome.normalized.events.every((event) => outcome.queued.has(event.eventId));
  if (!allQueued) {
    return {
      statusCode: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '60' },
      body: JSON.stringify({ error: 'queue_unavailable', message: 'events could not be queued; retry later' }),
    };
  }
  return { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: EMPTY_TWIML };
}

const isJson = (request: WebhookRequest) =>
  request.contentType === 'application/json' || (request.contentType === undefined && /^\s*[[{]/.test(request.body));

/** The AccountSid an event names (`data.accountSid`), checked against `accounts` when the credentials list some. */
function accountOf(event: NormalizedEvent): string | undefined {
  const account = event.data?.accountSid;
  return typeof account === 'string' ? account : undefined;
}

/** Twilio Programmable Messaging: status callbacks, incoming messages (POST or GET) and Event Streams. */
export const twilio: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Twilio Programmable Messaging',
  authentication: 'signature',
  origin: [twilioSignature],
  methods: ['GET', 'POST'],
  // No zone-less time is ever converted (RawDlrDoneDate stays raw); Event Streams times carry Z.
  defaultTimeZone: 'UTC',
  catalog: [
    { providerEvent: 'status callback (MessageStatus)', type: 'message.status', channel: 'sms', statuses: TWILIO_STATUSES },
    { providerEvent: 'status callback, MMS (MM… sid)', type: 'message.status', channel: 'mms', statuses: TWILIO_STATUSES },
    { providerEvent: 'status callback, WhatsApp (whatsapp: address)', type: 'message.status', channel: 'whatsapp', statuses: TWILIO_STATUSES },
    { providerEvent: 'incoming message (SmsStatus received)', type: 'message.inbound', channel: 'sms' },
    { providerEvent: 'incoming MMS (NumMedia > 0)', type: 'message.inbound', channel: 'mms' },
    { providerEvent: 'incoming WhatsApp message', type: 'message.inbound', channel: 'whatsapp' },
    { providerEvent: `Event Streams ${OUTBOUND_TYPE_PREFIX}*`, type: 'message.status', channel: 'sms', statuses: TWILIO_STATUSES },
    { providerEvent: `Event Streams ${INBOUND_TYPE}`, type: 'message.inbound', channel: 'sms' },
  ],
  normalize(request, context): Normalized {
    if (request.method !== 'GET' && isJson(request)) return { events: cloudEvents(request.body, context) };
    return { events: [formEvent(request, context)] };
  },
  accountOf,
  statusOf: statusOfProviderStatus(TWILIO_STATUSES, (providerStatus) => providerStatus.toLowerCase()),
  reply,
};
