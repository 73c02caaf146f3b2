/**
 * Sinch SMS REST API callbacks: delivery reports and inbound (MO) messages, one JSON object per POST, told apart by
 * `type`:
 *
 * ```
 * recipient_delivery_report_sms|mms ──► message.status, one recipient  (messageId `{batch_id}:{recipient key}`)
 * delivery_report_sms|mms          ──► message.status per recipient of each `statuses[]` entry (a batch)
 * mo_text | mo_binary | mo_media   ──► message.inbound                (messageId = `id`)
 * anything else                    ──► provider.unknown                (Sinch's SDK throws on it; we keep it)
 * ```
 *
 * ```json
 * {"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference",
 *  "code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered",
 *  "type":"recipient_delivery_report_sms"}
 * ```
 *
 * Proof of origin: HMAC-SHA256 (the service plan's webhook secret in `signingKeys`) over `body.nonce.timestamp`,
 * base64 in `x-sinch-webhook-signature`, with `x-sinch-webhook-signature-nonce` and `-timestamp` (checked against
 * the tolerance: Sinch's SDK never does). Sinch retries only 5xx and 429 and drops any other 4xx for good, so every
 * failure of ours is a 5xx (the platform's 503); a 401 is only for a request that is not Sinch's.
 *
 * Choices where the docs are silent:
 * - A message is one batch and one recipient: `{batch_id}:{recipient}`, the recipient as Sinch writes it
 *   (international digits, no `+`). A batch id alone names every recipient's message at once.
 * - A recipient report's time is `operator_status_at` (the operator's), else `at` (when Sinch made the report); both
 *   carry `Z`. Its identity: batch, recipient, status, code and `at` (a retry repeats the body).
 * - A batch summary (`delivery_report_*`) has no time of its own: its events take the receipt time. Each recipient of
 *   each status entry is its own event; an entry without `recipients` (a `summary` report) names no message and is
 *   kept as `provider.unknown` with its counts. One malformed entry or recipient is kept as `provider.unknown`
 *   with its error while the rest go through.
 * - `Dispatched` may be skipped (Sinch's docs); ranks make `Queued` → `Delivered` and any late `Dispatched` end in
 *   `delivered` whatever the order.
 * - `code` 0, 400 (Queued) and 401 (Dispatched) are not errors; any other becomes `error`, with Sinch's name for its
 *   own 4xx codes ({@link SINCH_CODES}); SMPP and MMS codes travel without a name.
 */
