/**
 * The ingest Lambda, one per provider, from one factory: a short runner over named steps.
 *
 * ```
 * method ─405─┐  {provider} ─404─┐  size ≤ cap ─413─┐  handshake? ─reply─┐  verify (raw bytes, public URL, clock) ─401─┐
 * parse + normalize ─400 (+ rejected queue)─┐  accounts ─401─┐  SendMessageBatch  →  adapter.reply (2xx only if all queued, else 503)
 * ```
 *
 * Verification sees the raw body bytes and the URL the provider called, and runs before any parser: a request that
 * fails it never reaches one. Every request ends in exactly one structured log line (`trace.ts`) that is also the
 * EMF record of its counts (`metrics.ts`).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { INGEST, INGEST_METRICS } from '../settings';
import type { NormalizedEvent } from '../events/schema';
import type { ProviderCredentials } from '../origin/credentials';
import type { AuthFailureReason } from '../origin/types';
import type { Normalized, ProviderAdapter, WebhookRequest } from '../providers/types';
import {
  AuthenticationError,
  ConfigurationError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  TooManyItemsError,
  UnknownProviderError,
  ValidationError,
  WebhookError,
  toErrorResponse,
} from '../core/errors';
import { isValidTimeZone } from '../core/time';
import type { CredentialSource } from './credentials';
import { enqueueEvents, type EnqueueResult } from './enqueue';
import { createMetricsRecorder, count } from './metrics';
import { InvalidItemsError, invalidItemsOf, keepRejected, maskedSecrets, rejectedBodyOf, secretValuesOf } from './rejected';
import { adaptRequest, bodyByteLength, bodyBytes, bodyText, originRequestOf, paramsOf, type IngestRequest } from './request';
import { AUTH_MESSAGES, errorOrigin, logTrace, maskDigits, newTrace, type Trace } from './trace';
import { createVerifier } from './verify';

export interface IngestDependencies {
  adapter: ProviderAdapter;
  sqs: SQSClient;
  eventsQueueUrl: string;
  /** Where authenticated but invalid bodies are kept for inspection; none kept when absent. */
  rejectedQueueUrl?: string;
  credentials: CredentialSource;
  /** Body cap in bytes, checked before decoding, verifying or parsing. @default INGEST.maxBodyBytes (256 KiB) */
  maxBodyBytes?: number;
  /** IANA zone of the provider's zone-less timestamps. @default the adapter's `defaultTimeZone` */
  timeZone?: string;
  now?: () => Date;
  /**
   * The deployment's own source-IP allow-list (CIDRs, env `ALLOWED_SOURCE_IPS`), checked in addition to the
   * credentials document's `allowedIps`: both must pass. @default no deployment-wide list
   */
  allowedSourceIps?: readonly string[];
  /**
   * The public base URL providers call (custom domain, proxy, `npm start`'s gateway), which URL-signed schemes
   * verify against; a function when it is known only once a server listens. @default the URL the request arrived at
   */
  publicBaseUrl?: string | (() => string | undefined);
  /** How far a signed timestamp may be from the clock. @default INGEST.signatureToleranceSeconds (300) */
  signatureToleranceSeconds?: number;
  /**
   * Told how every request ended, whatever the log level: `npm start` shows a refusal's reason on its console line.
   * Names the check and the header, never a value.
   */
  onOutcome?: (outcome: IngestOutcome) => void;
}

/** How one request ended, as {@link IngestDependencies.onOutcome} is told it. */
export interface IngestOutcome {
  readonly requestId: string;
  readonly statusCode: number;
  /** `accepted`, `ping`, an error code (`invalid_body`, `unauthorized`…), `queue_unavailable`… */
  readonly outcome: string;
  /** The check that refused the request (401), and the human message of that check. */
  readonly reason?: string;
  readonly reasonMessage?: string;
  /** The credential header concerned, by name. */
  readonly header?: string;
  /** What was wrong with a body (400), digits masked. */
  readonly detail?: string;
}

