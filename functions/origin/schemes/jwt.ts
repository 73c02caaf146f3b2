/**
 * Signed JWTs (HS256, or HS384/HS512 where the provider uses them) whose claims may bind the request: a hash of the
 * body (`payload_hash`), a hash of the URL (`url_hash`). Verified with `jose`, never hand-parsed: algorithm pinned,
 * `exp`/`nbf` checked with a small clock tolerance, then the provider's own claim checks on the raw bytes.
 */
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import type { ProviderCredentials } from '../credentials';
import { signingNotBundled, SIGNS, ACCEPTED, refuse, type OriginScheme } from '../types';
import { incomingParts, outgoingParts, signatureHeaderScheme, type SignedParts } from './signed';

export interface JwtSchemeOptions {
  /** Lower-case header carrying the token. */
  readonly header: string;
  /** Whether the header is `Bearer <token>` (Vonage) rather than the bare token (MessageBird). */
  readonly bearer?: boolean;
  readonly algorithms: readonly ('HS256' | 'HS384' | 'HS512')[];
  /** The provider's claims about the request; `undefined` when they hold, else why not (a claim name). */
  readonly checkClaims: (claims: JWTPayload, parts: SignedParts) => string | undefined;
  /** The claims a tool puts in a token for this request. */
  readonly claimsFor: (parts: SignedParts, now: number) => JWTPayload;
  /** Seconds of clock skew allowed on `exp`/`nbf`. @default 5 */
  readonly clockToleranceSeconds?: number;
  /** Whether a token must carry `exp` (MessageBird) or may omit it (Vonage's carry only `iat`). @default false */
  readonly requireExp?: boolean;
  readonly name?: string;
}

const secretCache = new WeakMap<ProviderCredentials, readonly Uint8Array[]>();
function secrets(credentials: ProviderCredentials): readonly Uint8Array[] {
  let keys = secretCache.get(credentials);
  if (!keys) {
    keys = (credentials.signingKeys ?? []).map((key) => new TextEncoder().encode(key));
    secretCache.set(credentials, keys);
  }
  return keys;
}

/** A JWT scheme reading `signingKeys` (the signature secret). */
export function jwtScheme(options: JwtSchemeOptions): OriginScheme {
  const { header, bearer = false, algorithms } = options;
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const tokenOf = (value: string | undefined) => {
    if (!value) return undefined;
    if (!bearer) return value.trim();
    return /^bearer\s+(\S+)\s*$/i.exec(value)?.[1];
  };
  return {
    ...signatureHeaderScheme(options.name ?? `jwt ${header}`, header),
    async verify(request, credentials) {
      const token = tokenOf(request.headers[header]);
      if (!token) return refuse('missing_signature', header);
      const parts = incomingParts(request);
      let verified: JWTPayload | undefined;
      // Every key is tried (rotation); the first that verifies gives the claims.
      for (const secret of secrets(credentials)) {
        try {
          const result = await jwtVerify(token, secret, {
            algorithms: [...algorithms],
            clockTolerance,
            currentDate: new Date(request.now),
            requiredClaims: options.requireExp ? ['exp'] : [],
          });
          verified ??= result.payload;
        } catch {
          // not this key, expired, malformed: all refusals below
        }
      }
      if (!verified) return refuse('signature_mismatch', header);
      const claim = options.checkClaims(verified, parts);
      return claim === undefined ? ACCEPTED : refuse('signature_mismatch', header, `claim ${claim} does not match the request`);
    },
    sign: !SIGNS
      ? signingNotBundled
      : async (request, { credentials }) => {
          const key = credentials.signingKeys?.[0];
          if (key === undefined) return request;
          const claims = options.claimsFor(outgoingParts(request), request.now);
          const token = await new SignJWT(claims).setProtectedHeader({ alg: algorithms[0], typ: 'JWT' }).sign(new TextEncoder().encode(key));
          return { ...request, headers: { ...request.headers, [header]: bearer ? `Bearer ${token}` : token } };
        },
  };
}
