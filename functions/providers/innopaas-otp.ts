/**
 * InnoPaaS OTP API status push: a flat JSON object per report, no envelope.
 *
 * ```json
 * { "accountNo": "110129512080522", "appKey": "6285234567899", "messageId": "8618912123456",
 *   "mobile": "861571111111", "status": "2", "code": "success", "errCode": null, "errMessage": null,
 *   "reportTime": "2024-12-12 11:12:12" }
 * ```
 *
 * Choices where the docs are silent:
 * - Required are the fields of the report's identity and meaning: `messageId`, `status`, `reportTime`. The other
 *   fields the doc marks required (`accountNo`, `appKey`, `mobile`, `code`) are type-checked when present but not
 *   demanded, so a delivery report is never refused over a field we only carry along.
 * - `status` and ids may arrive as numbers (`2`); they are read as strings, so `2` and `"2"` are the same event.
 * - `reportTime` has no zone; it is read in `context.timeZone` (Asia/Shanghai unless overridden).
 * - `code` ("success"/"failed") is kept in `data` but not used: the doc's own example pairs `status:"0"` with
 *   `code:"success"`, so it means "request accepted", not "delivered".
 * - A JSON array of reports is accepted (see `itemsOf`), each report on its own: a malformed one among good ones is
 *   kept as `provider.unknown` with its error and the good ones go through; with none usable, a 400 (see
 *   `normalizeItems`). A single report that fails validation is a 400.
 */
import * as z from 'zod/mini';
import type { CanonicalStatus } from '../events/status';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { jsonAckReply, makeEvent, mapStatus, statusOfProviderStatus, validate } from './common';
import {
  INNOPAAS_CREDENTIAL_HEADERS,
  INNOPAAS_TIME_ZONE,
  ID_MAX,
  failureOf,
  id,
  innopaasTime,
  keyString,
  normalizeItems,
  opt,
  phone,
  stringish,
  text,
  timeValue,
  withoutUndefined,
} from './innopaas';
import type { NormalizeContext, Normalized, ProviderAdapter, WebhookRequest } from './types';

const PROVIDER = 'innopaas-otp';

/** OTP `status` → canonical status. "1" failed and "2" success are final; "0" (in progress) is not. */
export const INNOPAAS_OTP_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  '0': 'sending',
  '1': 'failed',
  '2': 'delivered',
};

const ReportSchema = z.object({
  messageId: id(),
  // Part of the event id, so held to the same rule as ids.
  status: keyString(1, 16),
  reportTime: timeValue(),
  mobile: opt(phone()),
  accountNo: opt(stringish(0, ID_MAX)),
  appKey: opt(stringish(0, ID_MAX)),
  code: opt(text(64)),
  errCode: opt(stringish(0, ID_MAX)),
  errMessage: opt(text()),
});

type Report = z.infer<typeof ReportSchema>;

function toEvent(report: Report, raw: unknown, context: NormalizeContext, prefix: string | undefined) {
  const { status, final } = mapStatus(INNOPAAS_OTP_STATUSES, report.status);
  const timeField = prefix === undefined ? 'reportTime' : `${prefix}.reportTime`;
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, report.messageId, report.status, report.reportTime),
      provider: PROVIDER,
      channel: 'otp',
      type: 'message.status',
      messageId: report.messageId,
      status,
      final,
      providerStatus: report.status,
      ...withoutUndefined({
        error: failureOf(status, report.errCode, report.errMessage),
        recipient: report.mobile ? toParty(report.mobile, { kind: 'international' }) : undefined,
      }),
      occurredAt: innopaasTime(report.reportTime, context, timeField),
      occurredAtRaw: report.reportTime,
      data: withoutUndefined({
        accountNo: report.accountNo,
        appKey: report.appKey,
        code: report.code,
      }),
      raw,
    },
    context,
  );
}

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const events = normalizeItems(request.body, { provider: PROVIDER, channel: 'otp', context }, ({ value, prefix }) =>
    toEvent(validate(ReportSchema, value, prefix), value, context, prefix),
  );
  return { events };
}

/** The InnoPaaS OTP adapter: one `message.status` event per status report. */
export const innopaasOtp: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'InnoPaaS OTP API',
  authentication: 'headers',
  credentialHeaders: INNOPAAS_CREDENTIAL_HEADERS,
  defaultTimeZone: INNOPAAS_TIME_ZONE,
  catalog: [{ providerEvent: 'OTP status push', type: 'message.status', channel: 'otp', statuses: INNOPAAS_OTP_STATUSES }],
  normalize,
  statusOf: statusOfProviderStatus(INNOPAAS_OTP_STATUSES),
  reply: jsonAckReply,
};
