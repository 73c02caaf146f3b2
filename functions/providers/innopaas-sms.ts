/**
 * InnoPaaS SMS (the "253" platform of its parent, Chuanglan): the status report push. One flat JSON object per
 * POST, carrying the receiving credentials we configured (`receiver`, `pswd`) beside the report:
 *
 * ```json
 * { "receiver": "acme", "pswd": "…", "msgid": "24011510301234567", "batchSeq": "b-20240115-01", "uid": "order-42",
 *   "mobile": "6281234567890", "status": "DELIVRD", "statusDesc": "delivered", "reportTime": "1705314660000",
 *   "notifyTime": "1705314661000", "requestTime": "1705314600000", "fee": "0.0350", "unitPrice": "0.0350",
 *   "currency": "USD", "smsNum": "1", "mcc": "510", "mnc": "10", "mnoName": "Telkomsel" }
 * ```
 *
 * The parent platform's older form is a GET with the same names in the query (`receiver`, `pswd`, `msgid`,
 * `reportTime` as `yyMMddHHmm`, `notifyTime` as `yyMMddHHmmss`, `status`, `batchSeq`), which must be answered with
 * the plain text `OK`. Both are accepted, and both are answered `OK` (the JSON push needs only a 200).
 *
 * Choices where the docs are silent:
 * - `status` is the SMPP word: `DELIVRD` is delivered and "every other value means failure", so a code this table
 *   does not name is `failed` (final), with the code as the error; the SMPP words it does name keep their meaning.
 * - The `messageId` is `msgid`. A submission to several numbers may share one `msgid`; each number's report is still
 *   its own event (the event id includes `mobile`, and `recipient` names it), but the stored status of the `msgid`
 *   is the newest final one. A `msgid:mobile` id would keep one status per number, at the price of a whole phone
 *   number in every message id, and so in the ingest's log lines, which must never carry one.
 * - The epoch-millisecond times are instants: `reportTime` (else `notifyTime`) is `occurredAt`. The GET form's
 *   `yyMMddHHmm` times have no zone and a two-digit year: they stay raw in `data`, and `occurredAt` is the receipt time.
 * - `fee` (else `unitPrice`) with `currency` is the `price`; `smsNum` the `segments`; `mcc`, `mnc` and `mnoName`
 *   the `network`. A value that does not fit is kept in `data` and `raw`, never a reason to refuse a report.
 * - The credentials never leave the ingest: `receiver` and `pswd` are removed from `raw`. A wrong or missing pair
 *   is a 401 from the `bodyCredentials` scheme before this adapter runs.
 * - InnoPaaS tries three times, a minute apart: our failures are 5xx, as everywhere.
 */
import * as z from 'zod/mini';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { bodyCredentials } from '../origin/schemes/static';
import { formRecord } from '../origin/form';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { makeEvent, mapStatus, parseJson, plainTextAckReply, statusOfProviderStatus, validate } from './common';
import { INNOPAAS_TIME_ZONE, id, innopaasTime, keyString, opt, phone, stringish, text, withoutUndefined } from './innopaas';
import { decimalOf, priceOf } from './price';
import type { NormalizeContext, Normalized, ProviderAdapter, WebhookRequest } from './types';

const PROVIDER = 'innopaas-sms';

/** The body fields that carry our receiving credentials (the `bodyCredentials` keys); `pswd` is a secret. */
export const INNOPAAS_SMS_CREDENTIAL_FIELDS = ['receiver', 'pswd'] as const;

/** The row for every status code not listed: the docs call every value but `DELIVRD` a failure. */
export const ANY_OTHER_CODE = '(any other code)';

/** `status` → canonical status. */
export const INNOPAAS_SMS_STATUSES = {
  DELIVRD: 'delivered',
  EXPIRED: 'expired',
  UNDELIV: 'undelivered',
  REJECTD: 'rejected',
  DELETED: 'failed',
  [ANY_OTHER_CODE]: 'failed',
} as const satisfies Record<string, CanonicalStatus>;

/** The row of {@link INNOPAAS_SMS_STATUSES} for a status code. */
export function innopaasSmsStatusKey(status: string): string {
  return Object.hasOwn(INNOPAAS_SMS_STATUSES, status) ? status : ANY_OTHER_CODE;
}

/** A price as a decimal string or a JSON number, read as its decimal text ({@link decimalOf}); unreadable ones as sent. */
const amount = () =>
  z.pipe(
    z.union([z.number(), text(32)]),
    z.transform((value: number | string) => (typeof value === 'number' ? (decimalOf(value) ?? String(value)) : value)),
  );

const ReportSchema = z.object({
  msgid: id(),
  // Part of the event id.
  status: keyString(1, 64),
  mobile: opt(phone()),
  statusDesc: opt(text(1024)),
  batchSeq: opt(stringish(0, 256)),
  uid: opt(stringish(0, 256)),
  reportTime: opt(stringish(1, 64)),
  notifyTime: opt(stringish(1, 64)),
  requestTime: opt(stringish(1, 64)),
  fee: opt(amount()),
  unitPrice: opt(amount()),
  currency: opt(text(16)),
  smsNum: opt(stringish(0, 8)),
  mcc: opt(stringish(0, 8)),
  mnc: opt(stringish(0, 8)),
  mnoName: opt(text(256)),
});
type Report = z.infer<typeof ReportSchema>;

