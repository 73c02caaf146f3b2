/**
 * The contract every provider adapter implements. An adapter is pure: no AWS SDK, no I/O. The ingest handler
 * authenticates and size-checks the request, then calls `normalize`, queues the events, and calls `reply` with
 * what was queued. Adding a provider = one file implementing this, its fixtures, one line in `./index.ts`.
 */
import type { Channel, EventType, NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';

/** The request as an adapter sees it: already authenticated and under the size cap. */
export interface WebhookRequest {
  /** The body as text (UTF-8). */
  readonly body: string;
  /** Header names lower-cased; values as sent (several values joined with ", "). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Media type without parameters, lower-cased (`application/json`), if sent. */
  readonly contentType?: string;
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

/** One documented event of a provider, as the README table and the docs show it. */
export interface CatalogEntry {
  /** The provider's own name for it (`MESSAGE_RESULT_UPDATE`, `<state>`, `status_id webhook`). */
  readonly providerEvent: string;
  readonly type: EventType;
  readonly channel: Channel;
  /** Provider status → canonical status, for `message.status` events. */
  readonly statuses?: Readonly<Record<string, CanonicalStatus>>;
}

export interface ProviderAdapter {
  /** Kebab-case id: the `{provider}` of the routes and the `provider` of events. */
  readonly id: string;
  readonly displayName: string;
  /** What the provider itself can send: static headers set in its console, or nothing (then a URL token). */
  readonly authentication: 'headers' | 'url-token';
  /** The headers its console lets you set, when `authentication` is `headers`. */
  readonly credentialHeaders?: readonly string[];
  /** Default zone of its zone-less timestamps (DESIGN.md); a deployment may override it. */
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
   * The answer the provider expects, given what was queued. Must not answer 2xx for an event that is not in
   * `queued`, unless the reply tells the provider exactly which ones were taken (Webcom).
   */
  reply(outcome: DeliveryOutcome): WebhookReply;
}
