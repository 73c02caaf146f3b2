/**
 * AWS End User Messaging SMS (formerly Pinpoint SMS and Voice v2). AWS does not call a webhook: events reach the
 * record ingest (`functions/ingest/createRecordIngestHandler.ts`) from EventBridge or from an SNS topic, under IAM.
 *
 * ```
 * EventBridge  source aws.sms-voice, detail-type "Text Message Delivery Status Updated" ─┐
 *                                   "Media Message Delivery Status Updated"              ├─► message.status
 * SNS          configuration-set event destination: the same SMS event record as Message ┘   (messageId = messageId)
 * SNS          two-way SMS topic: { originationNumber, destinationNumber, messageBody, inboundMessageId, … }
 *                                                                                         ──► message.inbound
 * anything else (voice events, Registration Status Change, an unknown eventType) ──► provider.unknown, kept
 * ```
 *
 * The SMS event record (AWS End User Messaging user guide, "SMS events"):
 *
 * ```json
 * { "eventType": "TEXT_SUCCESSFUL", "eventVersion": "1.0", "eventTimestamp": 1686975103470, "isFinal": true,
 *   "originationPhoneNumber": "+12065550152", "destinationPhoneNumber": "+14255550156", "mcc": "310", "mnc": "800",
 *   "messageId": "862a8790-60c0-4430-9b2b-658bdexample", "messageStatus": "SUCCESSFUL",
 *   "messageStatusDescription": "Message has been accepted by phone carrier", "totalMessageParts": 1,
 *   "totalMessagePrice": 0.09582, "totalCarrierFee": 0.0 }
 * ```
 *
 * Choices where the docs are silent or thin:
 * - **`isFinal` decides finality.** Each event type has the status it means when AWS says it is final and the one
 *   it means while AWS still tries ({@link AWS_SMS_EVENT_STATUSES}). `TEXT_SUCCESSFUL` ("accepted by the recipient's
 *   carrier") is `delivered` when final and `sent` otherwise (GC Notify reads it the same way); a failure type that
 *   is not final (a carrier unreachable for now) is `sending`, since AWS is still trying and a later outcome follows.
 * - `TEXT_UNKNOWN` / `messageStatus: UNKNOWN` is AWS's "no final carrier event within 72 hours": the canonical
 *   `unknown`, final (a real outcome arriving later still outranks it).
 * - Failures are told apart by event type, never by `messageStatusDescription` (GC Notify matches description
 *   substrings, and one of its branches can never match): the description is kept as `error.message`.
 * - `eventId` is `messageId` + `eventType` + `eventTimestamp`, not EventBridge's or SNS's id: the same event reaching
 *   us by both routes, or twice by one, is one event.
 * - Times are epoch milliseconds (numbers), UTC by definition. Two-way SMS carry no time: `occurredAt` is SNS's
 *   `Timestamp` (unconfirmed: none is listed, the topic's own time is the closest fact).
 * - Price: `totalMessagePrice` (a JSON number) in USD, written as a decimal string; the older
 *   `priceInMillicentsUSD` (an integer of 1/1000 US cents) when it is the only one (unconfirmed that this API still
 *   sends it; Pinpoint's events did). `totalCarrierFee` is kept in `data`.
 * - Network: `mcc`, `mnc`, `carrierName`, `isoCountryCode`; a value not of the documented form stays in `data` only.
 * - `TEXT_ALL` and `MEDIA_ALL` are filters of an event destination, not events; `TEXT_SENT` is listed as an event
 *   but "not supported as a filter": mapped to `sent` anyway.
 * - `MEDIA_*` events are the MMS counterpart: channel `mms`. `VOICE_*` events have no channel here: kept as
 *   `provider.unknown` with their event type.
 * - A record inside a well-formed EventBridge event or SNS notification that is not what AWS documents (no
 *   `messageId`, say) is kept as `provider.unknown` with its error, never dropped: AWS would only resend it.
 */