/** The GET form's compact `yyMMddHHmm` / `yyMMddHHmmss`: no zone, two-digit year. */
const COMPACT_TIME = /^\d{10}(\d{2})?$/;

/** An epoch-millisecond time as ISO-8601 UTC; a compact zone-less one as `undefined` (kept raw); else a 400. */
function timeOf(raw: string | undefined, context: NormalizeContext, field: string): string | undefined {
  if (raw === undefined || COMPACT_TIME.test(raw)) return undefined;
  return innopaasTime(raw, context, field);
}

/** `fee` (what this report's message cost) else `unitPrice`, in `currency`. */
const pricing = (report: Report) => priceOf(report.fee ?? report.unitPrice, report.currency);

function networkOf(report: Report): NormalizedEvent['network'] {
  const network = withoutUndefined({
    mcc: report.mcc && /^\d{3}$/.test(report.mcc) ? report.mcc : undefined,
    mnc: report.mnc && /^\d{2,3}$/.test(report.mnc) ? report.mnc : undefined,
    carrier: report.mnoName,
  });
  return Object.keys(network).length > 0 ? network : undefined;
}

function segmentsOf(smsNum: string | undefined): number | undefined {
  const n = Number(smsNum);
  return smsNum !== undefined && Number.isInteger(n) && n >= 1 && n <= 255 ? n : undefined;
}

const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(INNOPAAS_SMS_CREDENTIAL_FIELDS);

/**
 * The report without our receiving credentials: events are stored and fanned out, the password must not be, and
 * the same report must be the same event whichever credentials (rotated, or none in a test) it came with.
 */
function withoutCredentials(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!CREDENTIAL_FIELDS.has(key)) out[key] = value;
  return out;
}

function reportEvent(fields: Record<string, unknown>, context: NormalizeContext): NormalizedEvent {
  const report = validate(ReportSchema, fields);
  const { status, final } = mapStatus(INNOPAAS_SMS_STATUSES, innopaasSmsStatusKey(report.status));
  const timeField = report.reportTime !== undefined ? 'reportTime' : 'notifyTime';
  const occurredAt = timeOf(report[timeField], context, timeField);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, report.msgid, report.mobile, report.status, report.reportTime),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.status',
      messageId: report.msgid,
      status,
      final,
      providerStatus: report.status,
      ...withoutUndefined({
        error: status === 'delivered' ? undefined : withoutUndefined({ code: report.status, message: report.statusDesc }),
        recipient: report.mobile ? toParty(report.mobile) : undefined,
        segments: segmentsOf(report.smsNum),
        price: pricing(report),
        network: networkOf(report),
      }),
      occurredAt,
      occurredAtRaw: report[timeField],
      data: withoutUndefined({
        msgid: report.msgid,
        batchSeq: report.batchSeq,
        uid: report.uid,
        statusDesc: report.statusDesc,
        reportTime: occurredAt === undefined ? report.reportTime : undefined,
        notifyTime: report.notifyTime,
        requestTime: report.requestTime,
        fee: report.fee,
        unitPrice: report.unitPrice,
        currency: report.currency,
        smsNum: report.smsNum,
      }),
      raw: withoutCredentials(fields),
    },
    context,
  );
}

/** The report's fields: the JSON object of a POST, or the query of a GET (a form-encoded POST is read the same). */
function fieldsOf(request: WebhookRequest): Record<string, unknown> {
  if (request.method === 'GET' || request.contentType === 'application/x-www-form-urlencoded') {
    if (request.params.length === 0) throw new ValidationError('no query parameters');
    return { ...formRecord(request.params) };
  }
  const parsed = parseJson(request.body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('expected object');
  return parsed as Record<string, unknown>;
}

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  return { events: [reportEvent(fieldsOf(request), context)] };
}

/** The plain `OK` the platform's GET form requires (and the JSON push accepts), once the report is queued. */
export const innopaasSmsReply = plainTextAckReply('OK');

/** InnoPaaS SMS status reports, JSON POST or GET, authenticated by the credentials inside them. */
export const innopaasSms: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'InnoPaaS SMS',
  authentication: 'body-credentials',
  origin: [bodyCredentials],
  methods: ['GET', 'POST'],
  defaultTimeZone: INNOPAAS_TIME_ZONE,
  catalog: [{ providerEvent: 'status report push', type: 'message.status', channel: 'sms', statuses: INNOPAAS_SMS_STATUSES }],
  normalize,
  statusOf: statusOfProviderStatus(INNOPAAS_SMS_STATUSES, innopaasSmsStatusKey),
  reply: innopaasSmsReply,
};
