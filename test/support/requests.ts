/**
 * Builds API Gateway HTTP API (payload 2.0) events for the ingest handler: by default a valid, authenticated
 * request for a provider with the dev credentials (`config/credentials.dev.json`) and a valid fixture body, so
 * each test changes exactly one thing.
 *
 * ```ts
 * webhookEvent('nhncloud-sms')                                                     // accepted
 * webhookEvent('nhncloud-sms', { headers: { 'x-toast-webhook-signature': 'x' } })  // 401
 * webhookEvent('webcom', { token: null })                                          // 401, no token
 * ```
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const ROOT = path.resolve(__dirname, '../..');

/** The dev credentials file the builder authenticates with. */
export const DEV_CREDENTIALS_FILE = path.join(ROOT, 'config/credentials.dev.json');
export const EVENTS_DIR = path.join(ROOT, 'test/events');

interface DevEntry {
  headers?: Record<string, string[]>;
  tokens?: string[];
}

const devCredentials = JSON.parse(readFileSync(DEV_CREDENTIALS_FILE, 'utf8')) as Record<string, DevEntry>;

/** The dev credential headers of a provider (first accepted value of each), as the provider sends them. */
export function devCredentialHeaders(provider: string): Record<string, string> {
  const headers = devCredentials[provider]?.headers ?? {};
  return Object.fromEntries(Object.entries(headers).map(([name, values]) => [name, values[0]]));
}

/** The dev URL token of a provider, if it has one. */
export function devToken(provider: string): string | undefined {
  return devCredentials[provider]?.tokens?.[0];
}

export interface Fixture {
  readonly provider: string;
  /** File name, e.g. `status.xml`. */
  readonly name: string;
  readonly body: string;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = { '.json': 'application/json', '.xml': 'text/xml' };

/** The fixtures of a provider under `test/events/<provider>/`, sorted by name. */
export function fixtures(provider: string): Fixture[] {
  const dir = path.join(EVENTS_DIR, provider);
  return readdirSync(dir)
    .filter((name) => CONTENT_TYPES[path.extname(name)] !== undefined)
    .sort()
    .map((name) => ({
      provider,
      name,
      body: readFileSync(path.join(dir, name), 'utf8'),
      contentType: CONTENT_TYPES[path.extname(name)],
    }));
}

/** Valid fixtures (names not starting with `invalid-`). */
export const validFixtures = (provider: string) => fixtures(provider).filter((fixture) => !fixture.name.startsWith('invalid-'));
/** Invalid fixtures (names starting with `invalid-`). */
export const invalidFixtures = (provider: string) => fixtures(provider).filter((fixture) => fixture.name.startsWith('invalid-'));

/** The body a request gets when the test does not choose one: a plain status report where there is one. */
const PREFERRED_FIXTURE: Readonly<Record<string, string>> = {
  'innopaas-otp': 'status-delivered.json',
  'innopaas-whatsapp': 'message-status-delivered.json',
  webcom: 'status.xml',
  smsgateway24: 'status-sim.json',
  'nhncloud-sms': 'message-result.json',
};

/** The default fixture of a provider: its preferred one, else its first valid one. */
export function defaultFixture(provider: string): Fixture {
  const valid = validFixtures(provider);
  const fixture = valid.find((candidate) => candidate.name === PREFERRED_FIXTURE[provider]) ?? valid[0];
  if (!fixture) throw new Error(`no valid fixture for ${provider} under test/events/${provider}`);
  return fixture;
}

export interface RequestOptions {
  /** The body: a string is sent as text, a Buffer base64-encoded (`isBase64Encoded: true`). */
  readonly body?: string | Buffer;
  /** Send a string body base64-encoded, as API Gateway does for binary media types. */
  readonly base64?: boolean;
  /** `null` sends no Content-Type. @default the fixture's type */
  readonly contentType?: string | null;
  /**
   * Headers merged over the authenticated ones, names case-insensitive: a value replaces the header of that name
   * (in this spelling), `undefined` removes it.
   */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** The `{token}` path segment; `null` sends none. @default the provider's dev token, if it has one */
  readonly token?: string | null;
  /** The `{provider}` path segment; `null` sends none. @default `provider` */
  readonly pathProvider?: string | null;
  /** @default 203.0.113.10 */
  readonly sourceIp?: string;
  /** @default POST */
  readonly method?: string;
  readonly query?: Readonly<Record<string, string>>;
  /** @default a fresh id */
  readonly requestId?: string;
}

let sequence = 0;

function mergeHeaders(base: Record<string, string>, overrides: RequestOptions['headers']): Record<string, string> {
  const out: Record<string, string> = { ...base };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    for (const existing of Object.keys(out)) if (existing.toLowerCase() === name.toLowerCase()) delete out[existing];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * A valid API Gateway v2 event for `provider`'s webhook route, authenticated with the dev credentials, carrying
 * its default fixture; `options` changes one thing at a time. Header names are sent as the provider spells
 * them (`UserName`), not lower-cased, so the handler's own lower-casing is exercised.
 */
export function webhookEvent(provider: string, options: RequestOptions = {}): APIGatewayProxyEventV2 {
  const fixture = options.body === undefined ? defaultFixture(provider) : undefined;
  const body = options.body ?? fixture!.body;
  const isBase64Encoded = Buffer.isBuffer(body) || options.base64 === true;
  const encodedBody = Buffer.isBuffer(body) ? body.toString('base64') : options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body;
  const contentType = options.contentType === undefined ? (fixture?.contentType ?? 'application/json') : options.contentType;
  const token = options.token === undefined ? devToken(provider) : (options.token ?? undefined);
  const pathProvider = options.pathProvider === undefined ? provider : (options.pathProvider ?? undefined);
  const method = options.method ?? 'POST';
  const sourceIp = options.sourceIp ?? '203.0.113.10';
  const requestId = options.requestId ?? `test-request-${++sequence}`;
  const rawPath = `/webhooks/${pathProvider ?? ''}${token === undefined ? '' : `/${encodeURIComponent(token)}`}`;
  const routeKey = `${method} /webhooks/{provider}${token === undefined ? '' : '/{token}'}`;
  const headers = mergeHeaders(
    {
      ...(contentType === null ? {} : { 'Content-Type': contentType }),
      'User-Agent': 'webhook-test',
      ...devCredentialHeaders(provider),
    },
    options.headers,
  );
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers,
    ...(options.query ? { queryStringParameters: { ...options.query } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp, userAgent: 'webhook-test' },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    pathParameters: {
      ...(pathProvider === undefined ? {} : { provider: pathProvider }),
      ...(token === undefined ? {} : { token }),
    },
    body: encodedBody,
    isBase64Encoded,
  };
}
