/**
 * Kannel: the `dlr-url` an application gives `/cgi-bin/sendsms` (with `dlr-mask`), which Kannel's smsbox calls
 * with GET after substituting its escape codes. The URL is ours to design, so this adapter documents the query
 * parameter names it reads (docs/deploy.md has the URL to configure), one escape code each:
 *
 * | parameter | escape code | meaning |
 * |---|---|---|
 * | `id` | (literal) | your own message id, written into the URL when sending: the `messageId` |
 * | `type` | `%d` | the DLR value (below); required |
 * | `kid` | `%I` | Kannel's internal message id (the `messageId` when `id` is absent) |
 * | `fid` | `%F` | the SMSC's (foreign) message id |
 * | `smsc` | `%i` | the smsc-id the message went through |
 * | `from` / `to` | `%p` / `%P` | sender / receiver |
 * | `ts` | `%T` | the report's time, Unix epoch seconds |
 * | `time` | `%t` | the same as `YYYY-MM-DD HH:MM`, Kannel's local time |
 * | `reply` | `%A` | the SMSC's receipt text (`id:… stat:DELIVRD err:000 …`) |
 * | `kw`, `service`, `account`, `billing`, `meta` | `%k`, `%n`, `%o`, `%B`, `%D` | carried along in `data` |
 *
 * ```
 * GET /webhooks/kannel/<token>?id=order-42&type=1&kid=…&fid=59018505&smsc=smsc01&from=ACME&to=%2B4915752982212
 *     &ts=1705314660&time=2024-01-15+10%3A31&reply=id%3A59018505+sub%3A001+…+stat%3ADELIVRD+err%3A000+text%3A
 * ```
 *
 * Choices where the docs are silent:
 * - `dlr-mask` values ({@link KANNEL_DLR_VALUES}): 1 delivered, 2 undelivered, 16 rejected by the SMSC are final;
 *   4 (queued on the SMSC) and 8 (delivered to the SMSC) both mean the carrier holds the message with no outcome
 *   yet, so both are `sent`, told apart by `providerStatus`. Kannel's internal 34 (expired) and 66 (unknown)
 *   are mapped too; any other value is kept as `unknown`, non-final.
 * - `ts` (`%T`) is an instant and becomes `occurredAt`; `time` (`%t`) has no zone and stays raw in `data`.
 * - An escape code Kannel has no value for is substituted by nothing: an empty parameter is absent.
 * - One message sent in several parts gets a report per part with the same `id`: `fid` tells them apart in the
 *   event id, and they roll up as reports of the one message.
 * - Kannel signs nothing: a URL token in the path proves the origin. The reply is a plain-text `OK`; Kannel reads
 *   no reply body.
 */
import * as z from 'zod/mini';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { epochMsToUtcIso } from '../core/time';
import { makeEvent, mapStatus, plainTextAckReply, statusOfProviderStatus, validate, wellFormed } from './common';
import { EXPLICIT_PREFIX_ONLY, defined, gatewayParams, param, parseReceipt } from './smpp';
import type { NormalizeContext, Normalized, ProviderAdapter } from './types';

const PROVIDER = 'kannel';

/** `%d` (the `dlr-mask` bit that fired) → canonical status. */
export const KANNEL_DLR_VALUES = {
  '1': 'delivered',
  '2': 'undelivered',
  '4': 'sent',
  '8': 'sent',
  '16': 'rejected',
  // Kannel's internal values, with the "not delivered" bit set (0x22, 0x42).
  '34': 'expired',
  '66': 'unknown',
} as const satisfies Record<string, CanonicalStatus>;

/** What each value means in Kannel's words, for `data.meaning`. */
const MEANINGS: Readonly<Record<string, string>> = {
  '1': 'delivered to phone',
  '2': 'not delivered to phone',
  '4': 'queued on SMSC',
  '8': 'delivered to SMSC',
  '16': 'not delivered to SMSC (SMSC reject)',
  '34': 'expired',
  '66': 'unknown',
};

/** Final outcomes that carry the provider's reason as `error`; an unmapped status (unknown, non-final) carries none. */
const FAILURES: ReadonlySet<CanonicalStatus> = new Set(['undelivered', 'rejected', 'expired', 'unknown']);

