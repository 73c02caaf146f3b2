/**
 * Authentication of a webhook against its provider's credentials document (DESIGN.md "Provider credentials"),
 * before anything reads the body. Pure: no I/O; the document comes from a `CredentialSource`.
 *
 * The verifier follows Standard Webhooks' habits: header names case-insensitive, every configured header
 * required, each presented value compared in constant time against every accepted value without stopping at
 * the first match (SHA-256 digests of equal length through `crypto.timingSafeEqual`, never `===`), several
 * values per header or token for rotation without downtime.
 *
 * Rules where the docs are silent, chosen for safety:
 * - Fail closed: a provider without an entry, or with an entry that has neither `headers` nor `tokens`, refuses
 *   every request (`allowedIps` alone is not a credential: addresses are shared and spoofable behind proxies).
 * - A repeated credential header is refused. API Gateway joins repeated headers with `,`, so the joined value
 *   never equals a configured value; there is no "first value wins" rule to exploit.
 * - A `{token}` segment is required only when `tokens` is configured; one sent to a provider without tokens is
 *   ignored (the route exists for every provider).
 * - When several mechanisms are configured (headers, tokens, allowedIps, the deployment's ALLOWED_SOURCE_IPS),
 *   every one of them must pass.
 * - The document is strict: an unknown key (`header`, `allowedIP`) makes it invalid, so a typo can never quietly
 *   drop a check. Values must be non-empty, so a blank console field can never match a missing header.
 *
 * One check of the document runs after the body is read, not before: `accounts` ({@link authorizeAccounts}), our
 * own account identifiers at the provider (NHN's appKey), which only the normalized events can name. It narrows
 * who gets in and never widens it: `accounts` alone is not a credential.
 */
import { BlockList, isIP } from 'node:net';
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';

/** Why a request was refused: logged and put on the AuthFailures metric, never told to the caller. */
export type AuthFailureReason =
  | 'not_configured'
  | 'invalid_credentials'
  | 'missing_header'
  | 'header_mismatch'
  | 'missing_token'
  | 'token_mismatch'
  | 'source_ip_not_allowed'
  | 'account_not_allowed';

const nonEmpty = () => z.string().check(z.minLength(1), z.maxLength(4096));

/** Longest account identifier: appKeys and project ids are short; this only bounds the document. */
export const MAX_ACCOUNT_LENGTH = 256;

function isCidr(value: string): boolean {
  return parseCidr(value) !== undefined;
}

/** One provider's entry of the credentials document, validated. */
export const ProviderCredentialsSchema = z.strictObject({
  /** Header name → accepted values (several = rotation). Names are compared case-insensitively. */
  headers: z.optional(
    z.record(z.string().check(z.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/)), z.array(nonEmpty()).check(z.minLength(1))),
  ),
  /** Accepted `{token}` path segments (several = rotation). */
  tokens: z.optional(z.array(nonEmpty()).check(z.minLength(1))),
  /** CIDRs (IPv4 or IPv6; a bare address is a single host) the source IP must fall in. */
  allowedIps: z.optional(z.array(z.string().check(z.refine(isCidr, 'not a CIDR'))).check(z.minLength(1))),
  /**
   * Our own account identifiers at this provider (NHN Cloud's service appKey): when present, an event that names an
   * account not in the list is refused. Several values, so a second project can be added without downtime. An
   * identifier, not a secret: compared exactly, not in constant time, and never a credential on its own.
   */
  accounts: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(MAX_ACCOUNT_LENGTH))).check(z.minLength(1))),
});

/** One provider's validated entry: `headers`, `tokens`, `allowedIps`, `accounts`, each optional. */
export type ProviderCredentials = z.infer<typeof ProviderCredentialsSchema>;

/** What authentication looks at: never the body. */
export interface AuthenticationInput {
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly token?: string;
  readonly sourceIp: string;
}

/** Accepted, or refused with the reason (for logs and metrics only; the caller always gets a plain 401). */
export type AuthenticationResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: AuthFailureReason;
      /** The configured header name that failed, for logs (a name, never a value). */
      readonly header?: string;
    };

/** Checks beyond the credentials document. */
export interface AuthenticateOptions {
  /** The deployment's own allow-list (ALLOWED_SOURCE_IPS), checked in addition to the document's. */
  readonly allowedSourceIps?: IpAllowList;
}

type Digest = Buffer;

interface CompiledCredentials {
  readonly headers: ReadonlyArray<{ readonly name: string; readonly lowerName: string; readonly digests: readonly Digest[] }>;
  readonly tokens?: readonly Digest[];
  readonly allowedIps?: IpAllowList;
  readonly accounts?: ReadonlySet<string>;
}

// One call (`crypto.hash`, Node ≥ 20.12) where there is one: the presented values are digested on every request.
const digest: (value: string) => Digest =
  typeof hash === 'function' ? (value) => hash('sha256', value, 'buffer') : (value) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether `presented` equals one of `accepted`, in time that depends only on how many values are accepted:
 * every value is compared, equal-length digests, no early exit.
 */
export function matchesAny(presented: string, accepted: readonly Digest[]): boolean {
  const candidate = digest(presented);
  let matched = 0;
  for (const value of accepted) matched |= timingSafeEqual(candidate, value) ? 1 : 0;
  return matched === 1;
}

