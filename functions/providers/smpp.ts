/**
 * What the SMPP gateways (`jasmin`, `kannel`) share: the message states of an SMPP 3.4 delivery receipt
 * (Appendix B, `stat:`), the receipt text itself, and reading their form or query parameters. Pure.
 */
import * as z from 'zod/mini';
import type { CanonicalStatus } from '../events/status';
import { formRecord } from '../origin/form';
import { ValidationError } from '../core/errors';
import type { NumberingRule } from '../core/phone';
import type { WebhookRequest } from './types';

/**
 * SMPP receipt states (`stat:` of the receipt, Jasmin's level-2 `message_status`) → canonical status. `ACCEPTD`
 * and `ENROUTE` are intermediate (the SMSC holds the message); `UNKNOWN` is the SMSC's final "no outcome known",
 * which a real outcome arriving later still outranks; `DELETED` was removed by the SMSC before delivery.
 */
export const SMPP_RECEIPT_STATES = {
  DELIVRD: 'delivered',
  EXPIRED: 'expired',
  DELETED: 'failed',
  UNDELIV: 'undelivered',
  ACCEPTD: 'sent',
  ENROUTE: 'sent',
  UNKNOWN: 'unknown',
  REJECTD: 'rejected',
} as const satisfies Record<string, CanonicalStatus>;

/**
 * Gateway numbers are whatever the SMSC put in `source_addr`/`destination_addr`; their numbering plan is not in the
 * callback, so E.164 is derived only from an explicit `+` or `00`.
 */
export const EXPLICIT_PREFIX_ONLY: NumberingRule = { kind: 'national' };

/** The fields of an SMPP receipt text (`id:… sub:001 dlvrd:001 submit date:… done date:… stat:DELIVRD err:000 text:…`). */
export interface SmppReceipt {
  readonly id?: string;
  readonly sub?: string;
  readonly dlvrd?: string;
  readonly submitDate?: string;
  readonly doneDate?: string;
  readonly stat?: string;
  readonly err?: string;
  readonly text?: string;
}

const RECEIPT_FIELD = /(?:^|\s)(id|sub|dlvrd|submit date|done date|stat|err|text):/gi;

/**
 * Reads an SMPP receipt text; fields it lacks are absent (receipts without `sub`/`dlvrd` exist). `text:` runs to
 * the end, as it is the message's first characters. Never throws.
 *
 * @example parseReceipt('id:1 sub:001 dlvrd:001 submit date:2204152009 done date:2204152010 stat:DELIVRD err:000 text:')
 */
export function parseReceipt(receipt: string): SmppReceipt {
  const marks = [...receipt.matchAll(RECEIPT_FIELD)];
  const out: Record<string, string> = {};
  for (let i = 0; i < marks.length; i++) {
    const name = marks[i][1].toLowerCase();
    const start = (marks[i].index ?? 0) + marks[i][0].length;
    const end = name === 'text' ? receipt.length : (marks[i + 1]?.index ?? receipt.length);
    const key = name === 'submit date' ? 'submitDate' : name === 'done date' ? 'doneDate' : name;
    if (!(key in out)) out[key] = receipt.slice(start, end).trim();
    if (name === 'text') break;
  }
  return out;
}

/**
 * The form (POST) or query (GET) parameters of a gateway callback as a record, a repeated name as an array (which
 * the schemas refuse, naming it). A POST whose body is not a form has none: `what` says which is missing.
 */
export function gatewayParams(request: WebhookRequest): Record<string, string | string[]> {
  if (request.params.length === 0) {
    throw new ValidationError(request.method === 'GET' ? 'no query parameters' : 'expected an application/x-www-form-urlencoded body');
  }
  return formRecord(request.params);
}

/**
 * An optional parameter: empty means absent (a gateway substitutes an empty value for what it does not know), read
 * before the check, so an empty `ts=` is absent rather than "invalid format".
 */
export const param = <S extends z.ZodMiniType>(schema: S) =>
  z.pipe(
    z.transform((value: unknown) => (value === '' ? undefined : value)),
    z.optional(schema),
  );

/** Drops undefined values, so events carry only what the gateway sent. Only for objects we build. */
export function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}