import * as z from 'zod/mini';
import type { NormalizedEvent } from '../events/schema';
import { STATUS_TABLE, UNMAPPED_STATUS, type CanonicalStatus } from '../events/status';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { epochMsToUtcIso } from '../core/time';
import { invalidItemEvent, jsonAckReply, makeEvent, validate, wellFormed } from './common';
import { normalizeRecordsText, snsMessageObject } from './records';
import type { CatalogEntry, MappedStatus, NormalizeContext, Normalized, ProviderAdapter, SnsRecord, SourceRecord } from './types';

const PROVIDER = 'aws-eum-sms';

/** The EventBridge `source` of AWS End User Messaging SMS and Voice. */
export const SMS_VOICE_EVENT_SOURCE = 'aws.sms-voice';

/** The detail-types whose `detail` is an SMS event record (the rule matches only these). */
export const SMS_DETAIL_TYPES = ['Text Message Delivery Status Updated', 'Media Message Delivery Status Updated'] as const;

/** What an event type means: its status when `isFinal` is true, and while AWS still tries. */
interface EventMeaning {
  readonly final: CanonicalStatus;
  readonly interim: CanonicalStatus;
}

const progress = (status: CanonicalStatus): EventMeaning => ({ final: status, interim: status });
/** An outcome that is final when AWS says so; before that, AWS is still trying. */
const outcome = (status: CanonicalStatus): EventMeaning => ({ final: status, interim: 'sending' });

/**
 * Every SMS and MMS event type of `EventDestination.MatchingEventTypes` (SMS and Voice v2 API reference) except
 * the `*_ALL` filters → its meaning.
 */
export const AWS_SMS_EVENT_STATUSES: Readonly<Record<string, EventMeaning>> = {
  TEXT_QUEUED: progress('queued'),
  TEXT_PENDING: progress('sending'),
  TEXT_SENT: progress('sent'),
  TEXT_SUCCESSFUL: { final: 'delivered', interim: 'sent' },
  TEXT_DELIVERED: progress('delivered'),
  TEXT_INVALID: outcome('rejected'),
  TEXT_INVALID_MESSAGE: outcome('rejected'),
  TEXT_UNREACHABLE: outcome('undelivered'),
  TEXT_CARRIER_UNREACHABLE: outcome('undelivered'),
  TEXT_BLOCKED: outcome('undelivered'),
  TEXT_CARRIER_BLOCKED: outcome('undelivered'),
  TEXT_SPAM: outcome('rejected'),
  TEXT_PROTECT_BLOCKED: outcome('rejected'),
  TEXT_TTL_EXPIRED: outcome('expired'),
  TEXT_UNKNOWN: progress('unknown'),
  MEDIA_QUEUED: progress('queued'),
  MEDIA_PENDING: progress('sending'),
  MEDIA_SUCCESSFUL: { final: 'delivered', interim: 'sent' },
  MEDIA_DELIVERED: progress('delivered'),
  MEDIA_INVALID: outcome('rejected'),
  MEDIA_INVALID_MESSAGE: outcome('rejected'),
  MEDIA_UNREACHABLE: outcome('undelivered'),
  MEDIA_CARRIER_UNREACHABLE: outcome('undelivered'),
  MEDIA_BLOCKED: outcome('undelivered'),
  MEDIA_CARRIER_BLOCKED: outcome('undelivered'),
  MEDIA_SPAM: outcome('rejected'),
  MEDIA_UNKNOWN: progress('unknown'),
  MEDIA_TTL_EXPIRED: outcome('expired'),
  MEDIA_FILE_INACCESSIBLE: outcome('rejected'),
  MEDIA_FILE_TYPE_UNSUPPORTED: outcome('rejected'),
  MEDIA_FILE_SIZE_EXCEEDED: outcome('rejected'),
};

/** The canonical status of an event type given `isFinal`, or `undefined` for a type not in the table. */
export function statusOfSmsEvent(eventType: string, isFinal: boolean | undefined): CanonicalStatus | undefined {
  const meaning = Object.hasOwn(AWS_SMS_EVENT_STATUSES, eventType) ? AWS_SMS_EVENT_STATUSES[eventType] : undefined;
  if (!meaning) return undefined;
  // Without `isFinal` (never seen; every documented record has it) the type's own meaning stands.
  return isFinal === false ? meaning.interim : meaning.final;
}

