/**
 * Jasmin SMS gateway: its DLR thrower and its MO (deliver_sm) thrower, each one form-encoded POST, or a GET with the
 * same parameters as a query (`dlr-method=GET`, an HTTP connector with `method=GET`).
 *
 * ```
 * DLR: id=ad5e7b9f-…&message_status=DELIVRD&level=3&connector=smsc01&id_smsc=2d4c3e1a&sub=001&dlvrd=001
 *      &subdate=2401151030&donedate=2401151031&err=000&text=Hello+world
 * MO:  id=16fd2706-8baf-433b-82eb-8c7fada847da&from=%2B21620203060&to=1234&origin-connector=smsc01
 *      &priority=1&coding=0&validity=2013-07-16+00%3A46%3A54&content=Hello+world+%21&binary=48656c6c6f…
 * ```
 *
 * Choices where the docs are silent:
 * - A call with `message_status` is a DLR; one with `from` and `to` an MO; anything else is kept as
 *   `provider.unknown`.
 * - Level 1 reports the SMSC's `submit_sm_resp`: `ESME_ROK` means the SMSC took the message (`sent`); any other
 *   `ESME_*` code is a refusal of the submission (`rejected`). Level 2 reports the receipt's SMPP state
 *   ({@link SMPP_RECEIPT_STATES}). With level 3 both arrive, told apart by their `message_status`.
 * - `subdate`/`donedate` (`YYMMDDhhmm`) are in the SMSC's local time, which neither Jasmin nor the callback states:
 *   they stay raw in `data`, and `occurredAt` is the receipt time. MO `validity` likewise.
 * - MO content in UCS-2 (`coding=8`) is read from `binary` (hex) as UTF-16BE: the form-encoded `content` carries
 *   the raw bytes. Other codings take `content` as sent.
 * - A long MO that Jasmin did not concatenate carries `sar_msg_ref_num`, `sar_total_segments` and
 *   `sar_segment_seqnum` (as parameters, or inside the `tlv_params` JSON): they become the event's `part`.
 * - The reply is exactly `ACK/Jasmin` (text/plain) once the event is queued; anything else makes Jasmin resend.
 *   Our own failures are 5xx (Jasmin retries every status but 404), never 404.
 * - Jasmin signs nothing: a URL token proves the origin.
 */
import * as z from 'zod/mini';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { makeEvent, mapStatus, plainTextAckReply, statusOfProviderStatus, validate, wellFormed } from './common';
import { EXPLICIT_PREFIX_ONLY, SMPP_RECEIPT_STATES, defined, gatewayParams, param } from './smpp';
import type { NormalizeContext, Normalized, ProviderAdapter } from './types';

const PROVIDER = 'jasmin';

/** The body Jasmin requires, after trimming, to count a call as delivered. */
export const JASMIN_ACK = 'ACK/Jasmin';

/**
 * `message_status` → canonical status: level 1's `submit_sm_resp` codes, then level 2's receipt states. An
 * `ESME_*` code not listed is a refused submission (the `ESME_*` row, see {@link jasminStatusKey}).
 */
export const JASMIN_STATUSES = {
  ESME_ROK: 'sent',
  'ESME_*': 'rejected',
  ...SMPP_RECEIPT_STATES,
} as const satisfies Record<string, CanonicalStatus>;

/** The row of {@link JASMIN_STATUSES} for a `message_status`. */
export function jasminStatusKey(messageStatus: string): string {
  if (Object.hasOwn(JASMIN_STATUSES, messageStatus)) return messageStatus;
  return /^ESME_[A-Z0-9_]+$/.test(messageStatus) ? 'ESME_*' : messageStatus;
}

/** Final outcomes that carry the provider's reason as `error`; an unmapped status (unknown, non-final) carries none. */
const FAILURES: ReadonlySet<CanonicalStatus> = new Set(['undelivered', 'rejected', 'expired', 'failed', 'unknown']);
/** SMPP's "no error" in a receipt's `err:`. */
const NO_ERROR = /^0+$/;

const text = (max: number) => z.string().check(z.maxLength(max));
const keyText = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max), wellFormed());
const digits = (max: number) => z.string().check(z.regex(new RegExp(`^\\d{1,${max}}$`)));

const DlrSchema = z.object({
  id: keyText(1, 128),
  message_status: keyText(1, 64),
  level: param(digits(1)),
  connector: param(text(128)),
  id_smsc: param(text(128)),
  sub: param(text(16)),
  dlvrd: param(text(16)),
  subdate: param(text(32)),
  donedate: param(text(32)),
  err: param(text(16)),
  text: param(text(256)),
});

const MoSchema = z.object({
  id: keyText(1, 128),
  from: keyText(1, 64),
  to: keyText(1, 64),
  'origin-connector': param(text(128)),
  content: param(text(16_384)),
  binary: param(z.string().check(z.maxLength(65_536), z.regex(/^(?:[0-9a-fA-F]{2})*$/))),
  priority: param(digits(1)),
  coding: param(digits(3)),
  validity: param(text(32)),
  tlv_params: param(text(8192)),
  custom_tlvs: param(text(8192)),
  sar_msg_ref_num: param(digits(5)),
  sar_total_segments: param(digits(3)),
  sar_segment_seqnum: param(digits(3)),
});

type Params = Record<string, string | string[]>;

