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
import { readFileSync } from 'node:fs';
import { allFixtures, DELIVERY_REPORT_FIXTURES, type Fixture } from '../../local/fixtures';
import { gatewayEventOf } from '../../local/gateway';
import { providerRequest, signingMaterial, type ProviderCall } from '../../local/provider-requests';
import type { OutgoingRequest, SigningMaterial } from '../../functions/origin/types';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const ROOT = path.resolve(__dirname, '../..');

/** The dev credentials file the builder authenticates with. */
export const DEV_CREDENTIALS_FILE = path.join(ROOT, 'config/credentials.dev.json');
export const EVENTS_DIR = path.join(ROOT, 'test/events');

interface DevEntry {
  headers?: Record<string, string[]>;
  tokens?: string[];
  signingKeys?: string[];
  basicAuth?: Array<{ username: string; password: string }>;
}

const devCredentials = JSON.parse(readFileSync(DEV_CREDENTIALS_FILE, 'utf8')) as Record<string, DevEntry>;

/**
 * The dev credential headers of a provider (first accepted value of each), as the provider sends them; with its
 * first HTTP Basic pair as `Authorization` when it has one (Infobip).
 */
export function devCredentialHeaders(provider: string): Record<string, string> {
  const headers = devCredentials[provider]?.headers ?? {};
  const basic = devCredentials[provider]?.basicAuth?.[0];
  return {
    ...Object.fromEntries(Object.entries(headers).map(([name, values]) => [name, values[0]])),
    ...(basic ? { Authorization: `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}` } : {}),
  };
}

/** The dev URL token of a provider, if it has one. */
export function devToken(provider: string): string | undefined {
  return devCredentials[provider]?.tokens?.[0];
}

export type { Fixture } from '../../local/fixtures';

/** Every fixture of a provider under `test/events/<provider>/`, valid and invalid, sorted by name. */
export const fixtures = (provider: string) => allFixtures(provider, EVENTS_DIR);

/** Valid fixtures (names not starting with `invalid-`). */
export const validFixtures = (provider: string) => fixtures(provider).filter((fixture) => !fixture.name.startsWith('invalid-'));
/** Invalid fixtures (names starting with `invalid-`). */
export const invalidFixtures = (provider: string) => fixtures(provider).filter((fixture) => fixture.name.startsWith('invalid-'));

/** The body a request gets when the test does not choose one: a plain status report where there is one. */
const PREFERRED_FIXTURE = DELIVERY_REPORT_FIXTURES;

/** The URL token of {@link urlTokenAccess}. */
export const TEST_URL_TOKEN = 'test-url-token-0123456789abcdef';

/**
 * For tests of what happens after authentication (bodies, caps, queues) with a provider whose dev credentials sign
 * (`signingKeys`): a credentials document that admits it by URL token alone (every provider can be given one), and
 * the token `webhookEvent` must then carry. `{}` for a provider the dev headers or token already admit. Tests of
 * the signatures themselves build signed requests with {@link signedWebhookEvent} instead.
 *
 * @example
 * ```ts
 * import type { SQSClient } from '@aws-sdk/client-sqs';
 * import { ingestHarness } from '../functions/ingest/harness';
 * declare const client: SQSClient;
 * declare const body: string;
 * const access = urlTokenAccess('sinch-sms');
 * const { handler } = await ingestHarness(client, 'sinch-sms', { document: access.document });
 * await handler(webhookEvent('sinch-sms', { body, token: access.token }));
 * ```
 */
export function urlTokenAccess(provider: string): { readonly document?: Record<string, unknown>; readonly token?: string } {
  if (!devCredentials[provider]?.signingKeys) return {};
  return { document: { [provider]: { tokens: [TEST_URL_TOKEN] } }, token: TEST_URL_TOKEN };
}

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

/** The base URL `webhookEvent` and `signedWebhookEvent` requests arrive at (API Gateway's `domainName`). */
export const TEST_BASE_URL = 'https://localhost';

export interface SignedEventOptions {
  /** Change the request after signing (a header, the body, the URL), to test what verification refuses. */
  readonly tamper?: (request: OutgoingRequest) => OutgoingRequest;
  /** Sign with this material instead of the dev credentials. */
  readonly material?: SigningMaterial;
  /** Signing clock, epoch ms. @default now */
  readonly now?: number;
  /** @default 203.0.113.10 */
  readonly sourceIp?: string;
  /** Send the body base64-encoded, as API Gateway does for media types it does not treat as text. */
  readonly base64?: boolean;
}

/**
 * An API Gateway v2 event for a provider call, built and signed the way the provider does it, by the schemes the
 * ingest verifies with and the dev credentials (`config/credentials.dev.json`, `config/signing.dev.json`).
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyEventV2 } from 'aws-lambda';
 * import { FORM_MEDIA_TYPE } from '../../functions/ingest/request';
 * declare function handler(event: APIGatewayProxyEventV2): Promise<unknown>;
 * await handler(await signedWebhookEvent({ provider: 'twilio', contentType: FORM_MEDIA_TYPE, body: 'MessageSid=SM1&MessageStatus=sent' }));
 * ```
 */
export async function signedWebhookEvent(call: ProviderCall, options: SignedEventOptions = {}): Promise<APIGatewayProxyEventV2> {
  const signed = await providerRequest(call, {
    baseUrl: TEST_BASE_URL,
    material: options.material ?? signingMaterial(call.provider),
    now: options.now,
  });
  const request = options.tamper ? options.tamper(signed) : signed;
  return gatewayEventOf(request, { sourceIp: options.sourceIp, base64: options.base64, requestId: `test-request-${++sequence}` });
}
