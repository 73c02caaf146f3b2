/**
 * Where a provider's credentials document comes from: one JSON file with every provider locally
 * (`WEBHOOK_SECRETS_FILE`), one Secrets Manager secret per provider on AWS (`CREDENTIALS_SECRET_ID`), read through
 * the AWS Parameters and Secrets Lambda Extension.
 *
 * Both sources read once per container and cache. A failed authentication may ask for a fresh copy
 * (`refresh: true`), which is honoured at most once per `minRefreshIntervalMs` (a minute): a new value is
 * picked up within a minute, and a flood of bad requests costs at most one read a minute. A copy older than
 * `maxAgeMs` (five minutes) is re-read on the next request whatever its outcome, so a retired value (say, one
 * that leaked) stops working within five minutes without recycling the function: successful requests alone
 * would never trigger a refresh.
 *
 * ```
 * t=0      cold start: read ──────────────► cached
 * t=10s    401 → refresh? last read 10 s ago → no read, cached copy
 * t=70s    401 → refresh? last read 70 s ago → read again, verify again with the fresh copy
 * t=370s   200 or 401: copy is 300 s old → read again before verifying
 * ```
 *
 * Outcomes a caller must tell apart:
 * - `undefined`: nothing configured for that provider → refuse (fail closed).
 * - `InvalidCredentialsError`: the document is malformed → refuse (fail closed), log why.
 * - `CredentialsUnavailableError` (503): the document could not be read at all (Secrets Manager or the extension
 *   down, file missing) → nobody is let in, and the provider retries later instead of being told its credentials are wrong.
 */
import { readFile } from 'node:fs/promises';
import { ValidationError, WebhookError } from '../core/errors';
import { logger } from './logger';
import { CREDENTIAL_KEYS, parseProviderCredentials, type ProviderCredentials } from '../origin/credentials';

export type { ProviderCredentials } from '../origin/credentials';

/** A provider's credentials document, cached. See the module comment for the refresh rule. */
export interface CredentialSource {
  get(provider: string, options?: { refresh?: boolean }): Promise<ProviderCredentials | undefined>;
}

/** The credentials document exists but is malformed: the provider is refused (fail closed). */
export class InvalidCredentialsError extends Error {
  constructor(
    readonly provider: string,
    /** What is wrong, naming the field; never a value. */
    readonly detail: string,
    /** The whole document is unusable (not JSON, not an object), not just this provider's entry. */
    readonly wholeDocument = false,
  ) {
    super(wholeDocument ? `the credentials document is invalid: ${detail}` : `credentials of ${provider} are invalid: ${detail}`);
    this.name = 'InvalidCredentialsError';
  }
}

/** The credentials document could not be read: answered 503 so the provider retries. */
export class CredentialsUnavailableError extends WebhookError {
  readonly statusCode = 503;
  readonly code = 'credentials_unavailable';
  constructor(options?: { cause?: unknown }) {
    super('credentials are unavailable; retry later', options);
  }
}

/** Timing of the cache shared by every source; the defaults suit Lambda. */
export interface CredentialSourceOptions {
  /** Least time between two re-reads asked for by failed authentications. @default 60_000 */
  readonly minRefreshIntervalMs?: number;
  /** Age after which the cached copy is re-read on the next request, refresh or not. @default 300_000 */
  readonly maxAgeMs?: number;
  /**
   * After a read that failed with no copy cached, requests within this time fail at once instead of reading
   * again, so an outage of the store is not multiplied by the request rate. @default 1_000
   */
  readonly retryAfterFailureMs?: number;
  /** Clock, in epoch ms (tests). @default Date.now */
  readonly now?: () => number;
}

/** The document as read: parsed JSON, or `undefined` when the store says there is none. */
type Loader = () => Promise<unknown>;
/** The provider's raw entry in a document, or `undefined` when it has none. */
type Selector = (document: unknown, provider: string) => unknown;

interface Snapshot {
  readonly at: number;
  readonly document: unknown;
  readonly entries: Map<string, ProviderCredentials | undefined | InvalidCredentialsError>;
}

const DEFAULT_MIN_REFRESH_MS = 60_000;
const DEFAULT_MAX_AGE_MS = 300_000;
const DEFAULT_RETRY_AFTER_FAILURE_MS = 1_000;

/** Marks a document that is not JSON; the error is raised per provider, like any other invalid entry. */
const NOT_JSON: unique symbol = Symbol('not JSON');