/**
 * The status and finality an SMS event record is recorded with: an event type not in the table is `unknown`,
 * non-final, like any unmapped status. `statusOf` derives it again from a recorded event.
 */
export function mappedSmsEvent(eventType: string, isFinal: boolean | undefined): MappedStatus {
  const status = statusOfSmsEvent(eventType, isFinal);
  return status === undefined ? { ...UNMAPPED_STATUS } : { status, final: STATUS_TABLE[status].final };
}

/** A recorded status event's status again: its event type (`providerStatus`) and `isFinal`, as `data` keeps it. */
function statusOf(event: NormalizedEvent): MappedStatus | undefined {
  // `data` as smsEvent writes it always names the event type; without it, isFinal cannot be told either.
  if (event.providerStatus === undefined || typeof event.data?.eventType !== 'string') return undefined;
  const isFinal = event.data.isFinal;
  return mappedSmsEvent(event.providerStatus, typeof isFinal === 'boolean' ? isFinal : undefined);
}

const FAILURES: ReadonlySet<CanonicalStatus> = new Set(['rejected', 'undelivered', 'expired', 'failed']);

const text = (max = 1024) => z.string().check(z.maxLength(max));
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(z.nullable(schema));
const id = () => z.string().check(z.minLength(1), z.maxLength(256), wellFormed());
const phone = () => z.string().check(z.maxLength(128), wellFormed());
const epochMs = () => z.number().check(z.nonnegative());

const SmsEventSchema = z.object({
  eventType: z.string().check(z.minLength(1), z.maxLength(64)),
  eventVersion: opt(text(16)),
  eventTimestamp: epochMs(),
  isFinal: opt(z.boolean()),
  originationPhoneNumber: opt(phone()),
  destinationPhoneNumber: opt(phone()),
  isoCountryCode: opt(text(8)),
  isInternationalSend: opt(z.boolean()),
  mcc: opt(text(8)),
  mnc: opt(text(8)),
  carrierName: opt(text(256)),
  messageId: id(),
  messageRequestTimestamp: opt(epochMs()),
  messageEncoding: opt(text(32)),
  messageType: opt(text(32)),
  messageStatus: opt(text(64)),
  messageStatusDescription: opt(text()),
  context: opt(z.record(z.string(), z.unknown())),
  totalMessageParts: opt(z.int().check(z.minimum(0))),
  totalMessagePrice: opt(z.number()),
  totalCarrierFee: opt(z.number()),
  priceInMillicentsUSD: opt(z.number()),
});
type SmsEventRecord = z.infer<typeof SmsEventSchema>;

const InboundSchema = z.object({
  originationNumber: phone().check(z.minLength(1)),
  destinationNumber: opt(phone()),
  messageKeyword: opt(text(256)),
  messageBody: opt(text(16_384)),
  inboundMessageId: id(),
  previousPublishedMessageId: opt(text(256)),
});

/** Drops undefined values, so absent fields stay absent in the event (and in its JSON). */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined && fields[key] !== null) out[key] = fields[key];
  return out;
}

/** A JSON number of dollars as a decimal string (`0.09582`), or `undefined` when it cannot be written as one. */
export function decimalOf(value: number): string | undefined {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e12) return undefined;
  const fixed = value
    .toFixed(12)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
  return fixed === '-0' ? '0' : fixed;
}

/** Integer millicents (1/1000 of a US cent, 1e-5 USD) → dollars as a decimal string, exactly. */
export function millicentsToUsd(millicents: number): string | undefined {
  if (!Number.isSafeInteger(millicents)) return undefined;
  const sign = millicents < 0 ? '-' : '';
  const digits = String(Math.abs(millicents)).padStart(6, '0');
  const dollars = `${digits.slice(0, -5)}.${digits.slice(-5)}`.replace(/0+$/, '').replace(/\.$/, '');
  return `${sign}${dollars}`;
}

function priceOf(record: SmsEventRecord): NormalizedEvent['price'] {
  const amount =
    typeof record.totalMessagePrice === 'number'
      ? decimalOf(record.totalMessagePrice)
      : typeof record.priceInMillicentsUSD === 'number'
        ? millicentsToUsd(record.priceInMillicentsUSD)
        : undefined;
  return amount === undefined ? undefined : { amount, currency: 'USD' };
}