/** An allow-list of CIDRs (IPv4 and IPv6) over `net.BlockList`. */
export interface IpAllowList {
  allows(ip: string): boolean;
}

function parseCidr(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, prefixText, extra] = value.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= max ? { address, prefix, family } : undefined;
}

/**
 * Builds an allow-list from CIDRs. Throws on a value that is not a CIDR (the credentials schema and the env
 * helper check first, so this only throws on a programming error).
 */
export function ipAllowList(cidrs: readonly string[]): IpAllowList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new TypeError(`not a CIDR: ${cidr}`);
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return {
    allows(ip: string): boolean {
      const version = isIP(ip);
      return version !== 0 && list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

// Compiled forms are kept per document object: a credential source returns the same object until it re-reads,
// so the digests are computed once per container and document, not per request.
const compiled = new WeakMap<ProviderCredentials, CompiledCredentials>();

function compile(credentials: ProviderCredentials): CompiledCredentials {
  let result = compiled.get(credentials);
  if (!result) {
    result = {
      headers: Object.entries(credentials.headers ?? {}).map(([name, values]) => ({
        name,
        lowerName: name.toLowerCase(),
        digests: values.map(digest),
      })),
      tokens: credentials.tokens?.map(digest),
      allowedIps: credentials.allowedIps ? ipAllowList(credentials.allowedIps) : undefined,
      accounts: credentials.accounts ? new Set(credentials.accounts) : undefined,
    };
    compiled.set(credentials, result);
  }
  return result;
}

const ACCEPTED: AuthenticationResult = { ok: true };
const ACCOUNT_NOT_ALLOWED: AuthenticationResult = { ok: false, reason: 'account_not_allowed' };

/**
 * Authenticates a request against a provider's credentials. `undefined` credentials (nothing configured) refuse
 * every request.
 *
 * @example
 * ```ts
 * const result = authenticate({ headers: { 'x-toast-webhook-signature': 's3cret' }, sourceIp: '203.0.113.7' },
 *   { headers: { 'X-Toast-Webhook-Signature': ['s3cret', 'previous'] } });
 * // { ok: true }
 * ```
 */
export function authenticate(
  input: AuthenticationInput,
  credentials: ProviderCredentials | undefined,
  options: AuthenticateOptions = {},
): AuthenticationResult {
  if (!canAuthenticate(credentials)) return { ok: false, reason: 'not_configured' };
  const rules = compile(credentials);
  // Every configured header is checked, even after one failed, so the time taken does not say which one.
  let failure: AuthenticationResult | undefined;
  for (const header of rules.headers) {
    const presented = input.headers[header.lowerName];
    const outcome: AuthenticationResult | undefined =
      presented === undefined || presented === '' ? { ok: false, reason: 'missing_header', header: header.name }
      : matchesAny(presented, header.digests) ? undefined
      : { ok: false, reason: 'header_mismatch', header: header.name };
    failure ??= outcome;
  }
  if (rules.tokens) {
    const token = input.token;
    const outcome: AuthenticationResult | undefined =
      token === undefined || token === '' ? { ok: false, reason: 'missing_token' }
      : matchesAny(token, rules.tokens) ? undefined
      : { ok: false, reason: 'token_mismatch' };
    failure ??= outcome;
  }
  if (rules.allowedIps && !rules.allowedIps.allows(input.sourceIp)) failure ??= { ok: false, reason: 'source_ip_not_allowed' };
  if (options.allowedSourceIps && !options.allowedSourceIps.allows(input.sourceIp)) {
    failure ??= { ok: false, reason: 'source_ip_not_allowed' };
  }
  return failure ?? ACCEPTED;
}

/**
 * Whether every account the request's events name is one of `credentials.accounts` (exact, case-sensitive compare).
 * `undefined` names are events that name no account, and pass. Without `accounts` in the document, every request
 * passes: the check is opt-in. Runs after normalizing (the account is in the body), on the same document that
 * authenticated the request.
 *
 * @param named - the account each event names (`ProviderAdapter.accountOf`), `undefined` when it names none.
 *
 * @example
 * ```ts
 * authorizeAccounts(['akb3dukdmdjsdSvgk'], { headers: { … }, accounts: ['akb3dukdmdjsdSvgk'] }); // { ok: true }
 * authorizeAccounts(['someone-else'], { headers: { … }, accounts: ['akb3dukdmdjsdSvgk'] });
 * // { ok: false, reason: 'account_not_allowed' }
 * ```
 */
export function authorizeAccounts(named: Iterable<string | undefined>, credentials: ProviderCredentials): AuthenticationResult {
  const accounts = compile(credentials).accounts;
  if (!accounts) return ACCEPTED;
  for (const account of named) if (account !== undefined && !accounts.has(account)) return ACCOUNT_NOT_ALLOWED;
  return ACCEPTED;
}

function hasHeaders(credentials: ProviderCredentials): boolean {
  return credentials.headers !== undefined && Object.keys(credentials.headers).length > 0;
}

/**
 * Whether `credentials` can let any request in: at least one header or a token list. Without either (no entry,
 * `{}`, `{ "headers": {} }`, `allowedIps` or `accounts` alone) every request is refused, fail closed.
 */
export function canAuthenticate(credentials: ProviderCredentials | undefined): credentials is ProviderCredentials {
  return credentials !== undefined && (hasHeaders(credentials) || credentials.tokens !== undefined);
}