function parseDocument(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys starting with `_` are comments (`_readme`): dropped before validation, at every level. */
function withoutComments(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (!key.startsWith('_')) out[key] = value[key];
  return out;
}

function resolveEntry(provider: string, document: unknown, select: Selector): ProviderCredentials | undefined | InvalidCredentialsError {
  if (document === NOT_JSON) return new InvalidCredentialsError(provider, 'not valid JSON', true);
  if (document === undefined) return undefined;
  if (!isPlainObject(document)) return new InvalidCredentialsError(provider, 'not a JSON object', true);
  const entry = select(document, provider);
  if (entry === undefined) return undefined;
  try {
    return parseProviderCredentials(withoutComments(entry));
  } catch (error) {
    if (error instanceof ValidationError) return new InvalidCredentialsError(provider, error.message);
    throw error;
  }
}

/**
 * The caching and refresh rules shared by every source; `load` does the actual read. Exported for sources
 * beyond the two here (a parameter store, a test double).
 */
export function cachedCredentialSource(load: Loader, select: Selector, options: CredentialSourceOptions = {}): CredentialSource {
  const minRefreshMs = options.minRefreshIntervalMs ?? DEFAULT_MIN_REFRESH_MS;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? DEFAULT_RETRY_AFTER_FAILURE_MS;
  const now = options.now ?? Date.now;
  let snapshot: Snapshot | undefined;
  let inFlight: Promise<Snapshot> | undefined;
  let failedAt: number | undefined;
  // Last time a refresh was attempted, successful or not: a failing store is not asked more than once a minute.
  let refreshedAt = Number.NEGATIVE_INFINITY;

  const read = (): Promise<Snapshot> => {
    inFlight ??= load()
      .then((document): Snapshot => ({ at: now(), document, entries: new Map() }))
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  const initial = async (): Promise<Snapshot> => {
    if (failedAt !== undefined && now() - failedAt < retryAfterFailureMs) throw new CredentialsUnavailableError();
    try {
      const fresh = await read();
      failedAt = undefined;
      return fresh;
    } catch (error) {
      failedAt = now();
      throw error instanceof CredentialsUnavailableError ? error : new CredentialsUnavailableError({ cause: error });
    }
  };

  /** A fresh copy if the last read (or attempt) is at least `after` ms old, else the current one. */
  const refreshed = async (current: Snapshot, after: number): Promise<Snapshot> => {
    const lastRead = Math.max(current.at, refreshedAt);
    if (now() - lastRead < after) return current;
    refreshedAt = now();
    try {
      return await read();
    } catch (error) {
      // Keep serving the copy we have: a store outage must not lock out a provider whose secret still works.
      logger.warn('credentials could not be re-read; keeping the cached copy', { error: errorName(error) });
      return current;
    }
  };

  return {
    async get(provider, getOptions = {}) {
      snapshot = snapshot === undefined ? await initial() : await refreshed(snapshot, getOptions.refresh ? minRefreshMs : maxAgeMs);
      const current = snapshot;
      if (!current.entries.has(provider)) current.entries.set(provider, resolveEntry(provider, current.document, select));
      const entry = current.entries.get(provider);
      if (entry instanceof InvalidCredentialsError) throw entry;
      return entry;
    },
  };
}

/** An error's name for the log, with the system code under it when there is one (`TypeError: ECONNREFUSED`). */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${error.name}: ${code}` : error.name;
}

/** The local file: one object keyed by provider id. */
const byProviderKey: Selector = (document, provider) =>
  isPlainObject(document) && Object.hasOwn(document, provider) ? document[provider] : undefined;

const ENTRY_KEYS: readonly string[] = CREDENTIAL_KEYS;

/**
 * A Secrets Manager secret holds one provider's entry (`{"headers": …}`). The file's shape (keyed by provider
 * id) is accepted too, so the same document can be stored in both places; a document keyed by other providers
 * only means "nothing configured for this one".
 */
const entryOrByProviderKey: Selector = (document, provider) => {
  if (!isPlainObject(document)) return undefined;
  if (Object.hasOwn(document, provider)) return document[provider];
  return ENTRY_KEYS.some((key) => Object.hasOwn(document, key)) ? document : undefined;
};

/**
 * The local credentials file (docs/design.md "Provider credentials"): one JSON object keyed by provider id; keys
 * starting with `_` are comments. A file that cannot be read is `CredentialsUnavailableError` (503).
 *
 * @example
 * ```ts
 * const credentials = fileCredentialSource('config/credentials.dev.json');
 * await credentials.get('webcom'); // { tokens: ['dev-webcom-token-…'] }
 * ```
 */
export function fileCredentialSource(path: string, options?: CredentialSourceOptions): CredentialSource {
  return cachedCredentialSource(
    async () => {
      try {
        return parseDocument(await readFile(path, 'utf8'));
      } catch (error) {
        logger.error('credentials file cannot be read', { path, error: errorName(error) });
        throw new CredentialsUnavailableError({ cause: error });
      }
    },
    byProviderKey,
    options,
  );
}

/** A fixed document (same shape as the file), for tests and embedding. */
export function staticCredentialSource(document: unknown): CredentialSource {
  return cachedCredentialSource(async () => document, byProviderKey);
}

/** Options of `extensionCredentialSource`: where the extension listens and how long a read may take. */
export interface ExtensionCredentialSourceOptions extends CredentialSourceOptions {
  /**
   * The function's session token (`AWS_SESSION_TOKEN`): the extension answers only requests that present it in
   * `X-Aws-Parameters-Secrets-Token`, so another process in the sandbox cannot read the function's secrets.
   */
  readonly token: string;
  /** The extension's port (`PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`). @default 2773 */
  readonly port?: number;
  /** @default 'localhost', as the extension's documentation calls it */
  readonly host?: string;
  /**
   * Bound on one read, from connecting to the last byte. A stuck extension then costs one request this long (a
   * 503 the provider retries) instead of holding the webhook until the function's or API Gateway's timeout.
   * @default 2_000
   */
  readonly timeoutMs?: number;
  /** The HTTP client (tests). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** The header the extension checks against the function's session token. */
const TOKEN_HEADER = 'X-Aws-Parameters-Secrets-Token';
/** The extension's port when nothing else is said (its documented default). */
export const DEFAULT_EXTENSION_PORT = 2773;
/**
 * Bound on one read through the extension. Far under API Gateway's 30 s and the function's 10 s, and over the
 * extension's own Secrets Manager timeout set by the stack (`lib/defaults.ts`), so the extension answers first.
 */
export const DEFAULT_EXTENSION_TIMEOUT_MS = 2_000;

/**
 * The Secrets Manager error named in an error answer of the extension, if any. The extension passes Secrets
 * Manager's error on, but its body's shape is not documented (a JSON `__type`, or the SDK's message as text), so
 * the code is looked for as a word; only that word is logged, never the body.
 */
function awsErrorCodeIn(body: string): string | undefined {
  return /\b[A-Z][A-Za-z]*(?:Exception|Error|Failure)\b/.exec(body.slice(0, 2_000))?.[0];
}

/** Secrets Manager's answer for a secret that does not exist. */
const NOT_FOUND = /\bResourceNotFoundException\b/;

/** The document inside a GetSecretValue result: `SecretString`, or `SecretBinary` (base64 in JSON) as UTF-8. */
function documentOfSecretValue(result: Record<string, unknown>): unknown {
  if (typeof result.SecretString === 'string') return parseDocument(result.SecretString);
  if (typeof result.SecretBinary === 'string') return parseDocument(Buffer.from(result.SecretBinary, 'base64').toString('utf8'));
  return undefined;
}

/**
 * One Secrets Manager secret (a provider's entry, or the file's shape), read through the AWS Parameters and
 * Secrets Lambda Extension: `GET http://localhost:2773/secretsmanager/get?secretId=…`, which answers Secrets
 * Manager's GetSecretValue result as JSON, so the function needs no Secrets Manager client (13.6 kB of bundle and
 * its set-up at cold start). The extension calls Secrets Manager with the function's role.
 *
 * The caching and refresh rules are this module's, not the extension's: the stack turns the extension's own cache
 * off (`SECRETS_MANAGER_TTL=0`), since a copy it kept for up to five minutes would make a refresh after a failed
 * authentication return the same stale value instead of asking Secrets Manager.
 *
 * A secret that does not exist (`ResourceNotFoundException`) means "nothing configured": refused, fail closed. Any
 * other error answer, no answer within `timeoutMs`, or an answer that is not a GetSecretValue result is
 * `CredentialsUnavailableError` (503), and a refresh that fails keeps the cached copy.
 *
 * @example
 * ```ts
 * declare const secretId: string;
 * declare const sessionToken: string; // AWS_SESSION_TOKEN, which Lambda sets
 * const credentials = extensionCredentialSource(secretId, {
 *   token: sessionToken,
 *   port: Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
 * });
 * ```
 */
export function extensionCredentialSource(secretId: string, options: ExtensionCredentialSourceOptions): CredentialSource {
  const { token, host = 'localhost', port = DEFAULT_EXTENSION_PORT, timeoutMs = DEFAULT_EXTENSION_TIMEOUT_MS } = options;
  const send = options.fetch ?? fetch;
  const url = `http://${host}:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
  const unavailable = (message: string, context: Record<string, unknown>, cause?: unknown): never => {
    logger.error(message, { secretId, ...context });
    throw new CredentialsUnavailableError({ cause });
  };

  return cachedCredentialSource(
    async () => {
      let status: number;
      let body: string;
      try {
        // The signal bounds the body too, not only the headers.
        const response = await send(url, { headers: { [TOKEN_HEADER]: token }, signal: AbortSignal.timeout(timeoutMs) });
        status = response.status;
        body = await response.text();
      } catch (error) {
        return unavailable(
          'credentials secret cannot be read: no answer from the Parameters and Secrets extension',
          { error: errorName(error) },
          error,
        );
      }
      if (status < 200 || status > 299) {
        // Looked for anywhere in the text: a message may name a wrapping error first (`ClientError: Resource…`).
        if (NOT_FOUND.test(body)) {
          logger.error('credentials secret does not exist; refusing every request', { secretId });
          return undefined;
        }
        return unavailable('credentials secret cannot be read', { status, error: awsErrorCodeIn(body) ?? 'unknown' });
      }
      const result = parseDocument(body);
      if (!isPlainObject(result))
        return unavailable("credentials secret cannot be read: the extension's answer is not a GetSecretValue result", { status });
      return documentOfSecretValue(result);
    },
    entryOrByProviderKey,
    options,
  );
}
