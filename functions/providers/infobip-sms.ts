/**
 * Infobip SMS: delivery reports and inbound messages, both POSTed as JSON `{"results": [ … ]}` with up to 100 items
 * per request by default (`maxBucketSize` changes it). Each item is its own event.
 *
 * ```json
 * { "results": [ { "bulkId": "BULK-ID-123-xyz", "messageId": "MESSAGE-ID-123-xyz", "to": "41793026727",
 *   "from": "InfoSMS", "sentAt": "2019-11-09T16:00:00.000+0000", "doneAt": "2019-11-09T16:00:00.000+0000",
 *   "smsCount": 1, "mccMnc": "22801", "callbackData": "DLR callback data",
 *   "price": { "pricePerMessage": 0.01, "currency": "EUR" },
 *   "status": { "groupId": 3, "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET",
 *     "description": "Message delivered to handset" },
 *   "error": { "groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "description": "No Error",
 *     "permanent": false } } ] }
 * ```
 *
 * Choices where the docs are silent:
 * - An item with a `status` object is a delivery report; one with `text`, `cleanText` or `receivedAt` (and no
 *   `status`) is an inbound message; anything else is kept as `provider.unknown`. The v3 spellings (`sender`,
 *   `messageCount`) are read beside the v2 ones (`from`, `smsCount`).
 * - The status is decided by its `name` ({@link infobipStatusKey}), never by its group: `DELIVERED_TO_OPERATOR`
 *   sits in the DELIVERED group yet "a further DLR may follow", so it is `sent`, non-final.
 * - `sentAt`/`doneAt`/`receivedAt` carry an offset without a colon (`+0000`): read as the instant they name.
 * - `pricePerMessage` is a JSON number; it becomes `price.amount` as written (never in exponent form). `mccMnc`
 *   (`22801`) becomes `network.mcc`/`network.mnc`. A price or network value we cannot read is left in `raw` only,
 *   never a reason to refuse a report.
 * - No documented cap beyond the configurable bucket size: more than {@link MAX_RESULTS} items is a 400 naming
 *   `results`, as no real configuration sends that many.
 * - Infobip signs nothing by default: HTTP Basic (a Subscriptions API `BASIC` profile, or credentials in the
 *   `notifyUrl`) or a URL token proves the origin. Its `HMAC` profile is not implemented: neither the header nor the
 *   signed string is published.
 */
import * as z from 'zod/mini';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { basicAuth } from '../origin/schemes/static';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import {
  invalidItemEvent,
  jsonAckReply,
  makeEvent,
  mapStatus,
  normalizeBatch,
  parseJson,
  providerTime,
  statusOfProviderStatus,
  validate,
  wellFormed,
  int,
  matches,
  atLeast,
  oneOf,
  orNull,
  preprocess,
} from './common';
import { priceOf } from './price';
import type { NormalizeContext, Normalized, ProviderAdapter } from './types';

const PROVIDER = 'infobip-sms';

/**
 * Most items one request may carry. Infobip sends 100 by default and lets `maxBucketSize` change that without
 * publishing its maximum; ten times the default leaves room for any real setting and still bounds the work.
 */
export const MAX_RESULTS = 1000;

/**
 * Infobip `status.name` → canonical status. Exact names first; a name not listed falls back on the documented
 * pattern of its prefix (the `…_*` rows, see {@link infobipStatusKey}). A name that matches neither (a new
 * `DELIVERED_…`) is kept as `unknown`, non-final: its group alone does not say whether it is final.
 */
export const INFOBIP_STATUSES = {
  PENDING_ACCEPTED: 'accepted',
  PENDING_ENROUTE: 'sending',
  PENDING_WAITING_DELIVERY: 'sent',
  // In the DELIVERED group but intermediate: the operator has it, the handset may still report.
  DELIVERED_TO_OPERATOR: 'sent',
  DELIVERED_TO_HANDSET: 'delivered',
  UNDELIVERABLE_NOT_DELIVERED: 'undelivered',
  UNDELIVERABLE_REJECTED_OPERATOR: 'rejected',
  EXPIRED_EXPIRED: 'expired',
  // Validity ran out with no report from the operator: Infobip's own "no outcome will come".
  EXPIRED_DLR_UNKNOWN: 'unknown',
  REJECTED_NETWORK: 'rejected',
  REJECTED_DESTINATION: 'rejected',
  REJECTED_NOT_ENOUGH_CREDITS: 'rejected',
  REJECTED_SENDER: 'rejected',
  REJECTED_PREFIX_MISSING: 'rejected',
  REJECTED_DND: 'rejected',
  REJECTED_SOURCE: 'rejected',
  REJECTED_FLOODING_FILTER: 'rejected',
  REJECTED_SYSTEM_ERROR: 'rejected',
  REJECTED_ROUTE_NOT_AVAILABLE: 'rejected',
  REJECTED_INVALID_DESTINATION: 'rejected',
  'PENDING_*': 'sending',
  'UNDELIVERABLE_*': 'undelivered',
  'EXPIRED_*': 'expired',
  'REJECTED_*': 'rejected',
} as const satisfies Record<string, CanonicalStatus>;