const EMPTY_ENQUEUE: EnqueueResult = { queued: new Set(), messageIds: [], failures: [] };

/** Headers the adapter never sees: they carry a secret or a signature (schemes', the document's, the adapter's). */
function withoutSecrets(headers: Readonly<Record<string, string | undefined>>, secret: ReadonlySet<string>): Record<string, string | undefined> {
  // No prototype: a header named `__proto__` stays a header.
  const out: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(headers)) if (!secret.has(name)) out[name] = value;
  return out;
}

/**
 * Builds the ingest handler of one provider.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { adapterFor } from '../providers';
 * import { staticCredentialSource } from './credentials';
 * const handler = createIngestHandler({
 *   adapter: adapterFor('webcom'),
 *   sqs: new SQSClient({}),
 *   eventsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/webhook-events',
 *   credentials: staticCredentialSource({ webcom: { tokens: ['a-long-random-token'] } }),
 * });
 * ```
 */
export function createIngestHandler(deps: IngestDependencies): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const { adapter } = deps;
  const maxBodyBytes = deps.maxBodyBytes ?? INGEST.maxBodyBytes;
  const timeZone = deps.timeZone ?? adapter.defaultTimeZone;
  const now = deps.now ?? (() => new Date());
  const methods = adapter.methods ?? ['POST'];
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new ConfigurationError('maxBodyBytes must be a positive integer');
  // The adapter's own zone is a constant its tests convert in; only an override is checked here (about 2 ms of
  // Intl at cold start, which `npm run bench` counts against the import budget).
  if (timeZone !== adapter.defaultTimeZone && !isValidTimeZone(timeZone)) throw new ConfigurationError(`unknown time zone ${timeZone}`);
  const verifier = createVerifier({
    adapter,
    credentials: deps.credentials,
    allowedSourceIps: deps.allowedSourceIps,
    toleranceSeconds: deps.signatureToleranceSeconds ?? INGEST.signatureToleranceSeconds,
  });
  const metricsOf = createMetricsRecorder(adapter.id);
  const publicBaseUrl = typeof deps.publicBaseUrl === 'function' ? deps.publicBaseUrl : () => deps.publicBaseUrl as string | undefined;
  const aliases = Object.entries(adapter.headerAliases ?? {});
  const schemeSecretHeaders = [
    ...(adapter.credentialHeaders ?? []),
    ...verifier.schemes.flatMap((scheme) => scheme.secretHeaders ?? []),
    ...aliases.flat(),
  ].map((name) => name.toLowerCase());
  /** The request with each aliased header read under its own name when that is absent. */
  const withAliases = (request: IngestRequest): IngestRequest => {
    if (aliases.length === 0 || aliases.every(([alias, name]) => request.headers[alias] === undefined || request.headers[name] !== undefined))
      return request;
    const headers: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
    Object.assign(headers, request.headers);
    for (const [alias, name] of aliases) if (headers[name] === undefined && headers[alias] !== undefined) headers[name] = headers[alias];
    return { ...request, headers };
  };
  const secretHeaderSets = new WeakMap<object, ReadonlySet<string>>();
  /** Per credentials document: the schemes' secret headers plus the document's own header names. */
  function secretHeadersOf(credentials: { headers?: Record<string, readonly string[]> } | undefined): ReadonlySet<string> {
    if (!credentials) return new Set(schemeSecretHeaders);
    let secret = secretHeaderSets.get(credentials);
    if (!secret) {
      secret = new Set([...schemeSecretHeaders, ...Object.keys(credentials.headers ?? {}).map((name) => name.toLowerCase())]);
      secretHeaderSets.set(credentials, secret);
    }
    return secret;
  }

  function webhookRequestOf(request: IngestRequest, bytes: Buffer, secret: ReadonlySet<string>): WebhookRequest {
    const body = bodyText(request, bytes);
    return {
      method: request.method,
      body,
      params: paramsOf(request, body),
      headers: withoutSecrets(request.headers, secret),
      contentType: request.contentType,
      query: request.query,
    };
  }

  /** Logs and counts a refusal (the reason, for the log line and the metric; never for the caller). */
  function noteRefusal(trace: Trace, error: AuthenticationError): void {
    trace.reason = error.reason as AuthFailureReason;
    trace.header = error.refusal.header;
    trace.detail = error.refusal.detail;
    count(trace.metrics, INGEST_METRICS.authFailures);
    trace.metrics.metadata.reason = error.reason;
  }

  function refused(trace: Trace, error: AuthenticationError): never {
    noteRefusal(trace, error);
    throw error;
  }

  async function normalize(
    request: IngestRequest,
    webhook: WebhookRequest,
    bytes: Buffer,
    receivedAt: string,
    trace: Trace,
    credentials: ProviderCredentials,
  ): Promise<Normalized> {
    try {
      return adapter.normalize(webhook, { receivedAt, timeZone });
    } catch (error) {
      // Refused, but it passed verification: kept on the rejected queue for inspection.
      if (error instanceof ValidationError || error instanceof TooManyItemsError) {
        count(trace.metrics, INGEST_METRICS.invalidBodies);
        trace.detail = maskDigits(error.message);
        if (deps.rejectedQueueUrl) {
          const context = { provider: adapter.id, requestId: request.requestId, receivedAt, contentType: request.contentType };
          // Kept as received, less any credential the provider put in the body (InnoPaaS SMS's password).
          await keepRejected(deps.sqs, deps.rejectedQueueUrl, rejectedBodyOf(context, error, maskedSecrets(bytes, secretValuesOf(credentials))));
        }
      }
      throw error;
    }
  }

  /**
   * A batch's invalid items (kept by the batch rule as `provider.unknown` events with their error) leave as one
   * rejected record, with the whole body and each item's reason, instead of one event each: an authenticated request
   * full of broken items must not become thousands of events. The valid items go on.
   */
  async function keptApart(
    normalized: Normalized,
    request: IngestRequest,
    bytes: Buffer,
    receivedAt: string,
    trace: Trace,
    credentials: ProviderCredentials,
  ): Promise<Normalized> {
    const { valid, invalid } = invalidItemsOf(normalized.events);
    if (invalid.length === 0) return normalized;
    count(trace.metrics, INGEST_METRICS.invalidBodies);
    const error = new InvalidItemsError(invalid, normalized.events.length);
    trace.detail = maskDigits(error.message);
    if (deps.rejectedQueueUrl) {
      const context = { provider: adapter.id, requestId: request.requestId, receivedAt, contentType: request.contentType };
      await keepRejected(deps.sqs, deps.rejectedQueueUrl, rejectedBodyOf(context, error, maskedSecrets(bytes, secretValuesOf(credentials))));
    }
    return { ...normalized, events: valid };
  }

  async function enqueue(events: readonly NormalizedEvent[], trace: Trace): Promise<EnqueueResult> {
    const enqueued = events.length > 0 ? await enqueueEvents(deps.sqs, deps.eventsQueueUrl, events) : EMPTY_ENQUEUE;
    trace.enqueue = enqueued;
    const notQueued = events.filter((event) => !enqueued.queued.has(event.eventId)).length;
    count(trace.metrics, INGEST_METRICS.eventsQueued, events.length - notQueued);
    count(trace.metrics, INGEST_METRICS.enqueueFailures, notQueued);
    count(trace.metrics, INGEST_METRICS.unknownEvents, events.filter((event) => event.type === 'provider.unknown').length);
    return enqueued;
  }

  async function ingest(received: IngestRequest, trace: Trace): Promise<APIGatewayProxyStructuredResultV2> {
    const request = withAliases(received);
    if (!methods.includes(request.method as 'GET' | 'POST')) throw new MethodNotAllowedError(methods);
    if (request.provider !== undefined && request.provider !== adapter.id) throw new UnknownProviderError(request.provider);
    if (bodyByteLength(request, maxBodyBytes) > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes);
    const bytes = bodyBytes(request);
    const clock = now();

    if (adapter.handshake) {
      const webhook = webhookRequestOf(request, bytes, secretHeadersOf(undefined));
      if (adapter.handshake.matches(webhook)) {
        let reply = adapter.handshake.answer(webhook, await verifier.document(false));
        // As with a refused signature: once more against a fresh copy (re-read at most once a minute), so a token
        // just added to the secret is seen when the provider's console checks it.
        if (reply.statusCode >= 300) reply = adapter.handshake.answer(webhook, await verifier.document(true));
        if (reply.statusCode >= 300) {
          // Counted as a refusal, but answered as the provider expects (Meta: 403 for a wrong verify token).
          const error = new AuthenticationError('credentials_mismatch', { detail: 'handshake token does not match' });
          noteRefusal(trace, error);
          trace.outcome = error.code;
          return { statusCode: reply.statusCode, headers: { ...reply.headers }, body: reply.body };
        }
        trace.outcome = 'handshake';
        count(trace.metrics, INGEST_METRICS.pings);
        return { statusCode: reply.statusCode, headers: { ...reply.headers }, body: reply.body };
      }
    }

    const origin = originRequestOf(request, bytes, { publicBaseUrl: publicBaseUrl(), now: clock.getTime() });
    let credentials: Awaited<ReturnType<typeof verifier.verify>>;
    try {
      credentials = await verifier.verify(origin);
    } catch (error) {
      if (error instanceof AuthenticationError) refused(trace, error);
      throw error;
    }

    const receivedAt = clock.toISOString();
    const webhook = webhookRequestOf(request, bytes, secretHeadersOf(credentials));
    const normalized = await keptApart(
      await normalize(request, webhook, bytes, receivedAt, trace, credentials),
      request,
      bytes,
      receivedAt,
      trace,
      credentials,
    );
    const { events } = normalized;
    trace.events = events;
    // Opt-in: without `accounts` (nearly always) nothing more runs for the request.
    if (credentials.accounts && adapter.accountOf) {
      try {
        await verifier.authorizeAccounts(events, credentials, origin);
      } catch (error) {
        if (error instanceof AuthenticationError) refused(trace, error);
        throw error;
      }
    }
    const enqueued = await enqueue(events, trace);
    if (normalized.ping) count(trace.metrics, INGEST_METRICS.pings);

    const reply = adapter.reply({ normalized, queued: enqueued.queued });
    const notQueued = events.length - enqueued.queued.size;
    trace.outcome = notQueued === 0 ? (normalized.ping ? 'ping' : 'accepted') : reply.statusCode < 300 ? 'partially_accepted' : 'queue_unavailable';
    return { statusCode: reply.statusCode, headers: { ...reply.headers }, body: reply.body };
  }

  return async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const startedAt = Date.now();
    const request = adaptRequest(event);
    const trace = newTrace();
    let response: APIGatewayProxyStructuredResultV2;
    try {
      response = await ingest(request, trace);
    } catch (error) {
      const answer = toErrorResponse(error);
      response = adapter.replyToError ? adapter.replyToError(answer, error) : answer;
      if (error instanceof WebhookError) trace.outcome = error.code;
      else trace.error = errorOrigin(error);
    }
    trace.statusCode = response.statusCode;
    logTrace(trace, { provider: adapter.id, requestId: request.requestId, startedAt, metricsOf });
    deps.onOutcome?.({
      requestId: request.requestId,
      statusCode: response.statusCode ?? 200,
      outcome: trace.outcome,
      ...(trace.reason ? { reason: trace.reason, reasonMessage: AUTH_MESSAGES[trace.reason] } : {}),
      ...(trace.header ? { header: trace.header } : {}),
      // An auth refusal's detail is the check's own wording and stays in the log; a body's is safe to show.
      ...(trace.detail && !trace.reason ? { detail: trace.detail } : {}),
    });
    return response;
  };
}