function networkOf(record: SmsEventRecord): NormalizedEvent['network'] {
  const network = defined({
    mcc: record.mcc && /^\d{3}$/.test(record.mcc) ? record.mcc : undefined,
    mnc: record.mnc && /^\d{2,3}$/.test(record.mnc) ? record.mnc : undefined,
    carrier: record.carrierName || undefined,
    country: record.isoCountryCode && /^[A-Z]{2}$/.test(record.isoCountryCode) ? record.isoCountryCode : undefined,
  });
  return Object.keys(network).length > 0 ? network : undefined;
}

const party = (value: string | null | undefined) => (value ? toParty(value, { kind: 'national' }) : undefined);
const channelOf = (eventType: string) => (eventType.startsWith('MEDIA_') ? 'mms' : 'sms');

/** One SMS event record (EventBridge `detail` or an SNS event destination's message) → its event. */
function smsEvent(value: unknown, context: NormalizeContext): NormalizedEvent {
  const record = validate(SmsEventSchema, value);
  const status = statusOfSmsEvent(record.eventType, record.isFinal ?? undefined);
  const occurredAt = epochMsToUtcIso(record.eventTimestamp);
  if (occurredAt === undefined) throw new ValidationError('not a time in epoch milliseconds', 'eventTimestamp');
  const requestedAt = typeof record.messageRequestTimestamp === 'number' ? epochMsToUtcIso(record.messageRequestTimestamp) : undefined;
  const data = defined({
    eventType: record.eventType,
    eventVersion: record.eventVersion,
    isFinal: record.isFinal,
    messageStatus: record.messageStatus,
    messageStatusDescription: record.messageStatusDescription,
    messageType: record.messageType,
    messageEncoding: record.messageEncoding,
    isInternationalSend: record.isInternationalSend,
    requestedAt,
    totalCarrierFee: record.totalCarrierFee,
    context: record.context,
  });
  const base = {
    eventId: eventIdOf(PROVIDER, record.messageId, record.eventType, record.eventTimestamp),
    provider: PROVIDER,
    channel: channelOf(record.eventType),
    messageId: record.messageId,
    providerStatus: record.eventType,
    occurredAt,
    occurredAtRaw: String(record.eventTimestamp),
    raw: value,
    ...defined({
      recipient: party(record.destinationPhoneNumber),
      sender: party(record.originationPhoneNumber),
      segments: record.totalMessageParts && record.totalMessageParts <= 255 ? record.totalMessageParts : undefined,
      price: priceOf(record),
      network: networkOf(record),
    }),
  } as const;
  if (status === undefined && !/^(TEXT|MEDIA)_/.test(record.eventType)) {
    // A voice event (or anything else that is not a message event): kept with what it says.
    return makeEvent({ ...base, type: 'provider.unknown', data }, context);
  }
  const { status: canonical, final } = mappedSmsEvent(record.eventType, record.isFinal ?? undefined);
  return makeEvent(
    {
      ...base,
      type: 'message.status',
      status: canonical,
      final,
      ...(FAILURES.has(canonical) || (status === undefined && record.messageStatusDescription)
        ? { error: defined({ code: record.messageStatus ?? record.eventType, message: record.messageStatusDescription ?? undefined }) }
        : {}),
      data,
    },
    context,
  );
}

/** One two-way SMS (an inbound message on the SNS topic) → `message.inbound`. */
function inboundEvent(value: unknown, record: SnsRecord, context: NormalizeContext): NormalizedEvent {
  const message = validate(InboundSchema, value);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', message.inboundMessageId),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.inbound',
      messageId: message.inboundMessageId,
      sender: toParty(message.originationNumber, { kind: 'national' }),
      ...defined({ recipient: party(message.destinationNumber) }),
      occurredAt: epochMsToUtcIso(Date.parse(record.timestamp)),
      occurredAtRaw: record.timestamp,
      data: defined({
        body: message.messageBody,
        keyword: message.messageKeyword,
        previousPublishedMessageId: message.previousPublishedMessageId,
        topicArn: record.topicArn,
      }),
      raw: value,
    },
    context,
  );
}

