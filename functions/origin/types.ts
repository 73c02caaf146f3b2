/**
 * Proof of origin as data: what verification sees of a request, what a scheme is, and what it answers.
 *
 * An adapter declares the schemes its sender can use (`ProviderAdapter.origin`); the platform adds the ones every
 * provider can use (static headers, a URL token, source IP ranges). A scheme is *active* when the provider's
 * credentials document holds one of its keys; every active scheme must pass, and at least one active scheme must be
 * able to admit a request on its own (source IPs alone never do): otherwise every request is refused (fail closed).
 *
 * Every scheme also signs, so the simulator, the test request builders, the bench and the chaos run build provider
 * requests through the same code that verifies them: no tool restates how a provider signs.
 */
import type { ProviderCredentials } from './credentials';

/** `name=value` pairs of a form body or a query string, in order, repeated names kept. */
export type FormParams = ReadonlyArray<readonly [string, string]>;

/** What verification sees: raw bytes and the URL the provider called, never a parsed or re-serialized body. */
export interface OriginRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /**
   * The URL the provider called, as it called it: the deployment's public base URL (custom domain, proxy) when one
   * is configured, else the URL the request arrived at; the query string exactly as received.
   */
  readonly url: string;
  /** Lower-case header names; repeated headers joined with `,` (as API Gateway does). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The `{token}` path segment, when the route has one. */
  readonly token?: string;
  readonly sourceIp: string;
  /** The body bytes exactly as the provider sent them (a base64 gateway body already decoded). */
  readonly body: Buffer;
  /**
   * The form parameters a URL-signed scheme signs: the body's for `application/x-www-form-urlencoded`, else none.
   * Computed on first use.
   */
  readonly formParams: () => FormParams;
  /** Clock, epoch milliseconds. */
  readonly now: number;
}

/** Why a request was refused: logged and counted, never told to the caller (who gets a plain 401). */
export type AuthFailureReason =
  | 'not_configured'
  | 'invalid_credentials'
  | 'missing_header'
  | 'header_mismatch'
  | 'missing_token'
  | 'token_mismatch'
  | 'source_ip_not_allowed'
  | 'missing_signature'
  | 'signature_mismatch'
  | 'timestamp_out_of_tolerance'
  | 'missing_credentials'
  | 'credentials_mismatch'
  | 'account_not_allowed';

export type Verdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: AuthFailureReason;
      /** The header (or parameter) that failed, for logs: a name, never a value. */
      readonly header?: string;
      /** More about why, for logs: never a value. */
      readonly detail?: string;
    };

export type Refusal = Extract<Verdict, { ok: false }>;

/** The keys of a provider's credentials document. */
export type CredentialKey = keyof ProviderCredentials;

/** What verification is told besides the request. */
export interface VerifyOptions {
  /** How far a signed timestamp may be from the clock, either way. @default 300 */
  readonly toleranceSeconds: number;
}

/** A request being built by a tool (simulator, tests, bench), before or after signing. */
export interface OutgoingRequest {
  readonly method: string;
  /** Full URL; a URL-token scheme appends its token segment to the path. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Clock to sign with, epoch milliseconds. */
  readonly now: number;
}

/**
 * What a tool signs with: the provider's credentials document (the first value of each key is used), plus the
 * private keys of asymmetric schemes, which the document (holding public keys) cannot give.
 */
export interface SigningMaterial {
  readonly credentials: ProviderCredentials;
  /** Ed25519 private keys (PKCS#8 PEM, or the 32-byte seed in base64), in the order of `signingKeys`. */
  readonly privateKeys?: readonly string[];
}

/** One way a sender proves itself. */
export interface OriginScheme {
  /** For docs and logs: `hmac-sha256 X-Hub-Signature-256`, `url-token`. */
  readonly name: string;
  /** The credential keys it reads; it is active when the document holds any of them. */
  readonly keys: readonly CredentialKey[];
  /** Whether it can let a request in on its own (source IP ranges cannot: addresses are shared). */
  readonly admits: boolean;
  /** Headers that carry a secret or a signature: never handed to the adapter, never logged. */
  readonly secretHeaders?: readonly string[];
  /** Checks the request; compares in constant time; never throws on hostile input. */
  verify(request: OriginRequest, credentials: ProviderCredentials, options: VerifyOptions): Verdict | Promise<Verdict>;
  /** Adds this scheme's proof to a request, with the first value of each key it reads. */
  sign(request: OutgoingRequest, material: SigningMaterial): OutgoingRequest | Promise<OutgoingRequest>;
}

/**
 * Whether this build signs: `true` unbundled, where the simulator, the test request builders, the bench and the
 * chaos run sign; `false` in a Lambda bundle, whose build defines the provider it is for
 * (`process.env.WEBHOOK_BUNDLED_PROVIDER`, `providers/index.ts`). esbuild inlines it into each scheme's
 * `sign: !SIGNS ? signingNotBundled : …`, so no Lambda carries the signing half of its schemes, which nothing there
 * runs (1–2 kB, and more where signing needs a library's writer).
 */
export const SIGNS = (process.env.WEBHOOK_BUNDLED_PROVIDER ?? '') === '';

/** A scheme's `sign` in a Lambda bundle (see {@link SIGNS}): nothing there signs, and this says so if anything tries. */
export const signingNotBundled = (): never => {
  throw new Error('signing is not bundled');
};

export const ACCEPTED: Verdict = { ok: true };

/** A refusal verdict. */
export const refuse = (reason: AuthFailureReason, header?: string, detail?: string): Refusal =>
  header === undefined && detail === undefined ? { ok: false, reason } : { ok: false, reason, header, detail };
