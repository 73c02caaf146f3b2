/**
 * HMAC signatures (SHA-1, SHA-256, SHA-512; hex or base64; an optional prefix such as `sha256=`) over a declared
 * payload, with an optional signed timestamp and nonce. The payload builders providers use are in `../payloads.ts`.
 *
 * ```
 * verify: header present → timestamp within tolerance → for every key × payload candidate: HMAC → constant-time
 *         compare with every presented signature (no early exit) → accepted or signature_mismatch
 * ```
 */
import { createHmac } from 'node:crypto';
import { anyEqual } from '../compare';
import type { ProviderCredentials } from '../credentials';
import { signingNotBundled, SIGNS, ACCEPTED, refuse, type OriginScheme, type OutgoingRequest } from '../types';
import {
  checkTimestamp,
  incomingParts,
  newNonce,
  outgoingParts,
  signatureHeaderScheme,
  timestampAt,
  type Payload,
  type SignedParts,
  type TimestampRule,
} from './signed';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface HmacSchemeOptions {
  /** Lower-case header that carries the signature. */
  readonly header: string;
  readonly algorithm: HmacAlgorithm;
  readonly encoding: 'hex' | 'base64';
  /** Text before the signature in the header (`sha256=`). */
  readonly prefix?: string;
  /** What is signed. */
  readonly payload: Payload;
  /** A header carrying several signatures (Standard Webhooks' `v1,a v1,b`): how to split it. @default one */
  readonly signatures?: (value: string) => string[];
  /** The configured key → HMAC key bytes (Standard Webhooks' `whsec_` base64 secrets). @default UTF-8 text */
  readonly key?: (value: string) => Buffer | string;
  /** A signed timestamp header, checked against the clock. */
  readonly timestamp?: TimestampRule;
  /** A lower-case header carrying a nonce that is part of the payload. */
  readonly nonceHeader?: string;
  /** Headers set as they are when signing (Sinch's algorithm name). */
  readonly fixedHeaders?: Readonly<Record<string, string>>;
  /** Adjusts a request before it is signed (Twilio adds `bodySHA256` to the URL of a JSON body). */
  readonly prepare?: (request: OutgoingRequest) => OutgoingRequest;
  /** For docs and logs. @default `hmac-<algorithm> <header>` */
  readonly name?: string;
}

const keysOf = (credentials: ProviderCredentials) => credentials.signingKeys ?? [];

/** An HMAC scheme reading `signingKeys`. */
export function hmacScheme(options: HmacSchemeOptions): OriginScheme {
  const { header, algorithm, encoding, prefix = '', payload, timestamp, nonceHeader } = options;
  const keyOf = options.key ?? ((value: string) => value);
  const split = options.signatures ?? ((value: string) => [value]);
  const sign = (key: string, parts: SignedParts) =>
    payload(parts).map((candidate) => createHmac(algorithm, keyOf(key)).update(candidate).digest(encoding));

  return {
    ...signatureHeaderScheme(options.name ?? `hmac-${algorithm} ${header}`, header),
    verify(request, credentials, verifyOptions) {
      const value = request.headers[header];
      if (value === undefined || value === '') return refuse('missing_signature', header);
      const presented = split(value)
        .filter((one) => one.startsWith(prefix))
        .map((one) => one.slice(prefix.length));
      if (presented.length === 0) return refuse('signature_mismatch', header, 'no signature in the expected form');
      const stamp = timestamp ? request.headers[timestamp.header] : undefined;
      if (timestamp) {
        const fresh = checkTimestamp(stamp, timestamp, request.now, verifyOptions.toleranceSeconds);
        if (!fresh.ok) return fresh;
      }
      const nonce = nonceHeader ? request.headers[nonceHeader] : undefined;
      if (nonceHeader && !nonce) return refuse('missing_signature', nonceHeader, 'nonce missing');
      const parts = incomingParts(request, { timestamp: stamp, nonce });
      let expected: string[];
      try {
        expected = keysOf(credentials).flatMap((key) => sign(key, parts));
      } catch {
        // A key that cannot be used (not base64 where the scheme needs it) matches nothing.
        expected = [];
      }
      // hex is compared case-insensitively (Vonage, some SDKs upper-case it); base64 is case-sensitive.
      const normalize = encoding === 'hex' ? (one: string) => one.toLowerCase() : (one: string) => one;
      return anyEqual(presented.map(normalize), expected) ? ACCEPTED : refuse('signature_mismatch', header);
    },
    sign: !SIGNS
      ? signingNotBundled
      : (request, { credentials }) => {
          const key = keysOf(credentials)[0];
          if (key === undefined) return request;
          const prepared = options.prepare ? options.prepare(request) : request;
          const stamp = timestamp ? timestampAt(prepared.now, timestamp) : undefined;
          const nonce = nonceHeader ? newNonce() : undefined;
          const [signature] = sign(key, outgoingParts(prepared, { timestamp: stamp, nonce }));
          const headers: Record<string, string> = { ...prepared.headers, ...options.fixedHeaders, [header]: `${prefix}${signature}` };
          if (timestamp && stamp) headers[timestamp.header] = stamp;
          if (nonceHeader && nonce) headers[nonceHeader] = nonce;
          return { ...prepared, headers };
        },
  };
}