import { recipientMessageIdOf } from './recipients';
import * as z from 'zod/mini';
import type { Channel, NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { bodyNonceTimestamp } from '../origin/payloads';
import { hmacScheme } from '../origin/schemes/hmac';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import {
  catalogOf,
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
  type EventKind,
  int,
  atLeast,
  atMost,
  orNull,
} from './common';
import type { NormalizeContext, Normalized, ProviderAdapter, WebhookRequest } from './types';

const PROVIDER = 'sinch-sms';

/** Sinch's HMAC scheme, configured per service plan through the account manager. */
export const sinchSignature = hmacScheme({
  header: 'x-sinch-webhook-signature',
  algorithm: 'sha256',
  encoding: 'base64',
  payload: bodyNonceTimestamp,
  nonceHeader: 'x-sinch-webhook-signature-nonce',
  timestamp: { header: 'x-sinch-webhook-signature-timestamp', unit: 's' },
  fixedHeaders: { 'x-sinch-webhook-signature-algorithm': 'HmacSHA256' },
  name: 'hmac-sha256 x-sinch-webhook-signature',
});

/**
 * Delivery report `status` → canonical status. Aborted (never reached the SMSC: Sinch's codes 402..412), Cancelled
 * (by us, before the SMSC) and Deleted (removed by a remote SMSC) all mean it will not arrive: `failed`. Unknown is
 * Sinch's "delivered to the SMSC but no receipt came, or one that could not be read": canonical `unknown` (final; a
 * real outcome arriving later still outranks it).
 */
export const SINCH_STATUSES = {
  Queued: 'queued',
  Dispatched: 'sent',
  Aborted: 'failed',
  Cancelled: 'failed',
  Rejected: 'rejected',
  Deleted: 'failed',
  Delivered: 'delivered',
  Failed: 'failed',
  Expired: 'expired',
  Unknown: 'unknown',
} as const satisfies Record<string, CanonicalStatus>;

/** Sinch's own delivery report codes (the REST API's 4xx range, "Delivery report error codes"). */
export const SINCH_CODES: Readonly<Record<string, string>> = {
  '0': 'Delivered',
  '400': 'Queued',
  '401': 'Dispatched',
  '402': 'Message unroutable',
  '403': 'Internal error',
  '404': 'Temporary delivery failure',
  '405': 'Unmatched Parameter',
  '406': 'Internal Expiry',
  '407': 'Cancelled',
  '408': 'Internal Reject',
  '410': 'Unmatched default originator',
  '411': 'Exceeded parts limit',
  '412': 'Unprovisioned region',
};

/** Codes that report progress, not a failure. */
const NOT_ERRORS: ReadonlySet<string> = new Set(['0', '400', '401']);

/** Recipients per batch summary Sinch could name; a batch has at most 1,000 recipients. The body cap holds anyway. */
const MAX_ITEMS = 10_000;

// ── schemas ─────────────────────────────────────────────────────────────────────────────────────────────────────

const text = (max: number) => z.string().check(z.maxLength(max));
/** Text that builds an event id or a message id: also well-formed Unicode ({@link wellFormed}). */
const key = (max: number) => z.string().check(z.minLength(1), z.maxLength(max), wellFormed());
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(orNull(schema));
const code = int().check(atLeast(0));

const RecipientReportSchema = z.object({
  type: text(64),
  batch_id: key(64),
  recipient: key(64),
  status: key(32),
  code: opt(code),
  at: opt(text(64)),
  operator_status_at: opt(text(64)),
  client_reference: opt(text(2048)),
  encoding: opt(text(32)),
  number_of_message_parts: opt(int().check(atLeast(1), atMost(255))),
  operator: opt(text(64)),
  applied_originator: opt(text(64)),
});

const SummarySchema = z.object({
  type: text(64),
  batch_id: key(64),
  total_message_count: opt(int().check(atLeast(0))),
  client_reference: opt(text(2048)),
  statuses: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_ITEMS)),
});

const StatusEntrySchema = z.object({
  status: key(32),
  code: opt(code),
  count: opt(int().check(atLeast(0))),
  recipients: opt(z.array(z.unknown()).check(z.maxLength(MAX_ITEMS))),
});

const MoSchema = z.object({
  type: text(64),
  id: key(128),
  from: key(64),
  to: opt(key(64)),
  body: opt(z.unknown()),
  udh: opt(text(512)),
  operator_id: opt(text(64)),
  sent_at: opt(text(64)),
  received_at: opt(text(64)),
  client_reference: opt(text(2048)),
});

// ── normalization ───────────────────────────────────────────────────────────────────────────────────────────────

/** Drops undefined and null values, so absent fields stay absent in the event. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const name of Object.keys(fields) as Array<keyof T>) if (fields[name] !== undefined && fields[name] !== null) out[name] = fields[name];
  return out;
}

const party = (value: string | null | undefined) => (value ? toParty(value, { kind: 'international' }) : undefined);

const channelOf = (type: string): Channel => (type.endsWith('_mms') || type === 'mo_media' ? 'mms' : 'sms');

function errorOf(codeValue: number | null | undefined): NormalizedEvent['error'] {
  if (codeValue === undefined || codeValue === null) return undefined;
  const value = String(codeValue);
  return NOT_ERRORS.has(value) ? undefined : defined({ code: value, message: SINCH_CODES[value] });
}

/** What a report says of one recipient, whichever report it came in. */
interface RecipientStatus {
  readonly type: string;
  readonly batchId: string;
  readonly recipient: string;
  readonly status: string;
  readonly code?: number | null;
  readonly clientReference?: string | null;
}

