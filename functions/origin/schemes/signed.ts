/**
 * What the signature schemes share: what a scheme checking a signature header declares, the parts of a request a
 * payload is built from, and the timestamp rule.
 */
import { randomUUID } from 'node:crypto';
import { parseForm } from '../form';
import type { FormParams, OriginRequest, OriginScheme, OutgoingRequest, Verdict } from '../types';
import { ACCEPTED, refuse } from '../types';

/**
 * What every scheme that checks a signature header against `signingKeys` (HMAC, Ed25519, JWT) declares: it admits on
 * its own, and its header carries a secret, so it is never handed to the adapter or logged.
 */
export function signatureHeaderScheme(name: string, header: string): Pick<OriginScheme, 'name' | 'keys' | 'admits' | 'secretHeaders'> {
  return { name, keys: ['signingKeys'], admits: true, secretHeaders: [header] };
}

/** The parts of a request a signed payload is built from, the same when verifying and when signing. */
export interface SignedParts {
  readonly method: string;
  /** The URL the provider called (verifying) or calls (signing), query included. */
  readonly url: string;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly formParams: () => FormParams;
  /** The signed timestamp header's value, when the scheme has one. */
  readonly timestamp?: string;
  /** The nonce header's value, when the scheme has one. */
  readonly nonce?: string;
}

/** A payload builder: the candidates a provider may have signed (URL forms, say); any one matching is enough. */
export type Payload = (parts: SignedParts) => ReadonlyArray<string | Buffer>;

/** A signed timestamp: the header it travels in and its unit. The tolerance is the deployment's (`VerifyOptions`). */
export interface TimestampRule {
  readonly header: string;
  readonly unit: 's' | 'ms';
}

const isFormBody = (headers: Readonly<Record<string, string | undefined>>) =>
  headers['content-type']?.split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';

/** The signed parts of an outgoing request (for signing), with the values the scheme is about to set. */
export function outgoingParts(request: OutgoingRequest, extra: { timestamp?: string; nonce?: string } = {}): SignedParts {
  return {
    method: request.method,
    url: request.url,
    body: request.body,
    headers: request.headers,
    formParams: () => (isFormBody(request.headers) ? parseForm(request.body.toString('utf8')) : []),
    ...extra,
  };
}

/** The signed parts of an incoming request. */
export function incomingParts(request: OriginRequest, extra: { timestamp?: string; nonce?: string } = {}): SignedParts {
  return { method: request.method, url: request.url, body: request.body, headers: request.headers, formParams: request.formParams, ...extra };
}

/**
 * Checks a signed timestamp against the clock: present, an integer, and within `toleranceSeconds` either way (a
 * timestamp from the future is as suspect as an old one).
 */
export function checkTimestamp(value: string | undefined, rule: TimestampRule, now: number, toleranceSeconds: number): Verdict {
  if (value === undefined || value === '') return refuse('missing_signature', rule.header, 'timestamp missing');
  if (!/^\d{1,16}$/.test(value)) return refuse('timestamp_out_of_tolerance', rule.header, 'timestamp is not an integer');
  const ms = rule.unit === 's' ? Number(value) * 1000 : Number(value);
  return Math.abs(now - ms) <= toleranceSeconds * 1000 ? ACCEPTED : refuse('timestamp_out_of_tolerance', rule.header);
}

/** A timestamp for signing, in the rule's unit. */
export const timestampAt = (now: number, rule: TimestampRule): string => String(rule.unit === 's' ? Math.floor(now / 1000) : Math.floor(now));

/** A fresh nonce for signing. */
export const newNonce = (): string => randomUUID();
