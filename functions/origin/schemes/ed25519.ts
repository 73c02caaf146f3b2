/**
 * Ed25519 signatures over a declared payload (Telnyx: `timestamp|body`), with a signed timestamp. `signingKeys` hold
 * the provider's public keys (the 32-byte key in base64, as consoles show it, or SPKI PEM); signing tools need the
 * private key (`SigningMaterial.privateKeys`).
 */
import { createPrivateKey, createPublicKey, sign as signBytes, verify as verifyBytes, type KeyObject } from 'node:crypto';
import type { ProviderCredentials } from '../credentials';
import { signingNotBundled, SIGNS, ACCEPTED, refuse, type OriginScheme } from '../types';
import { checkTimestamp, incomingParts, outgoingParts, signatureHeaderScheme, timestampAt, type Payload, type TimestampRule } from './signed';

/** DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI (public) or PKCS#8 (private). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A public key from a console's base64 (32 raw bytes) or a PEM; `undefined` when it is neither. */
export function ed25519PublicKey(value: string): KeyObject | undefined {
  try {
    if (value.includes('BEGIN')) return createPublicKey(value);
    const raw = Buffer.from(value, 'base64');
    return raw.length === 32 ? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }) : undefined;
  } catch {
    return undefined;
  }
}

/** A private key from a PEM or a 32-byte seed in base64 (tools only). */
export function ed25519PrivateKey(value: string): KeyObject {
  if (value.includes('BEGIN')) return createPrivateKey(value);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(value, 'base64')]), format: 'der', type: 'pkcs8' });
}

/** The public key of a private one, in the base64 form `signingKeys` takes. */
export function ed25519PublicKeyOf(privateKey: string): string {
  const der = createPublicKey(ed25519PrivateKey(privateKey)).export({ format: 'der', type: 'spki' });
  return der.subarray(SPKI_PREFIX.length).toString('base64');
}

export interface Ed25519SchemeOptions {
  /** Lower-case header carrying the base64 signature. */
  readonly header: string;
  readonly timestamp: TimestampRule;
  readonly payload: Payload;
  readonly name?: string;
}

const keyCache = new WeakMap<ProviderCredentials, readonly KeyObject[]>();
function publicKeys(credentials: ProviderCredentials): readonly KeyObject[] {
  let keys = keyCache.get(credentials);
  if (!keys) {
    keys = (credentials.signingKeys ?? []).map(ed25519PublicKey).filter((key): key is KeyObject => key !== undefined);
    keyCache.set(credentials, keys);
  }
  return keys;
}

/** An Ed25519 scheme reading `signingKeys` (public keys). */
export function ed25519Scheme(options: Ed25519SchemeOptions): OriginScheme {
  const { header, timestamp, payload } = options;
  return {
    ...signatureHeaderScheme(options.name ?? `ed25519 ${header}`, header),
    verify(request, credentials, verifyOptions) {
      const value = request.headers[header];
      if (value === undefined || value === '') return refuse('missing_signature', header);
      const stamp = request.headers[timestamp.header];
      const fresh = checkTimestamp(stamp, timestamp, request.now, verifyOptions.toleranceSeconds);
      if (!fresh.ok) return fresh;
      const signature = Buffer.from(value, 'base64');
      if (signature.length !== 64) return refuse('signature_mismatch', header, 'not a 64-byte signature');
      const keys = publicKeys(credentials);
      if (keys.length === 0) return refuse('invalid_credentials', undefined, 'signingKeys: no usable Ed25519 public key');
      const candidates = payload(incomingParts(request, { timestamp: stamp }));
      // Every key and candidate is tried: a public-key check leaks nothing secret, but the loop stays uniform.
      let matched = false;
      for (const key of keys) for (const candidate of candidates) matched = verifyBytes(null, Buffer.from(candidate), key, signature) || matched;
      return matched ? ACCEPTED : refuse('signature_mismatch', header);
    },
    sign: !SIGNS
      ? signingNotBundled
      : (request, { privateKeys }) => {
          const privateKey = privateKeys?.[0];
          if (privateKey === undefined) return request;
          const stamp = timestampAt(request.now, timestamp);
          const [candidate] = payload(outgoingParts(request, { timestamp: stamp }));
          const signature = signBytes(null, Buffer.from(candidate), ed25519PrivateKey(privateKey)).toString('base64');
          return { ...request, headers: { ...request.headers, [header]: signature, [timestamp.header]: stamp } };
        },
  };
}