function dlrEvent(params: Params, context: NormalizeContext): NormalizedEvent {
  const dlr = validate(DlrSchema, params);
  const { status, final } = mapStatus(JASMIN_STATUSES, jasminStatusKey(dlr.message_status));
  const err = dlr.err !== undefined && !NO_ERROR.test(dlr.err) ? dlr.err : undefined;
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, dlr.id, dlr.message_status, dlr.donedate),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.status',
      messageId: dlr.id,
      status,
      final,
      providerStatus: dlr.message_status,
      ...defined({
        // The receipt's `err:` when it has one, else the status itself (a level-1 `ESME_*` code is its own reason).
        error:
          final && FAILURES.has(status) ? defined({ code: err ?? dlr.message_status, message: err ? dlr.message_status : undefined }) : undefined,
      }),
      data: defined({
        level: dlr.level,
        connector: dlr.connector,
        smscMessageId: dlr.id_smsc,
        sub: dlr.sub,
        dlvrd: dlr.dlvrd,
        submitDate: dlr.subdate,
        doneDate: dlr.donedate,
        err: dlr.err,
        text: dlr.text,
      }),
      raw: { ...params },
    },
    context,
  );
}

/** UCS-2 (`coding=8`) content from its hex, as UTF-16BE; otherwise `content` as sent. */
function moText(mo: z.infer<typeof MoSchema>): string | undefined {
  if (mo.coding === '8' && mo.binary) {
    const bytes = Buffer.from(mo.binary, 'hex');
    if (bytes.length % 2 === 0) return Buffer.from(bytes).swap16().toString('utf16le');
  }
  return mo.content;
}

/** The `sar_*` TLVs, from the parameters or the `tlv_params` JSON, as the event's `part`. */
function partOf(mo: z.infer<typeof MoSchema>): NormalizedEvent['part'] {
  let tlvs: Record<string, unknown> = {};
  if (mo.tlv_params) {
    try {
      const parsed: unknown = JSON.parse(mo.tlv_params);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) tlvs = parsed as Record<string, unknown>;
    } catch {
      // Carried along in data as sent; an unreadable one only means no part.
    }
  }
  const read = (name: 'sar_msg_ref_num' | 'sar_total_segments' | 'sar_segment_seqnum') => {
    const value = mo[name] ?? (Object.hasOwn(tlvs, name) ? tlvs[name] : undefined);
    return typeof value === 'number' || (typeof value === 'string' && /^\d{1,5}$/.test(value)) ? Number(value) : undefined;
  };
  const ref = read('sar_msg_ref_num');
  const total = read('sar_total_segments');
  const index = read('sar_segment_seqnum');
  if (ref === undefined || total === undefined || index === undefined) return undefined;
  // A message in one segment is no part of anything.
  return total >= 2 && total <= 255 && index >= 1 && index <= total ? { ref: String(ref), index, total } : undefined;
}

function moEvent(params: Params, context: NormalizeContext): NormalizedEvent {
  const mo = validate(MoSchema, params);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'mo', mo.id),
      provider: PROVIDER,
      channel: 'sms',
      type: 'message.inbound',
      messageId: mo.id,
      sender: toParty(mo.from, EXPLICIT_PREFIX_ONLY),
      recipient: toParty(mo.to, EXPLICIT_PREFIX_ONLY),
      ...defined({ part: partOf(mo) }),
      data: defined({
        text: moText(mo),
        originConnector: mo['origin-connector'],
        coding: mo.coding,
        priority: mo.priority,
        validity: mo.validity,
        binary: mo.coding === '8' || mo.content === undefined ? mo.binary : undefined,
        tlvParams: mo.tlv_params,
        customTlvs: mo.custom_tlvs,
      }),
      raw: { ...params },
    },
    context,
  );
}

function unknownEvent(params: Params, context: NormalizeContext): NormalizedEvent {
  const raw = { ...params };
  return makeEvent(
    { eventId: eventIdOf(PROVIDER, 'unknown', JSON.stringify(raw)), provider: PROVIDER, channel: 'sms', type: 'provider.unknown', raw },
    context,
  );
}

const has = (params: Params, name: string) => Object.hasOwn(params, name);

function normalize(params: Params, context: NormalizeContext): Normalized {
  if (has(params, 'message_status')) return { events: [dlrEvent(params, context)] };
  if (has(params, 'from') && has(params, 'to')) return { events: [moEvent(params, context)] };
  return { events: [unknownEvent(params, context)] };
}

/** `ACK/Jasmin` once every event is queued; otherwise a 503, which Jasmin retries. */
export const jasminReply = plainTextAckReply(JASMIN_ACK, { retryAfterSeconds: 30 });

/** Jasmin: DLR and MO callbacks, form POST or GET, authenticated by a URL token, answered `ACK/Jasmin`. */
export const jasmin: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Jasmin SMS gateway',
  authentication: 'url-token',
  methods: ['GET', 'POST'],
  // No callback time is converted (see the module comment); the zone is never used.
  defaultTimeZone: 'UTC',
  catalog: [
    { providerEvent: 'DLR (message_status)', type: 'message.status', channel: 'sms', statuses: JASMIN_STATUSES },
    { providerEvent: 'MO (deliver_sm)', type: 'message.inbound', channel: 'sms' },
  ],
  normalize: (request, context) => normalize(gatewayParams(request), context),
  statusOf: statusOfProviderStatus(JASMIN_STATUSES, jasminStatusKey),
  reply: jasminReply,
};
