/**
 * The console's memory of the last webhook requests: a bounded ring of what each request was and what became of
 * it, and the masking that keeps every secret out of what the console shows. The original request is kept beside
 * its view (for replay) and never leaves this module's owner.
 */
import { webhookRequest } from '../../functions/providers/common';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ProviderAdapter } from '../../functions/providers/types';

export const MASK = '***';

/** Header names that carry a credential whatever the provider: masked always. */
const SECRET_HEADER = /authorization|signature|token|secret|password|api[-_]?key|credential|cookie|^x-.*-key$/i;

/** Most body characters a view carries; the whole body stays in the ring for replay. */
export const MAX_VIEW_BODY_CHARS = 64 * 1024;

/** One event a request produced, as the console lists it. */
export interface ProducedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly messageId?: string;
  readonly status?: string;
  readonly providerStatus?: string;
}

/** What the console shows of one request: masked, never a secret. */
export interface CapturedView {
  readonly id: number;
  readonly time: string;
  readonly provider: string;
  readonly method: string;
  /** The path with the URL token masked. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly statusCode: number;
  /** `code: message (field)` of a refused request. */
  readonly reason?: string;
  readonly latencyMs: number;
  readonly bodyBytes: number;
  /** The body as text (base64 when it is not UTF-8), secrets masked, cut at {@link MAX_VIEW_BODY_CHARS}. */
  readonly body: string;
  readonly bodyTruncated: boolean;
  readonly events: readonly ProducedEvent[];
  /** The id of the request this one replayed. */
  readonly replayOf?: number;
}

/**
 * One request as kept: what the request path records costs next to nothing (a push); the masked view, with the
 * events the adapter makes of it, is built the first time the console asks for it.
 */
export interface Captured {
  readonly id: number;
  readonly provider: string;
  readonly statusCode: number;
  readonly latencyMs: number;
  /** The request as the handler got it, for replay and for the view. Never serialized. */
  readonly original: APIGatewayProxyEventV2;
  /** The answer's body (for the refusal reason). */
  readonly result: APIGatewayProxyStructuredResultV2;
  /** The replay nonce it carried, to find it after a replay. */
  readonly replayNonce?: string;
  view?: CapturedView;
}

/** What is secret, per provider: header names to mask and values never to show anywhere. */
export interface Secrets {
  readonly headerNames: ReadonlySet<string>;
  /** Credential values (tokens, header values) of every provider, longest first. */
  readonly values: readonly string[];
}

/** Replaces every secret value inside `text` with {@link MASK}. */
export function scrub(text: string, secrets: Secrets): string {
  let out = text;
  for (const value of secrets.values) if (value.length >= 4 && out.includes(value)) out = out.split(value).join(MASK);
  return out;
}

/** Headers with every credential-looking or credential-named header, and every secret value, masked. */
export function maskHeaders(headers: Readonly<Record<string, string | undefined>>, secrets: Secrets): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    out[lower] = secrets.headerNames.has(lower) || SECRET_HEADER.test(lower) ? MASK : scrub(value, secrets);
  }
  return out;
}

/** The path with every segment after `/webhooks/<provider>` masked (it can only be a URL token), and secrets scrubbed. */
export function maskPath(path: string, secrets: Secrets): string {
  const segments = path.split('/');
  const masked = segments.map((segment, index) => (segments[1] === 'webhooks' && index >= 3 && segment !== '' ? MASK : segment));
  return scrub(masked.join('/'), secrets);
}

/** `code: message (field)` from an error answer's JSON, or the start of its body. */
export function reasonOf(result: APIGatewayProxyStructuredResultV2): string | undefined {
  const status = result.statusCode ?? 200;
  if (status < 400) return undefined;
  const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; field?: unknown };
    if (typeof parsed.error === 'string') {
      return `${parsed.error}${typeof parsed.message === 'string' ? `: ${parsed.message}` : ''}${typeof parsed.field === 'string' ? ` (${parsed.field})` : ''}`;
    }
  } catch {
    // not JSON: Webcom answers XML
  }
  return body.slice(0, 200) || `HTTP ${status}`;
}

/** The request body as text: UTF-8 when it is, else base64. */
export function bodyText(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): { text: string; bytes: number; binary: boolean } {
  if (event.body === undefined) return { text: '', bytes: 0, binary: false };
  if (!event.isBase64Encoded) return { text: event.body, bytes: Buffer.byteLength(event.body, 'utf8'), binary: false };
  const bytes = Buffer.from(event.body, 'base64');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes)
    ? { text, bytes: bytes.length, binary: false }
    : { text: event.body, bytes: bytes.length, binary: true };
}

/** The events the adapter makes of an accepted request (it is pure, so this is what the ingest queued). */
export function producedEvents(adapter: ProviderAdapter | undefined, event: APIGatewayProxyEventV2, statusCode: number): ProducedEvent[] {
  if (!adapter || statusCode >= 300) return [];
  try {
    const { text } = bodyText(event);
    const contentType = event.headers['content-type']?.split(';')[0].trim().toLowerCase();
    const normalized = adapter.normalize(
      webhookRequest({
        body: text,
        method: event.requestContext.http.method,
        headers: event.headers,
        contentType,
        query: event.queryStringParameters ?? {},
        rawQuery: event.rawQueryString,
      }),
      { receivedAt: new Date(event.requestContext.timeEpoch).toISOString(), timeZone: adapter.defaultTimeZone },
    );
    return normalized.events.map((produced) => ({
      eventId: produced.eventId,
      type: produced.type,
      ...(produced.messageId !== undefined ? { messageId: produced.messageId } : {}),
      ...(produced.status !== undefined ? { status: produced.status } : {}),
      ...(produced.providerStatus !== undefined ? { providerStatus: produced.providerStatus } : {}),
    }));
  } catch {
    return [];
  }
}

/** A bounded ring of captured requests, newest last, with running per-provider counts that outlive the ring. */
export class CaptureRing {
  private readonly items: Captured[] = [];
  private nextId = 1;
  readonly counts = new Map<string, { requests: number; refused: number }>();

  /** `render` builds a request's view; called at most once per request, when the console first shows it. */
  constructor(
    readonly capacity: number,
    private readonly render: (captured: Captured) => CapturedView,
  ) {}

  add(entry: Omit<Captured, 'id' | 'view'>): Captured {
    const captured: Captured = { ...entry, id: this.nextId };
    this.nextId += 1;
    this.items.push(captured);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
    const count = this.counts.get(captured.provider) ?? { requests: 0, refused: 0 };
    count.requests += 1;
    // A refusal is the pipeline saying no (4xx); a 5xx is its own failure, counted by the alarms instead.
    if (captured.statusCode >= 400 && captured.statusCode < 500) count.refused += 1;
    this.counts.set(captured.provider, count);
    return captured;
  }

  get(id: number): Captured | undefined {
    return this.items.find((item) => item.id === id);
  }

  /** The view of a kept request, built on first use. */
  viewOf(captured: Captured): CapturedView {
    captured.view ??= this.render(captured);
    return captured.view;
  }

  /** Views newer than `afterId`, oldest first. */
  after(afterId: number): CapturedView[] {
    return this.items.filter((item) => item.id > afterId).map((item) => this.viewOf(item));
  }

  byNonce(nonce: string): Captured | undefined {
    return this.items.find((item) => item.replayNonce === nonce);
  }
}