const text = (max: number) => z.string().check(z.maxLength(max));
const keyText = (max: number) => z.string().check(z.maxLength(max), wellFormed());

const DlrSchema = z.object({
  id: param(keyText(256)),
  type: z.string().check(z.regex(/^\d{1,3}$/)),
  kid: param(keyText(128)),
  fid: param(keyText(128)),
  smsc: param(text(128)),
  from: param(keyText(64)),
  to: param(keyText(64)),
  ts: param(z.string().check(z.regex(/^\d{1,11}$/))),
  time: param(text(32)),
  reply: param(text(1024)),
  kw: param(text(256)),
  service: param(text(256)),
  account: param(text(256)),
  billing: param(text(256)),
  meta: param(text(4096)),
});

/** `ts` (Unix seconds) as ISO-8601 UTC; a value outside the years 1970..9999 is a 400 naming it. */
function epochSeconds(ts: string | undefined): string | undefined {
  if (ts === undefined) return undefined;
  const iso = epochMsToUtcIso(Number(ts) * 1000);
  if (iso === undefined) throw new ValidationError('not a Unix time in seconds', 'ts');
  return iso;
}

function dlrEvent(params: Record<string, string | string[]>, context: NormalizeContext): NormalizedEvent {
  const dlr = validate(DlrSchema, params);
  const messageId = dlr.id ?? dlr.kid;
  if (messageId === undefined) throw new ValidationError('missing: put your message id (id=…) or kid=%I in the dlr-url', 'id');
  // "01" and 1 are the same value.
  const type = String(Number(dlr.type));
  const { status, final } = mapStatus(KANNEL_DLR_VALUES, type);
  const receipt = dlr.reply ? parseReceipt(dlr.reply) : {};
  const err = receipt.err && !/^0+$/.test(receipt.err) ? receipt.err : undefined;
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, messageId, type, dlr.ts, dlr.fid),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.status',
      messageId,
      status,
      final,
      providerStatus: type,
      ...defined({
        error: final && FAILURES.has(status) ? defined({ code: err ?? type, message: receipt.stat ?? MEANINGS[type] }) : undefined,
        recipient: dlr.to ? toParty(dlr.to, EXPLICIT_PREFIX_ONLY) : undefined,
        sender: dlr.from ? toParty(dlr.from, EXPLICIT_PREFIX_ONLY) : undefined,
      }),
      occurredAt: epochSeconds(dlr.ts),
      occurredAtRaw: dlr.ts,
      data: defined({
        meaning: Object.hasOwn(MEANINGS, type) ? MEANINGS[type] : undefined,
        kannelId: dlr.kid,
        smscMessageId: dlr.fid,
        smsc: dlr.smsc,
        time: dlr.time,
        reply: dlr.reply,
        receiptStat: receipt.stat,
        receiptErr: receipt.err,
        submitDate: receipt.submitDate,
        doneDate: receipt.doneDate,
        keyword: dlr.kw,
        service: dlr.service,
        account: dlr.account,
        billing: dlr.billing,
        meta: dlr.meta,
      }),
      raw: { ...params },
    },
    context,
  );
}

/** A plain-text `OK` once the report is queued; otherwise a 503. */
export const kannelReply = plainTextAckReply('OK');

function normalize(params: Record<string, string | string[]>, context: NormalizeContext): Normalized {
  return { events: [dlrEvent(params, context)] };
}

/** Kannel `dlr-url` callbacks: GET, authenticated by a URL token. */
export const kannel: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Kannel',
  authentication: 'url-token',
  // Kannel calls the dlr-url with GET; no POST form of it is documented.
  methods: ['GET'],
  // `ts` is epoch seconds; the zone-less `time` is never converted.
  defaultTimeZone: 'UTC',
  catalog: [{ providerEvent: 'dlr-url (%d)', type: 'message.status', channel: 'sms', statuses: KANNEL_DLR_VALUES }],
  normalize: (request, context) => normalize(gatewayParams(request), context),
  statusOf: statusOfProviderStatus(KANNEL_DLR_VALUES),
  reply: kannelReply,
};