const PATTERNS = ['PENDING_', 'UNDELIVERABLE_', 'EXPIRED_', 'REJECTED_'] as const;

const own = (table: object, key: string) => Object.hasOwn(table, key);

/** The row of {@link INFOBIP_STATUSES} for a status name: the name itself, else its prefix pattern, else the name. */
export function infobipStatusKey(name: string): string {
  if (own(INFOBIP_STATUSES, name)) return name;
  const prefix = PATTERNS.find((candidate) => name.startsWith(candidate) && name.length > candidate.length);
  return prefix ? `${prefix}*` : name;
}

/** Final outcomes that carry the provider's reason as `error`; an unmapped status (unknown, non-final) carries none. */
const FAILURES: ReadonlySet<CanonicalStatus> = new Set(['undelivered', 'rejected', 'expired', 'failed', 'unknown']);

// ── schemas ─────────────────────────────────────────────────────────────────────────────────────────────────────

const text = (max: number) => z.string().check(z.maxLength(max));
const keyText = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max), wellFormed());
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(orNull(schema));
// A conversion before the string check (not a union), so a wrong or missing value is named "expected string".
const digitsOfInteger = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value);
/** Infobip's ids are strings; a non-negative integer is read as its digits. */
const id = () => preprocess(digitsOfInteger, keyText(1, 256));
const phone = () => preprocess(digitsOfInteger, keyText(0, 64));
/** A count (parts, pending messages): only its type is checked; a count out of range is simply not used. */
const count = () => oneOf([int().check(atLeast(0)), z.string().check(matches(/^\d{1,9}$/))]);
const code = () => oneOf([int(), text(64)]);

/** The price is carried along: only its types are checked here; {@link priceOf} reads it leniently. */
const PriceSchema = z.object({ pricePerMessage: opt(oneOf([z.number(), text(32)])), currency: opt(text(16)) });

const StatusSchema = z.object({
  groupId: opt(code()),
  groupName: opt(text(64)),
  id: opt(code()),
  // Part of the event id.
  name: keyText(1, 128),
  description: opt(text(1024)),
  action: opt(text(1024)),
});

const ErrorSchema = z.object({
  groupId: opt(code()),
  groupName: opt(text(64)),
  id: opt(code()),
  name: opt(text(128)),
  description: opt(text(1024)),
  permanent: opt(z.boolean()),
});

const ReportSchema = z.object({
  bulkId: opt(text(256)),
  messageId: id(),
  to: opt(phone()),
  from: opt(phone()),
  sender: opt(phone()),
  sentAt: opt(text(64)),
  doneAt: opt(text(64)),
  smsCount: opt(count()),
  messageCount: opt(count()),
  mccMnc: opt(text(16)),
  callbackData: opt(text(4096)),
  price: opt(PriceSchema),
  status: StatusSchema,
  error: opt(ErrorSchema),
});

const InboundSchema = z.object({
  messageId: id(),
  from: phone(),
  to: opt(phone()),
  text: opt(text(16_384)),
  cleanText: opt(text(16_384)),
  keyword: opt(text(256)),
  receivedAt: opt(text(64)),
  smsCount: opt(count()),
  price: opt(PriceSchema),
  callbackData: opt(text(4096)),
});

const EnvelopeSchema = z.object({
  results: z.array(z.unknown()),
  messageCount: opt(count()),
  pendingMessageCount: opt(count()),
});

// ── fields ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** Drops undefined values, so events carry only what Infobip sent. Only for objects we build. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}

const asText = (value: string | number | null | undefined) => (value === null || value === undefined ? undefined : String(value));

const pricing = (price: z.infer<typeof PriceSchema> | null | undefined) => priceOf(price?.pricePerMessage, price?.currency);

/** `22801` → mcc 228, mnc 01. Anything but 5 or 6 digits is not read. */
export function networkOf(mccMnc: string | null | undefined): NormalizedEvent['network'] {
  return mccMnc && /^\d{5,6}$/.test(mccMnc) ? { mcc: mccMnc.slice(0, 3), mnc: mccMnc.slice(3) } : undefined;
}

function segmentsOf(...counts: ReadonlyArray<string | number | null | undefined>): number | undefined {
  for (const value of counts) {
    if (value === null || value === undefined) continue;
    const n = Number(value);
    if (Number.isInteger(n) && n >= 1 && n <= 255) return n;
  }
  return undefined;
}

/** Infobip numbers are international digits without `+` (`41793026727`); a sender name stays raw. */
const party = (value: string | number | null | undefined) => (value === null || value === undefined || value === '' ? undefined : toParty(value));

// ── items ───────────────────────────────────────────────────────────────────────────────────────────────────────

