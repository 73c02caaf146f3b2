/**
 * The ingest Lambda, one per provider, from one factory: a thin handler over pure steps.
 *
 * ```
 * POST? ─405─┐  {provider} = adapter? ─404─┐  authenticate ─401─┐  size ≤ cap ─413─┐
 * normalize ─400 (+ rejected queue)─┐  accounts ─401─┐  SendMessageBatch  →  adapter.reply (2xx only if all queued, else 503)
 * ```
 *
 * Authentication reads only headers, the `{token}` segment and the source IP, so it runs before the body is
 * measured, decoded or parsed: an unauthenticated caller never makes us touch its body. The one check that needs the
 * body, the credentials' optional `accounts` (NHN's appKey), runs on the normalized events against the same
 * document, before anything is queued; a refusal there is a 401 like the others. Every request ends in
 * exactly one structured log line (ids, counts, outcome; never a body, secret, token or whole phone number) that is
 * also the EMF record of its counts (`metrics.ts`).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { INGEST, METRICS } from '../../lib/pipeline-settings';
import type { NormalizedEvent } from '../events/schema';
import type { Normalized, ProviderAdapter, WebhookRequest } from '../providers/types';
import {
  AuthenticationError,
  ConfigurationError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  UnknownProviderError,
  ValidationError,
  WebhookError,
  toErrorResponse,
} from '../shared/errors';
import { isValidTimeZone } from '../shared/time';
import {
  authenticate,
  authorizeAccounts,
  ipAllowList,
  type AuthFailureReason,
  type AuthenticationInput,
  type IpAllowList,
  type ProviderCredentials,
} from './authenticate';
import { InvalidCredentialsError, type CredentialSource } from './credentials';
import { enqueueEvents, type EnqueueResult } from './enqueue';
import { logger } from './logger';
import { count, createMetricsRecorder, newRequestMetrics, type RequestMetrics } from './metrics';
import { keepRejected, rejectedBodyOf } from './rejected';
import { adaptRequest, bodyByteLength, bodyBytes, bodyText, type IngestRequest } from './request';

export interface IngestDependencies {
  adapter: ProviderAdapter;
  sqs: SQSClient;
  eventsQueueUrl: string;
  /** Where authenticated but invalid bodies are kept for inspection; none kept when absent. */
  rejectedQueueUrl?: string;
  credentials: CredentialSource;
  /** Body cap in bytes, checked before decoding or parsing. @default INGEST.maxBodyBytes (256 KiB) */
  maxBodyBytes?: number;
  /** IANA zone of the provider's zone-less timestamps. @default the adapter's `defaultTimeZone` */
  timeZone?: string;
  now?: () => Date;
  /**
   * The deployment's own source-IP allow-list (CIDRs, env `ALLOWED_SOURCE_IPS`), checked in addition to the
   * credentials document's `allowedIps`: both must pass. @default no deployment-wide list
   */
  allowedSourceIps?: readonly string[];
}

/** The API request's log record, built up as the request moves through the steps. */
interface Trace {
  outcome: string;
  statusCode?: number;
  reason?: AuthFailureReason;
  header?: string;
  detail?: string;
  events?: readonly NormalizedEvent[];
  enqueue?: EnqueueResult;
  /** Name and throw site of an unexpected error. */
  error?: Record<string, string>;
  readonly metrics: RequestMetrics;
}

const EMPTY_ENQUEUE: EnqueueResult = { queued: new Set(), messageIds: [], failures: [] };
/** Why a document with `accounts` is refused by an adapter that cannot name one (a field name, never a value). */
const ACCOUNTS_UNSUPPORTED = 'accounts: the events of this provider name no account, so the list cannot be checked';
/** What authentication looks at: headers, the URL token and the source IP, never the body. */
const authenticationInputOf = (request: IngestRequest): AuthenticationInput => ({
  headers: request.headers,
  token: request.token,
  sourceIp: request.sourceIp,
});

