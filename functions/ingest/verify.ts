/**
 * The ingest's proof-of-origin step: the provider's credentials document, its schemes (`functions/origin`), and the
 * refresh rule for rotation. Throws `AuthenticationError` (401) with the reason for the log line; the caller is never
 * told why.
 *
 * A refused request is checked once more against a fresh copy of the document (re-read at most once a minute,
 * `credentials.ts`), so a value added at the provider's console counts within a minute. The one check that needs the
 * body, the optional `accounts` (NHN's appKey), runs on the normalized events against the same document.
 */
import type { NormalizedEvent } from '../events/schema';
import type { ProviderCredentials } from '../origin/credentials';
import { deploymentSourceIps } from '../origin/schemes/static';
import { ACCEPTED, refuse, type OriginRequest, type OriginScheme, type Refusal, type Verdict } from '../origin/types';
import { schemesOf, verifyOrigin } from '../origin/verify';
import type { ProviderAdapter } from '../providers/types';
import { AuthenticationError } from '../core/errors';
import { InvalidCredentialsError, type CredentialSource } from './credentials';

export interface VerifierOptions {
  readonly adapter: ProviderAdapter;
  readonly credentials: CredentialSource;
  /** The deployment's own allow-list (`ALLOWED_SOURCE_IPS`), checked besides the document's `allowedIps`. */
  readonly allowedSourceIps?: readonly string[];
  /** How far a signed timestamp may be from the clock. */
  readonly toleranceSeconds: number;
}

export interface Verifier {
  /** The provider's schemes: the platform's, then its own. */
  readonly schemes: readonly OriginScheme[];
  /** The document, or `undefined` when none is configured; an invalid one is a refusal. */
  document(refresh: boolean): Promise<ProviderCredentials | undefined>;
  /** Verifies the request; returns the document that admitted it. */
  verify(request: OriginRequest): Promise<ProviderCredentials>;
  /** Refuses the request when an event names an account the document does not list. */
  authorizeAccounts(events: readonly NormalizedEvent[], credentials: ProviderCredentials, request: OriginRequest): Promise<void>;
}

/** Why a document with `accounts` is refused by an adapter that cannot name one (a field name, never a value). */
const ACCOUNTS_UNSUPPORTED = 'accounts: the events of this provider name no account, so the list cannot be checked';
const ACCOUNT_NOT_ALLOWED = refuse('account_not_allowed');

const fail = (refusal: Refusal): never => {
  throw new AuthenticationError(refusal.reason, { header: refusal.header, detail: refusal.detail });
};

/**
 * Whether every account the events name is one of `credentials.accounts` (exact compare; an event that names none
 * passes). Without `accounts` every request passes: the check is opt-in, and it never admits on its own.
 *
 * @example
 * ```ts
 * accountsVerdict(['akb3dukdmdjsdSvgk'], { headers: { 'X-Secret-Key': ['…'] }, accounts: ['akb3dukdmdjsdSvgk'] }); // { ok: true }
 * ```
 */
export function accountsVerdict(named: Iterable<string | undefined>, credentials: ProviderCredentials): Verdict {
  if (!credentials.accounts) return ACCEPTED;
  const accounts = new Set(credentials.accounts);
  for (const account of named) if (account !== undefined && !accounts.has(account)) return ACCOUNT_NOT_ALLOWED;
  return ACCEPTED;
}

export function createVerifier(options: VerifierOptions): Verifier {
  const { adapter } = options;
  const schemes = schemesOf(adapter.origin);
  const handshakeKeys = adapter.handshake?.keys ?? [];
  const deploymentIps = options.allowedSourceIps?.length ? deploymentSourceIps(options.allowedSourceIps) : undefined;
  const verifyOptions = { toleranceSeconds: options.toleranceSeconds };

  async function document(refresh: boolean): Promise<ProviderCredentials | undefined> {
    let credentials: ProviderCredentials | undefined;
    try {
      credentials = await options.credentials.get(adapter.id, { refresh });
    } catch (error) {
      if (error instanceof InvalidCredentialsError) fail(refuse('invalid_credentials', undefined, error.detail));
      throw error;
    }
    // `accounts` this adapter cannot check is refused like an unknown key: the operator asked for a check that would
    // otherwise silently not happen.
    if (credentials?.accounts && !adapter.accountOf) fail(refuse('invalid_credentials', undefined, ACCOUNTS_UNSUPPORTED));
    return credentials;
  }

  async function attempt(request: OriginRequest, refresh: boolean): Promise<{ verdict: Verdict; credentials?: ProviderCredentials }> {
    let credentials: ProviderCredentials | undefined;
    try {
      credentials = await document(refresh);
    } catch (error) {
      if (error instanceof AuthenticationError)
        return { verdict: refuse(error.reason as Refusal['reason'], error.refusal.header, error.refusal.detail) };
      throw error;
    }
    // The handshake's own keys (Meta's verifyTokens) belong to this provider too: strip them before the schemes judge.
    const forSchemes = credentials && handshakeKeys.some((key) => credentials[key] !== undefined) ? without(credentials, handshakeKeys) : credentials;
    const verdict = await verifyOrigin(schemes, request, forSchemes, verifyOptions);
    const deployment = deploymentIps?.(request) ?? ACCEPTED;
    return { verdict: verdict.ok ? deployment : verdict, credentials };
  }

  return {
    schemes,
    document,
    async verify(request) {
      let outcome = await attempt(request, false);
      if (!outcome.verdict.ok) outcome = await attempt(request, true);
      if (!outcome.verdict.ok) return fail(outcome.verdict);
      return outcome.credentials as ProviderCredentials;
    },
    async authorizeAccounts(events, credentials, request) {
      const named = events.map((event) => adapter.accountOf?.(event));
      const verdict = accountsVerdict(named, credentials);
      if (verdict.ok) return;
      // As with a refused header: once more against a fresh copy, which must admit the request again.
      const fresh = await attempt(request, true);
      if (!fresh.verdict.ok) fail(fresh.verdict);
      if (fresh.credentials === credentials || !fresh.credentials) fail(verdict);
      const retried = accountsVerdict(named, fresh.credentials as ProviderCredentials);
      if (!retried.ok) fail(retried);
    },
  };
}

// Per document object, so the schemes' own per-document caches keep working on the copy.
const stripped = new WeakMap<ProviderCredentials, ProviderCredentials>();
function without(credentials: ProviderCredentials, keys: readonly string[]): ProviderCredentials {
  let copy = stripped.get(credentials);
  if (!copy) {
    const fields: Record<string, unknown> = { ...credentials };
    for (const key of keys) delete fields[key];
    copy = fields as ProviderCredentials;
    stripped.set(credentials, copy);
  }
  return copy;
}