function reportEvent(item: unknown, index: number, context: NormalizeContext): NormalizedEvent {
  const prefix = `results.${index}`;
  const report = validate(ReportSchema, item, prefix);
  const messageId = String(report.messageId);
  const statusName = report.status.name;
  const { status, final } = mapStatus(INFOBIP_STATUSES, infobipStatusKey(statusName));
  const errorId = asText(report.error?.id);
  const hasError = errorId !== undefined && errorId !== '0';
  const time = report.doneAt ? 'doneAt' : 'sentAt';
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, messageId, statusName, report.doneAt ?? report.sentAt),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.status',
      messageId,
      status,
      final,
      providerStatus: statusName,
      ...defined({
        error:
          final && FAILURES.has(status) && (hasError || report.status.description)
            ? defined({
                code: hasError ? errorId : asText(report.status.id),
                message: (hasError ? (report.error?.description ?? report.error?.name) : report.status.description) ?? undefined,
              })
            : undefined,
        recipient: party(report.to),
        sender: party(report.from ?? report.sender),
        segments: segmentsOf(report.smsCount, report.messageCount),
        price: pricing(report.price),
        network: networkOf(report.mccMnc),
      }),
      occurredAt: providerTime(report[time], context, `${prefix}.${time}`),
      occurredAtRaw: report[time] ?? undefined,
      data: defined({
        bulkId: report.bulkId ?? undefined,
        callbackData: report.callbackData ?? undefined,
        statusGroup: report.status.groupName ?? undefined,
        statusId: asText(report.status.id),
        statusDescription: report.status.description ?? undefined,
        statusAction: report.status.action ?? undefined,
        sentAt: report.sentAt ? providerTime(report.sentAt, context, `${prefix}.sentAt`) : undefined,
        errorGroup: hasError ? (report.error?.groupName ?? undefined) : undefined,
        errorName: hasError ? (report.error?.name ?? undefined) : undefined,
        errorPermanent: hasError ? (report.error?.permanent ?? undefined) : undefined,
      }),
      raw: item,
    },
    context,
  );
}

function inboundEvent(item: unknown, index: number, context: NormalizeContext, envelope: Record<string, unknown>): NormalizedEvent {
  const prefix = `results.${index}`;
  const message = validate(InboundSchema, item, prefix);
  const messageId = String(message.messageId);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', messageId),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.inbound',
      messageId,
      sender: toParty(message.from),
      ...defined({
        recipient: party(message.to),
        segments: segmentsOf(message.smsCount),
        price: pricing(message.price),
      }),
      occurredAt: providerTime(message.receivedAt, context, `${prefix}.receivedAt`),
      occurredAtRaw: message.receivedAt ?? undefined,
      data: defined({
        text: message.text ?? undefined,
        cleanText: message.cleanText ?? undefined,
        keyword: message.keyword ?? undefined,
        callbackData: message.callbackData ?? undefined,
        ...envelope,
      }),
      raw: item,
    },
    context,
  );
}

function unknownEvent(item: unknown, context: NormalizeContext): NormalizedEvent {
  return makeEvent(
    // No identity Infobip gives: the item's own text is it, so a retry of the same item is the same event.
    { eventId: eventIdOf(PROVIDER, 'unknown', JSON.stringify(item)), provider: PROVIDER, channel: 'sms', type: 'provider.unknown', raw: item },
    context,
  );
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const has = (item: Record<string, unknown>, key: string) => own(item, key) && item[key] !== undefined && item[key] !== null;

function normalize(body: string, context: NormalizeContext): Normalized {
  const parsed = parseJson(body);
  if (!isObject(parsed)) throw new ValidationError('expected object');
  const envelope = validate(EnvelopeSchema, parsed);
  if (envelope.results.length === 0) throw new ValidationError('is empty', 'results');
  if (envelope.results.length > MAX_RESULTS) {
    throw new ValidationError(`has ${envelope.results.length} items, more than the ${MAX_RESULTS} one request may carry`, 'results');
  }
  const inboundData = defined({ messageCount: asText(envelope.messageCount), pendingMessageCount: asText(envelope.pendingMessageCount) });
  const events = normalizeBatch(
    envelope.results,
    (item, index) => {
      if (!isObject(item)) throw new ValidationError('expected object', `results.${index}`);
      if (has(item, 'status')) return reportEvent(item, index, context);
      if (has(item, 'text') || has(item, 'cleanText') || has(item, 'receivedAt')) return inboundEvent(item, index, context, inboundData);
      return unknownEvent(item, context);
    },
    (item, error) => invalidItemEvent({ provider: PROVIDER, channel: 'sms', raw: item }, error, context),
  );
  return { events };
}

/**
 * Infobip SMS delivery reports and inbound messages. Proof of origin: HTTP Basic (`basicAuth` in the credentials)
 * or a URL token; the reply is a plain JSON 200 once every item is queued, else 503.
 */
export const infobipSms: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Infobip SMS',
  authentication: 'basic-auth',
  origin: [basicAuth],
  // Every documented time carries its offset; this zone is never used for them.
  defaultTimeZone: 'UTC',
  catalog: [
    { providerEvent: 'SMS delivery report (results[].status)', type: 'message.status', channel: 'sms', statuses: INFOBIP_STATUSES },
    { providerEvent: 'inbound SMS (results[].text)', type: 'message.inbound', channel: 'sms' },
  ],
  normalize: (request, context) => normalize(request.body, context),
  statusOf: statusOfProviderStatus(INFOBIP_STATUSES, infobipStatusKey),
  reply: jsonAckReply,
};