/** Ids listed in one log line; the counts are always complete. */
const MAX_LOGGED_IDS = 50;

const AUTH_MESSAGES: Readonly<Record<AuthFailureReason, string>> = {
  not_configured: 'no credentials configured for this provider: every request is refused (fail closed)',
  invalid_credentials: 'credentials document is invalid: every request is refused (fail closed)',
  missing_header: 'credential header missing',
  header_mismatch: 'credential header does not match',
  missing_token: 'URL token missing',
  token_mismatch: 'URL token does not match',
  source_ip_not_allowed: 'source IP not in the allowed ranges',
  account_not_allowed: 'an event names an account not in the accounts list',
};

/** Seven or more digits in a row (a phone number inside a field path, say) keep only their last four. */
function maskDigits(text: string): string {
  return text.replace(/\d{7,}/g, (digits) => `***${digits.slice(-4)}`).slice(0, 200);
}

/** Where an unexpected error was thrown, without its message (which may quote input). */
function errorOrigin(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { errorName: typeof error };
  const frame = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  return { errorName: error.name, ...(frame ? { errorAt: frame.trim() } : {}) };
}

function headersWithout(headers: Readonly<Record<string, string | undefined>>, names: ReadonlySet<string>) {
  // Nothing to strip (a URL-token provider): the adapted headers are already a prototype-free copy.
  if (names.size === 0) return headers;
  // No prototype: a header named `__proto__` stays a header.
  const out: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(headers)) if (!names.has(name)) out[name] = value;
  return out;
}

/**
 * Builds the ingest handler of one provider.
 *
 * @example
 * ```ts
 * export const handler = createIngestHandler({
 *   adapter: adapterFor('webcom'),
 *   sqs: new SQSClient({}),
 *   eventsQueueUrl: process.env.EVENTS_QUEUE_URL,
 *   credentials: extensionCredentialSource(process.env.CREDENTIALS_SECRET_ID, { token: process.env.AWS_SESSION_TOKEN }),
 * });
 * ```
 */
