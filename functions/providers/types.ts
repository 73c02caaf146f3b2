/**
 * The contract every provider adapter implements. An adapter is pure: no AWS SDK, no I/O. The ingest handler
 * checks the method and the size cap, verifies the request with the adapter's proof-of-origin schemes, then calls
 * `normalize`, queues the events, and calls `reply` with what was queued. Adding a provider = one file implementing
 * this, its fixtures, one line in `./index.ts` and its dev credentials (`docs/adding-a-provider.md`).
 */
import type { Channel, EventType, NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import type { ProviderCredentials } from '../origin/credentials';
import type { CredentialKey, FormParams, OriginScheme } from '../origin/types';
import type { ErrorResponse } from '../core/errors';

/** The request as an adapter sees it: verified and under the size cap. */
export interface WebhookRequest {
  /** Upper-case HTTP method (`POST`, or `GET` for providers that call back with a query string). */
  readonly method: string;
  /** The body as text, decoded in its declared charset (UTF-8 when none), a leading byte-order mark removed. */
  readonly body: string;
  /**
   * The form parameters: a form-encoded body's, or a GET's query; repeated names kept in order. Empty for other
   * bodies.
   */
  readonly params: FormParams;
  /** Header names lower-cased; values as sent. Headers that carry a secret or a signature are left out. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Media type without parameters, lower-cased (`application/json`), if sent. */
  readonly contentType?: string;
  /** Query parameters (a repeated name's values joined with `,`, as API Gateway does). */
  readonly query: Readonly<Record<string, string | undefined>>;
}

export interface NormalizeContext {
  /** When the request reached us, ISO-8601 UTC. */
  readonly receivedAt: string;
  /** IANA zone of the provider's zone-less timestamps (adapter default unless the deployment overrides it). */
  readonly timeZone: string;
}

export interface Normalized {
  /** The events to queue, in the order the provider sent them. Empty only for a ping. */
  readonly events: NormalizedEvent[];
  /**
   * The provider's test or verification request (NHN console check, a "test" button): answered 2xx, counted,
   * and not stored as a message status.
   */
  readonly ping?: boolean;
  /** How the reply must be encoded when the provider has several body formats (Webcom XML or JSON). */
  readonly replyFormat?: 'json' | 'xml';
}

export interface DeliveryOutcome {
  readonly normalized: Normalized;
  /** `eventId`s that are durably on the events queue. */
  readonly queued: ReadonlySet<string>;
}

export interface WebhookReply {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What an adapter's mapping gives a provider status: the canonical status and whether it is final. */
export interface MappedStatus {
  readonly status: CanonicalStatus;
  readonly final: boolean;
}

/** One documented event of a provider, as the README table and the docs show it. */
export interface CatalogEntry {
  /** The provider's own name for it (`MESSAGE_RESULT_UPDATE`, `<state>`, `status_id webhook`). */
  readonly providerEvent: string;
  readonly type: EventType;
  readonly channel: Channel;
  /** Provider status → canonical status, for `message.status` events. */
  readonly statuses?: Readonly<Record<string, CanonicalStatus>>;
}

/**
 * A provider's unsigned handshake (Meta's `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`): answered
 * by the adapter from its own credential key, recorded as a ping, never normalized.
 */
export interface Handshake {
  /** The credential keys it reads (`verifyTokens`). */
  readonly keys: readonly CredentialKey[];
  /** Whether `request` is the handshake. */
  matches(request: WebhookRequest): boolean;
  /** The answer: 2xx when the provider proved itself, else a refusal (counted as an authentication failure). */
  answer(request: WebhookRequest, credentials: ProviderCredentials | undefined): WebhookReply;
}

/**
 * How a provider proves where a request comes from, for docs and the stack's instructions. `iam`: it does not call
 * us at all; an AWS service delivers its events to our function under IAM and resource policies (EventBridge, SNS).
 */
export type AuthenticationKind = 'headers' | 'url-token' | 'signature' | 'basic-auth' | 'body-credentials' | 'iam';

/** Where an adapter's events come from: an HTTP route, or an AWS service invoking the record ingest. */
export type IngestSource = 'http' | 'eventbridge' | 'sns';

/**
 * One event as EventBridge delivers it to a Lambda target: the envelope's fields, `detail` as sent (already JSON).
 * `detail-type` and `source` are renamed so they read as fields.
 */
export interface EventBridgeRecord {
  readonly source: 'eventbridge';
  /** EventBridge's id of the event (a retry of the same delivery keeps it). */
  readonly id: string;
  /** `detail-type`, e.g. `Text Message Delivery Status Updated`. */
  readonly detailType: string;
  /** The envelope's `source`, e.g. `aws.sms-voice`. */
  readonly eventSource: string;
  /** The envelope's `time`, ISO-8601 UTC to the second. */
  readonly time: string;
  readonly detail: unknown;
}

/** One SNS notification as SNS hands it to a Lambda function (`Records[].Sns`) or to an HTTPS endpoint. */
export interface SnsRecord {
  readonly source: 'sns';
  readonly messageId: string;
  readonly topicArn: string;
  /** When SNS accepted the message, ISO-8601 UTC. */
  readonly timestamp: string;
  /** The published text, as published (AWS End User Messaging publishes JSON). */
  readonly message: string;
  readonly subject?: string;
}

/** What the record ingest hands an adapter: one EventBridge event or one SNS notification. */
export type SourceRecord = EventBridgeRecord | SnsRecord;

/** The EventBridge pattern of the rule the stack creates for an adapter (`source` and `detail-type` lists). */
export interface RecordEventPattern {
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
}

export interface ProviderAdapter {
  /** Kebab-case id: the `{provider}` of the routes and the `provider` of events. */
  readonly id: string;
  readonly displayName: string;
  /**
   * How the provider proves itself by default: static headers set in its console, a signature, HTTP Basic,
   * credentials in the body, or nothing it sends (then a URL token). Every provider can also be given a URL token
   * and source IP ranges.
   */
  readonly authentication: AuthenticationKind;
  /**
   * Where its events come from. An adapter without `http` has no HTTP route (neither on AWS nor under `npm start`):
   * the record ingest (`functions/ingest/createRecordIngestHandler.ts`) feeds it through `normalizeRecord`.
   * @default ['http']
   */
  readonly sources?: readonly IngestSource[];
  /** The events its EventBridge rule matches, when `sources` has `eventbridge`. */
  readonly eventPattern?: RecordEventPattern;
  /**
   * Normalizes one record an AWS service delivered (`sources` other than `http`). Same rules as `normalize`: a record
   * that is not what the service documents throws `ValidationError`; an unknown event type is kept.
   */
  normalizeRecord?(record: SourceRecord, context: NormalizeContext): Normalized;
  /** The headers its console lets you set, when `authentication` is `headers`. */
  readonly credentialHeaders?: readonly string[];
  /**
   * Other names a provider sends a header under (lower-case alias → lower-case name): the alias is read as the
   * header when the header itself is absent (NHN's `X-Nhn-Webhook-Signature` for `X-Toast-Webhook-Signature`).
   */
  readonly headerAliases?: Readonly<Record<string, string>>;
  /**
   * The provider's own proof-of-origin schemes (signatures, HTTP Basic, body credentials), from `functions/origin`.
   * The platform adds static headers, a URL token and source IP ranges to every provider.
   */
  readonly origin?: readonly OriginScheme[];
  /** Methods its callbacks use. @default ['POST'] */
  readonly methods?: readonly ('GET' | 'POST')[];
  /** Its handshake, when it has one. */
  readonly handshake?: Handshake;
  /**
   * How our own refusals and failures are answered, when the provider's convention differs from a JSON error (the
   * status code stays: a failure of ours is always a 5xx so the provider retries), or when the provider must be told
   * to retry what we refused (Vonage's Messages API sends an unsigned callback after an internal error of its own,
   * and retries it only on a 5xx). `error` is what was thrown (an `AuthenticationError` carries its reason).
   */
  replyToError?(response: ErrorResponse, error: unknown): ErrorResponse;
  /** Default zone of its zone-less timestamps (docs/design.md); a deployment may override it. */
  readonly defaultTimeZone: string;
  readonly catalog: readonly CatalogEntry[];
  /**
   * Parses, validates and normalizes one request. Throws `ValidationError` (naming the field) for a body that is
   * not what the provider documents. An event type or status it does not know is not an error: it becomes a
   * `provider.unknown` event or an `unknown` non-final status, kept and counted.
   */
  normalize(request: WebhookRequest, context: NormalizeContext): Normalized;
  /**
   * Which of our accounts at the provider an event names (NHN's service appKey), read from the normalized event
   * (never the raw body), or `undefined` when it names none. Only for providers whose docs ask to check it: when
   * the credentials document lists `accounts`, the ingest refuses (401) a request with any event whose account is
   * not listed. An adapter without it cannot be given `accounts`: the ingest treats that document as invalid
   * (fail closed) rather than skip a check the operator asked for.
   */
  accountOf?(event: NormalizedEvent): string | undefined;
  /**
   * The status its current mapping gives a recorded `message.status` event, read from what the event kept: its
   * `providerStatus`, and its `data` where the mapping reads more (NHN's result code, AWS's `isFinal`). Never from
   * the request, which is not kept, and never from `raw` alone, which an oversized event loses. `undefined` when the
   * event lacks what the mapping reads. Pure, with the mapping table `normalize` uses, so that once a mapping is
   * fixed, `npm run ops -- renormalize` repairs the statuses stored under the old one, whatever the provider's body
   * format (form, JSON, XML, an AWS record). Most adapters are `statusOfProviderStatus(TABLE)` (`./common`).
   */
  statusOf(event: NormalizedEvent): MappedStatus | undefined;
  /**
   * The answer the provider expects, given what was queued. Must not answer 2xx for an event that is not in
   * `queued`, unless the reply tells the provider exactly which ones were taken (Webcom).
   */
  reply(outcome: DeliveryOutcome): WebhookReply;
}