function statusEvent(
  report: RecipientStatus,
  identity: ReadonlyArray<string | undefined>,
  time: { occurredAt?: string; occurredAtRaw?: string },
  data: Record<string, unknown>,
  raw: unknown,
  context: NormalizeContext,
): NormalizedEvent {
  const { status, final } = mapStatus(SINCH_STATUSES, report.status);
  const codeText = report.code === undefined || report.code === null ? undefined : String(report.code);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, ...identity, report.batchId, report.recipient, report.status, codeText),
      provider: PROVIDER,
      channel: channelOf(report.type),
      type: 'message.status',
      messageId: recipientMessageIdOf(report.batchId, report.recipient),
      status,
      final,
      providerStatus: report.status,
      ...defined({ error: errorOf(report.code), recipient: party(report.recipient) }),
      ...time,
      data: defined({ batchId: report.batchId, code: codeText, clientReference: report.clientReference ?? undefined, ...data }),
      raw,
    },
    context,
  );
}

function recipientReport(body: Record<string, unknown>, context: NormalizeContext): NormalizedEvent[] {
  const report = validate(RecipientReportSchema, body);
  const operatorAt = providerTime(report.operator_status_at, context, 'operator_status_at');
  const at = providerTime(report.at, context, 'at');
  const time = operatorAt
    ? { occurredAt: operatorAt, occurredAtRaw: report.operator_status_at ?? undefined }
    : at
      ? { occurredAt: at, occurredAtRaw: report.at ?? undefined }
      : {};
  const event = statusEvent(
    {
      type: report.type,
      batchId: report.batch_id,
      recipient: report.recipient,
      status: report.status,
      code: report.code,
      clientReference: report.client_reference,
    },
    ['recipient', report.at ?? undefined],
    time,
    defined({
      at: report.at,
      operatorStatusAt: report.operator_status_at,
      encoding: report.encoding,
      operator: report.operator,
      appliedOriginator: report.applied_originator,
    }),
    body,
    context,
  );
  return [report.number_of_message_parts ? { ...event, segments: report.number_of_message_parts } : event];
}

/** One recipient of one status entry of a batch summary, or an entry that names no recipient. */
interface SummaryItem {
  readonly entry: unknown;
  readonly entryIndex: number;
  readonly recipient?: unknown;
  readonly recipientIndex?: number;
}

function batchSummary(body: Record<string, unknown>, context: NormalizeContext): NormalizedEvent[] {
  const summary = validate(SummarySchema, body);
  const items: SummaryItem[] = summary.statuses.flatMap((entry, entryIndex) => {
    const recipients = StatusEntrySchema.safeParse(entry).data?.recipients;
    return recipients && recipients.length > 0
      ? recipients.map((recipient, recipientIndex) => ({ entry, entryIndex, recipient, recipientIndex }))
      : [{ entry, entryIndex }];
  });
  const shared = defined({ totalMessageCount: summary.total_message_count });
  const channel = channelOf(summary.type);
  return normalizeBatch(
    items,
    (item) => {
      const path = `statuses.${item.entryIndex}`;
      const entry = validate(StatusEntrySchema, item.entry, path);
      if (item.recipientIndex === undefined) {
        // A summary entry: counts of a status, no message to put them on.
        return makeEvent(
          {
            eventId: eventIdOf(PROVIDER, 'summary', summary.batch_id, entry.status, String(entry.code ?? ''), String(entry.count ?? '')),
            provider: PROVIDER,
            channel,
            type: 'provider.unknown',
            data: defined({ batchId: summary.batch_id, status: entry.status, code: entry.code, count: entry.count, ...shared }),
            raw: item.entry,
          },
          context,
        );
      }
      const recipient = validate(key(64), item.recipient, `${path}.recipients.${item.recipientIndex}`);
      return statusEvent(
        {
          type: summary.type,
          batchId: summary.batch_id,
          recipient,
          status: entry.status,
          code: entry.code,
          clientReference: summary.client_reference,
        },
        ['summary'],
        {},
        defined({ ...shared, count: entry.count }),
        // Raw: the report cut down to this recipient, itself a valid body that normalizes to this same event.
        defined({
          type: summary.type,
          batch_id: summary.batch_id,
          client_reference: summary.client_reference,
          total_message_count: summary.total_message_count,
          statuses: [defined({ status: entry.status, code: entry.code, count: entry.count, recipients: [recipient] })],
        }),
        context,
      );
    },
    (item, error) =>
      invalidItemEvent({ provider: PROVIDER, channel, raw: item.recipient ?? item.entry, data: { batchId: summary.batch_id } }, error, context),
  );
}