export function createIngestHandler(
  deps: IngestDependencies,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const { adapter } = deps;
  const maxBodyBytes = deps.maxBodyBytes ?? INGEST.maxBodyBytes;
  const timeZone = deps.timeZone ?? adapter.defaultTimeZone;
  const now = deps.now ?? (() => new Date());
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new ConfigurationError('maxBodyBytes must be a positive integer');
  // The adapter's own zone is a constant its tests convert in; only an override is checked here (about 2 ms of
  // Intl at cold start, which `npm run bench` counts against the import budget).
  if (timeZone !== adapter.defaultTimeZone && !isValidTimeZone(timeZone)) throw new ConfigurationError(`unknown time zone ${timeZone}`);
  const allowedSourceIps: IpAllowList | undefined = deps.allowedSourceIps?.length ? ipAllowList(deps.allowedSourceIps) : undefined;
  const metricsOf = createMetricsRecorder(adapter.id);
  // Credential headers never reach the adapter, so no adapter can copy a secret into an event or a log.
  const adapterSecretHeaders = (adapter.credentialHeaders ?? []).map((name) => name.toLowerCase());

  type Verdict = { ok: true; credentials: ProviderCredentials } | { ok: false; reason: AuthFailureReason; header?: string; detail?: string };

  async function verify(input: AuthenticationInput, refresh: boolean): Promise<Verdict> {
    let credentials: ProviderCredentials | undefined;
    try {
      credentials = await deps.credentials.get(adapter.id, { refresh });
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return { ok: false, reason: 'invalid_credentials', detail: error.detail };
      throw error;
    }
    // `accounts` this adapter cannot check is refused like an unknown key: the operator asked for a check that
    // would otherwise silently not happen.
    if (credentials?.accounts && !adapter.accountOf) return { ok: false, reason: 'invalid_credentials', detail: ACCOUNTS_UNSUPPORTED };
    const result = authenticate(input, credentials, { allowedSourceIps });
    return result.ok ? { ok: true, credentials: credentials! } : result;
  }

  /** Counts and logs a refusal, then throws the generic 401: the caller is never told why. */
  function refuse(trace: Trace, verdict: { reason: AuthFailureReason; header?: string; detail?: string }): never {
    trace.reason = verdict.reason;
    trace.header = verdict.header;
    trace.detail = verdict.detail;
    count(trace.metrics, METRICS.authFailures);
    trace.metrics.metadata.reason = verdict.reason;
    throw new AuthenticationError(verdict.reason);
  }

  /** Authenticates against the cached document, and once more against a fresh one if that fails (rotation). */
  async function authenticateRequest(request: IngestRequest, trace: Trace): Promise<ProviderCredentials> {
    const input = authenticationInputOf(request);
    let verdict = await verify(input, false);
    if (!verdict.ok) verdict = await verify(input, true);
    if (verdict.ok) return verdict.credentials;
    return refuse(trace, verdict);
  }

  /**
   * Refuses the whole request when an event names an account the document does not list. Like a refused header,
   * a refusal is checked once more against a fresh copy (re-read at most once a minute, `credentials.ts`), which
   * must authenticate the request again, so a newly added account counts within a minute of its first request.
   */
  async function authorizeEvents(
    events: readonly NormalizedEvent[],
    credentials: ProviderCredentials,
    request: IngestRequest,
    trace: Trace,
  ): Promise<void> {
    const named = events.map((event) => adapter.accountOf?.(event));
    const verdict = authorizeAccounts(named, credentials);
    if (verdict.ok) return;
    const fresh = await verify(authenticationInputOf(request), true);
    if (!fresh.ok) refuse(trace, fresh);
    if (fresh.credentials === credentials) refuse(trace, verdict);
    const retried = authorizeAccounts(named, fresh.credentials);
    if (!retried.ok) refuse(trace, retried);
  }

  // Per credentials document, not per request: a source hands out the same object until it re-reads.
  const secretHeaderSets = new WeakMap<ProviderCredentials, ReadonlySet<string>>();
  function secretHeadersOf(credentials: ProviderCredentials): ReadonlySet<string> {
    let secret = secretHeaderSets.get(credentials);
    if (!secret) {
      secret = new Set([...adapterSecretHeaders, ...Object.keys(credentials.headers ?? {}).map((name) => name.toLowerCase())]);
      secretHeaderSets.set(credentials, secret);
    }
    return secret;
  }

  function webhookRequestOf(request: IngestRequest, credentials: ProviderCredentials): WebhookRequest {
    const secret = secretHeadersOf(credentials);
    return {
      body: bodyText(request),
      headers: headersWithout(request.headers, secret),
      contentType: request.contentType,
      query: request.query,
    };
  }

  async function normalize(request: IngestRequest, credentials: ProviderCredentials, receivedAt: string, trace: Trace): Promise<Normalized> {
    try {
      return adapter.normalize(webhookRequestOf(request, credentials), { receivedAt, timeZone });
    } catch (error) {
      if (error instanceof ValidationError) {
        count(trace.metrics, METRICS.invalidBodies);
        trace.detail = maskDigits(error.message);
        if (deps.rejectedQueueUrl) {
          const context = { provider: adapter.id, requestId: request.requestId, receivedAt, contentType: request.contentType };
          await keepRejected(deps.sqs, deps.rejectedQueueUrl, rejectedBodyOf(context, error, bodyBytes(request)));
        }
      }
      throw error;
    }
  }

  async function ingest(request: IngestRequest, trace: Trace): Promise<APIGatewayProxyStructuredResultV2> {
    if (request.method !== 'POST') throw new MethodNotAllowedError(['POST']);
    if (request.provider !== undefined && request.provider !== adapter.id) throw new UnknownProviderError(request.provider);
    const credentials = await authenticateRequest(request, trace);
    if (bodyByteLength(request, maxBodyBytes) > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes);

    const receivedAt = now().toISOString();
    const normalized = await normalize(request, credentials, receivedAt, trace);
    const { events } = normalized;
    trace.events = events;
    // Opt-in: without `accounts` (nearly always) nothing more runs for the request.
    if (credentials.accounts && adapter.accountOf) await authorizeEvents(events, credentials, request, trace);
    const enqueued = events.length > 0 ? await enqueueEvents(deps.sqs, deps.eventsQueueUrl, events) : EMPTY_ENQUEUE;
    trace.enqueue = enqueued;
    const notQueued = events.filter((event) => !enqueued.queued.has(event.eventId)).length;
    count(trace.metrics, METRICS.eventsQueued, events.length - notQueued);
    count(trace.metrics, METRICS.enqueueFailures, notQueued);
    count(trace.metrics, METRICS.unknownEvents, events.filter((event) => event.type === 'provider.unknown').length);
    if (normalized.ping) count(trace.metrics, METRICS.pings);

    const reply = adapter.reply({ normalized, queued: enqueued.queued });
    trace.outcome =
      notQueued === 0 ? (normalized.ping ? 'ping' : 'accepted')
      : reply.statusCode < 300 ? 'partially_accepted'
      : 'queue_unavailable';
    return { statusCode: reply.statusCode, headers: { ...reply.headers }, body: reply.body };
  }

  function logOutcome(request: IngestRequest, trace: Trace, startedAt: number): void {
    const statusCode = trace.statusCode ?? 500;
    const level =
      statusCode >= 500 || trace.reason === 'not_configured' || trace.reason === 'invalid_credentials' ? 'ERROR'
      : statusCode >= 400 ? 'WARN'
      : 'INFO';
    // The line is also the request's EMF record; when the level hides the line, the metrics go out alone.
    const metrics = metricsOf(trace.metrics, startedAt);
    if (!logger.isEnabled(level)) {
      if (metrics) logger.writeRecord(metrics);
      return;
    }
    // Built field by field rather than from spreads: this runs once per request, on the provider's clock.
    const events = trace.events ?? [];
    const enqueue = trace.enqueue ?? EMPTY_ENQUEUE;
    const fields: Record<string, unknown> = { provider: adapter.id, requestId: request.requestId, outcome: trace.outcome, statusCode: trace.statusCode };
    if (trace.reason) fields.reason = trace.reason;
    if (trace.header) fields.header = trace.header;
    if (trace.detail) fields.detail = trace.detail;
    if (trace.error) Object.assign(fields, trace.error);
    fields.events = events.length;
    fields.queued = enqueue.queued.size;
    if (events.length > 0) {
      const eventIds: string[] = [];
      const messageIds: string[] = [];
      for (let index = 0; index < events.length && index < MAX_LOGGED_IDS; index++) {
        eventIds.push(events[index].eventId);
        const { messageId } = events[index];
        if (messageId) messageIds.push(messageId);
      }
      fields.eventIds = eventIds;
      fields.messageIds = messageIds;
    }
    if (enqueue.failures.length > 0) {
      fields.enqueueFailures = enqueue.failures.slice(0, MAX_LOGGED_IDS).map(({ eventId, code }) => ({ eventId, code }));
    }
    fields.durationMs = Date.now() - startedAt;
    if (metrics) Object.assign(fields, metrics);
    logger.log(level, trace.reason ? AUTH_MESSAGES[trace.reason] : `webhook ${trace.outcome}`, fields);
  }

  return async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const startedAt = Date.now();
    const request = adaptRequest(event);
    const trace: Trace = { outcome: 'internal_error', metrics: newRequestMetrics() };
    let response: APIGatewayProxyStructuredResultV2;
    try {
      response = await ingest(request, trace);
    } catch (error) {
      response = toErrorResponse(error);
      if (error instanceof WebhookError) trace.outcome = error.code;
      else trace.error = errorOrigin(error);
    }
    trace.statusCode = response.statusCode;
    logOutcome(request, trace, startedAt);
    return response;
  };
}