/** Something AWS sent that this adapter does not know (a detail-type, an SNS message shape): kept as is. */
function unknownEvent(identity: string, value: unknown, data: Record<string, unknown>, context: NormalizeContext): NormalizedEvent {
  return makeEvent(
    { eventId: eventIdOf(PROVIDER, 'unknown', identity), provider: PROVIDER, channel: 'sms', type: 'provider.unknown', data, raw: value },
    context,
  );
}

const has = (value: Record<string, unknown>, name: string) => Object.hasOwn(value, name);

/** The event of one record; a record AWS documents but whose content is not as documented is kept as invalid. */
function recordEvent(record: SourceRecord, context: NormalizeContext): NormalizedEvent {
  if (record.source === 'eventbridge') {
    const known = record.eventSource === SMS_VOICE_EVENT_SOURCE && (SMS_DETAIL_TYPES as readonly string[]).includes(record.detailType);
    if (!known)
      return unknownEvent(
        record.id,
        record.detail,
        { detailType: record.detailType.slice(0, 128), eventSource: record.eventSource.slice(0, 128) },
        context,
      );
    return keepInvalid(record.detail, () => smsEvent(record.detail, context), context);
  }
  const message = snsMessageObject(record);
  if (has(message, 'eventType')) return keepInvalid(message, () => smsEvent(message, context), context);
  if (has(message, 'inboundMessageId') || has(message, 'originationNumber')) {
    return keepInvalid(message, () => inboundEvent(message, record, context), context);
  }
  return unknownEvent(record.messageId, message, { topicArn: record.topicArn }, context);
}

function keepInvalid(value: unknown, normalize: () => NormalizedEvent, context: NormalizeContext): NormalizedEvent {
  try {
    return normalize();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return invalidItemEvent({ provider: PROVIDER, channel: 'sms', raw: value }, error, context);
  }
}

function normalizeRecord(record: SourceRecord, context: NormalizeContext): Normalized {
  return { events: [recordEvent(record, context)] };
}

const catalogStatuses = (prefix: 'TEXT_' | 'MEDIA_'): Record<string, CanonicalStatus> => {
  const statuses: Record<string, CanonicalStatus> = {};
  for (const [eventType, meaning] of Object.entries(AWS_SMS_EVENT_STATUSES)) {
    if (!eventType.startsWith(prefix)) continue;
    statuses[eventType] = meaning.final;
    if (meaning.interim !== meaning.final) statuses[`${eventType} (isFinal false)`] = meaning.interim;
  }
  return statuses;
};

/**
 * AWS End User Messaging SMS: delivery events from EventBridge or an SNS event destination, two-way SMS from SNS.
 *
 * @example
 * ```ts
 * declare const id: string;
 * declare const time: string;
 * declare const detail: unknown;
 * declare const receivedAt: string;
 * const { events } = awsEumSms.normalizeRecord!({ source: 'eventbridge', id, detailType: 'Text Message Delivery Status Updated',
 *   eventSource: 'aws.sms-voice', time, detail }, { receivedAt, timeZone: 'UTC' });
 * ```
 */
export const awsEumSms: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'AWS End User Messaging SMS',
  authentication: 'iam',
  sources: ['eventbridge', 'sns'],
  eventPattern: { source: [SMS_VOICE_EVENT_SOURCE], 'detail-type': SMS_DETAIL_TYPES },
  defaultTimeZone: 'UTC',
  catalog: [
    {
      providerEvent: 'Text Message Delivery Status Updated / SNS event record',
      type: 'message.status',
      channel: 'sms',
      statuses: catalogStatuses('TEXT_'),
    },
    {
      providerEvent: 'Media Message Delivery Status Updated / SNS event record',
      type: 'message.status',
      channel: 'mms',
      statuses: catalogStatuses('MEDIA_'),
    },
    { providerEvent: 'two-way SMS (SNS)', type: 'message.inbound', channel: 'sms' },
    { providerEvent: 'VOICE_* and other detail-types', type: 'provider.unknown', channel: 'sms' },
  ] satisfies CatalogEntry[],
  normalizeRecord,
  normalize: (request, context) => normalizeRecordsText(normalizeRecord, request, context),
  statusOf,
  reply: jsonAckReply,
};