function inbound(body: Record<string, unknown>, context: NormalizeContext): NormalizedEvent[] {
  const message = validate(MoSchema, body);
  const received = providerTime(message.received_at, context, 'received_at');
  const sent = providerTime(message.sent_at, context, 'sent_at');
  const time = received
    ? { occurredAt: received, occurredAtRaw: message.received_at ?? undefined }
    : sent
      ? { occurredAt: sent, occurredAtRaw: message.sent_at ?? undefined }
      : {};
  return [
    makeEvent(
      {
        eventId: eventIdOf(PROVIDER, 'inbound', message.id),
        provider: PROVIDER,
        channel: channelOf(message.type),
        type: 'message.inbound',
        messageId: message.id,
        sender: toParty(message.from, { kind: 'international' }),
        ...defined({ recipient: party(message.to) }),
        ...time,
        data: defined({
          type: message.type,
          body: message.body,
          udh: message.udh,
          operatorId: message.operator_id,
          sentAt: message.sent_at,
          receivedAt: message.received_at,
          clientReference: message.client_reference,
        }),
        raw: body,
      },
      context,
    ),
  ];
}

/** A `type` this adapter does not know: kept whole, its identity its exact text. */
function unknownEvent(body: Record<string, unknown>, context: NormalizeContext, bodyText: string): NormalizedEvent[] {
  const type = typeof body.type === 'string' && body.type.length <= 64 ? body.type : undefined;
  return [
    makeEvent(
      {
        eventId: eventIdOf(PROVIDER, 'unknown', bodyText),
        provider: PROVIDER,
        channel: 'sms',
        type: 'provider.unknown',
        ...(type ? { data: { type } } : {}),
        raw: body,
      },
      context,
    ),
  ];
}

type SinchKind = EventKind<(body: Record<string, unknown>, context: NormalizeContext) => NormalizedEvent[]>;

/** The documented callbacks by `type`: the dispatch table and the catalog. A Map, so `constructor` finds nothing. */
const EVENT_KINDS: ReadonlyMap<string, SinchKind> = new Map<string, SinchKind>([
  [
    'recipient_delivery_report_sms',
    {
      normalize: recipientReport,
      catalog: [{ providerEvent: 'recipient_delivery_report_sms', type: 'message.status', channel: 'sms', statuses: SINCH_STATUSES }],
    },
  ],
  [
    'recipient_delivery_report_mms',
    {
      normalize: recipientReport,
      catalog: [{ providerEvent: 'recipient_delivery_report_mms', type: 'message.status', channel: 'mms', statuses: SINCH_STATUSES }],
    },
  ],
  [
    'delivery_report_sms',
    {
      normalize: batchSummary,
      catalog: [{ providerEvent: 'delivery_report_sms (per recipient)', type: 'message.status', channel: 'sms', statuses: SINCH_STATUSES }],
    },
  ],
  [
    'delivery_report_mms',
    {
      normalize: batchSummary,
      catalog: [{ providerEvent: 'delivery_report_mms (per recipient)', type: 'message.status', channel: 'mms', statuses: SINCH_STATUSES }],
    },
  ],
  ['mo_text', { normalize: inbound, catalog: [{ providerEvent: 'mo_text', type: 'message.inbound', channel: 'sms' }] }],
  ['mo_binary', { normalize: inbound, catalog: [{ providerEvent: 'mo_binary', type: 'message.inbound', channel: 'sms' }] }],
  ['mo_media', { normalize: inbound, catalog: [{ providerEvent: 'mo_media', type: 'message.inbound', channel: 'mms' }] }],
]);

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const parsed = parseJson(request.body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('expected object');
  const body = parsed as Record<string, unknown>;
  const type = Object.hasOwn(body, 'type') ? body.type : undefined;
  if (typeof type !== 'string') throw new ValidationError('expected string', 'type');
  const kind = EVENT_KINDS.get(type);
  return { events: kind ? kind.normalize(body, context) : unknownEvent(body, context, request.body) };
}

/** Sinch SMS REST API delivery reports and inbound messages. */
export const sinchSms: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Sinch SMS',
  authentication: 'signature',
  origin: [sinchSignature],
  defaultTimeZone: 'UTC',
  catalog: catalogOf(EVENT_KINDS),
  normalize,
  statusOf: statusOfProviderStatus(SINCH_STATUSES),
  reply: jsonAckReply,
};
