/**
 * The local operator console (`/console` under `npm start`): a page and a small JSON API under `/console/api/`,
 * served by the local gateway itself, so it listens only where the gateway does (127.0.0.1). It sees requests
 * through one wrapper around the webhook route handlers ({@link OperatorConsole.wrap}); everything else it reads
 * from the engines with the same functions as `npm run ops`.
 *
 * It never shows a secret: captured headers named by any provider's credentials, and any that look like a
 * credential, are masked; the URL token is masked in the path; credential values are scrubbed from anything else
 * shown (capture.ts).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { NormalizedEvent } from '../../functions/events/schema';
import type { CredentialSource } from '../../functions/ingest/credentials';
import type { RejectedBody } from '../../functions/ingest/rejected';
import type { ProviderAdapter } from '../../functions/providers/types';
import { recordedEvent, type HistoryItem } from '../../functions/store/items';
import { deliveryStats, refusalStats } from '../../ops/analytics';
import { peekQueue, redrive } from '../../ops/queues';
import { documentsOf, exportMessage, readMessageFacts } from '../../ops/table';
import type { GatewayHandler, GatewayRoute } from '../gateway';
import { FIXTURES_DIR } from '../scenarios/fixtures';
import {
  bodyText,
  CaptureRing,
  maskHeaders,
  maskPath,
  MAX_VIEW_BODY_CHARS,
  producedEvents,
  reasonOf,
  scrub,
  MASK,
  type Captured,
  type CapturedView,
  type Secrets,
} from './capture';

/** How many requests the console remembers. */
export const CONSOLE_CAPACITY = 200;

/**
 * The header every console POST carries. A page of another site cannot send it without a CORS preflight, which the
 * console never grants: nothing but this page can redrive, replay or send (no cross-site request forgery).
 */
export const CONSOLE_REQUEST_HEADER = 'x-console-request';

/** Hosts the console answers to: a DNS-rebound name pointing at 127.0.0.1 gets a 403, not the captured bodies. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

/** Why the console refuses a request that is not its own page's, or undefined when it is. Pure. */
export function refusalOf(event: Pick<APIGatewayProxyEventV2, 'headers' | 'requestContext'>): string | undefined {
  if (!LOOPBACK_HOST.test(event.headers.host ?? '')) return 'the console answers only to 127.0.0.1 or localhost';
  if (event.requestContext.http.method !== 'GET' && event.headers[CONSOLE_REQUEST_HEADER] !== '1') {
    return `a console POST carries the ${CONSOLE_REQUEST_HEADER}: 1 header (sent by the console page)`;
  }
  return undefined;
}

/** The header a replay carries, so the console can tell which capture it made. */
export const REPLAY_HEADER = 'x-console-replay';

export interface ConsoleDependencies {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly queues: { readonly eventsQueueUrl: string; readonly deadLetterQueueUrl: string; readonly rejectedQueueUrl: string };
  readonly adapters: readonly ProviderAdapter[];
  readonly credentials: CredentialSource;
  /** @default test/events */
  readonly fixturesDir?: string;
  /** @default {@link CONSOLE_CAPACITY} */
  readonly capacity?: number;
}

/** Where to send replays and fixtures: known once the gateway listens. */
export interface ConsoleTarget {
  readonly url: string;
  readonly routes: ReadonlyArray<{ readonly provider: string; readonly url: string; readonly headers: Readonly<Record<string, string>> }>;
}

export interface OperatorConsole {
  /** The console's own routes (`/console`, `/console/api/...`). */
  readonly routes: GatewayRoute[];
  /** A webhook handler that captures each request it answers. */
  wrap(provider: string | undefined, handler: GatewayHandler): GatewayHandler;
  attach(target: ConsoleTarget): void;
}

const PAGE_FILE = path.join(__dirname, 'page.html');

const FIXTURE_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json;charset=UTF-8',
  '.xml': 'text/xml; charset=utf-8',
};

/** Record kinds the console lists besides messages (functions/store/keys.ts). */
const RECORD_PREFIXES: Readonly<Record<string, string>> = { inbound: 'INBOUND#', template: 'TEMPLATE#', optout: 'OPTOUT#' };

/** Headers of a captured request that are the connection's, not the sender's: a replay sets its own. */
const HOP_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-port',
  'transfer-encoding',
  REPLAY_HEADER,
]);

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

const notFound = (what: string) => json(404, { error: 'not_found', message: what });

async function secretsOf(adapters: readonly ProviderAdapter[], credentials: CredentialSource): Promise<Secrets> {
  const headerNames = new Set<string>();
  const values = new Set<string>();
  for (const adapter of adapters) {
    for (const name of adapter.credentialHeaders ?? []) headerNames.add(name.toLowerCase());
    const configured = await credentials.get(adapter.id).catch(() => undefined);
    for (const [name, list] of Object.entries(configured?.headers ?? {})) {
      headerNames.add(name.toLowerCase());
      for (const value of list) values.add(value);
    }
    for (const token of configured?.tokens ?? []) values.add(token);
  }
  return { headerNames, values: [...values].sort((a, b) => b.length - a.length) };
}

/** The console of one local pipeline. */
export async function createOperatorConsole(deps: ConsoleDependencies): Promise<OperatorConsole> {
  const adapters = new Map(deps.adapters.map((adapter) => [adapter.id, adapter]));
  const fixturesDir = deps.fixturesDir ?? FIXTURES_DIR;
  let secrets = await secretsOf(deps.adapters, deps.credentials);
  let target: ConsoleTarget | undefined;

  /** The masked view of a kept request: built when the console first shows it, never on the request path. */
  const render = ({ id, provider, statusCode, latencyMs, original: event, result }: Captured): CapturedView => {
    const { text, bytes } = bodyText(event);
    const replayOf = event.headers[REPLAY_HEADER]?.split('.')[0];
    const shown = scrub(text, secrets);
    const query: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
      if (value !== undefined) query[name] = /token|secret|key|signature|password/i.test(name) ? MASK : scrub(value, secrets);
    }
    const { [REPLAY_HEADER]: _replay, ...headers } = event.headers;
    return {
      id,
      time: new Date(event.requestContext.timeEpoch).toISOString(),
      provider,
      method: event.requestContext.http.method,
      path: maskPath(event.rawPath, secrets),
      query,
      headers: maskHeaders(headers, secrets),
      statusCode,
      ...(statusCode >= 400 ? { reason: scrub(reasonOf(result) ?? '', secrets) } : {}),
      latencyMs: Math.round(latencyMs * 10) / 10,
      bodyBytes: bytes,
      body: shown.slice(0, MAX_VIEW_BODY_CHARS),
      bodyTruncated: shown.length > MAX_VIEW_BODY_CHARS,
      events: producedEvents(adapters.get(provider), event, statusCode),
      ...(replayOf && Number.isInteger(Number(replayOf)) ? { replayOf: Number(replayOf) } : {}),
    };
  };
  const ring = new CaptureRing(deps.capacity ?? CONSOLE_CAPACITY, render);

  const capture = (provider: string, event: APIGatewayProxyEventV2, result: APIGatewayProxyStructuredResultV2, latencyMs: number): void => {
    const replayNonce = event.headers[REPLAY_HEADER]?.split('.')[1];
    ring.add({ provider, statusCode: result.statusCode ?? 200, latencyMs, original: event, result, ...(replayNonce ? { replayNonce } : {}) });
  };

  const wrap: OperatorConsole['wrap'] = (provider, handler) => async (event) => {
    const started = performance.now();
    // A provider the URL names but no adapter serves is `unknown`: the path shows what was asked for.
    const name = provider ?? 'unknown';
    try {
      const result = await handler(event);
      capture(name, event, result, performance.now() - started);
      return result;
    } catch (error) {
      capture(
        name,
        event,
        { statusCode: 500, body: JSON.stringify({ error: 'internal_error', message: 'internal error' }) },
        performance.now() - started,
      );
      throw error;
    }
  };

  const requireTarget = (): ConsoleTarget => {
    if (!target) throw new Error('the console is not attached to a gateway yet');
    return target;
  };

  const replay = async (id: number) => {
    const captured = ring.get(id);
    if (!captured) return notFound(`no captured request ${id} (the console keeps the last ${ring.capacity})`);
    const { original } = captured;
    const nonce = randomUUID();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(original.headers)) if (value !== undefined && !HOP_HEADERS.has(name)) headers[name] = value;
    headers[REPLAY_HEADER] = `${id}.${nonce}`;
    const body = original.body === undefined ? undefined : original.isBase64Encoded ? Buffer.from(original.body, 'base64') : original.body;
    const url = `${requireTarget().url}${original.rawPath}${original.rawQueryString ? `?${original.rawQueryString}` : ''}`;
    const response = await fetch(url, { method: original.requestContext.http.method, headers, body });
    await response.arrayBuffer();
    const made = ring.byNonce(nonce);
    return json(200, { replayOf: id, statusCode: response.status, request: made && ring.viewOf(made) });
  };

  const fixtureList = (): Array<{ provider: string; name: string }> => {
    const list: Array<{ provider: string; name: string }> = [];
    for (const provider of [...adapters.keys()].sort()) {
      let names: string[] = [];
      try {
        names = readdirSync(path.join(fixturesDir, provider));
      } catch {
        continue;
      }
      for (const name of names.sort()) if (FIXTURE_TYPES[path.extname(name)]) list.push({ provider, name });
    }
    return list;
  };

  const sendFixture = async (provider: string, name: string) => {
    // Only a listed file: the names come from the request.
    if (!fixtureList().some((fixture) => fixture.provider === provider && fixture.name === name)) return notFound(`no fixture ${provider}/${name}`);
    const route = requireTarget().routes.find((item) => item.provider === provider);
    if (!route) return notFound(`no route for ${provider}`);
    const body = readFileSync(path.join(fixturesDir, provider, name), 'utf8');
    const nonce = randomUUID();
    const response = await fetch(route.url, {
      method: 'POST',
      headers: { 'content-type': FIXTURE_TYPES[path.extname(name)], ...route.headers, [REPLAY_HEADER]: `.${nonce}` },
      body,
    });
    await response.arrayBuffer();
    const made = ring.byNonce(nonce);
    return json(200, { provider, name, statusCode: response.status, request: made && ring.viewOf(made) });
  };

  const recentMessages = async (query: string) => {
    const documents = documentsOf(deps.dynamodb);
    const states: Array<Record<string, unknown>> = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({
          TableName: deps.tableName,
          FilterExpression: query ? '#sk = :state AND contains(#messageId, :q)' : '#sk = :state',
          ExpressionAttributeNames: { '#sk': 'sk', ...(query ? { '#messageId': 'messageId' } : {}) },
          ExpressionAttributeValues: { ':state': 'STATE', ...(query ? { ':q': query } : {}) },
          ExclusiveStartKey,
        }),
      );
      states.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return states
      .sort((a, b) => (String(a.updatedAt) < String(b.updatedAt) ? 1 : -1))
      .slice(0, 100)
      .map((state) => ({
        provider: state.provider,
        messageId: state.messageId,
        channel: state.channel,
        status: state.status,
        final: state.final,
        providerStatus: state.providerStatus,
        occurredAt: state.occurredAt,
        updatedAt: state.updatedAt,
      }));
  };

  const records = async (kind: string) => {
    const prefix = RECORD_PREFIXES[kind];
    if (!prefix) return notFound(`no record kind ${kind} (${Object.keys(RECORD_PREFIXES).join(', ')})`);
    const documents = documentsOf(deps.dynamodb);
    const found: NormalizedEvent[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({
          TableName: deps.tableName,
          FilterExpression: 'begins_with(#pk, :prefix) AND begins_with(#sk, :event)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':prefix': prefix, ':event': 'EVENT#' },
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) found.push(recordedEvent(item as Pick<HistoryItem, 'event'>));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const list = found
      .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : -1))
      .slice(0, 200)
      .map(({ raw: _raw, ...event }) => event);
    return json(200, { kind, records: list });
  };

  const rejected = async () => {
    const items = await peekQueue(deps.sqs, deps.queues.rejectedQueueUrl, 200);
    return json(200, {
      items: items.map((item) => {
        let parsed: Partial<RejectedBody> = {};
        try {
          parsed = JSON.parse(item.body) as RejectedBody;
        } catch {
          // shown as the queue message id alone
        }
        const body = parsed.bodyBase64 ? bodyText({ body: parsed.bodyBase64, isBase64Encoded: true }).text : '';
        return {
          messageId: item.messageId,
          sentAt: item.sentAt,
          provider: parsed.provider,
          requestId: parsed.requestId,
          receivedAt: parsed.receivedAt,
          error: parsed.error,
          bodyBytes: parsed.bodyBytes,
          body: scrub(body, secrets).slice(0, MAX_VIEW_BODY_CHARS),
        };
      }),
    });
  };

  const deadLetters = async () => {
    const items = await peekQueue(deps.sqs, deps.queues.deadLetterQueueUrl, 200);
    return json(200, {
      items: items.map((item) => {
        let event: Partial<NormalizedEvent> | undefined;
        try {
          event = JSON.parse(item.body) as NormalizedEvent;
        } catch {
          // not an event: shown by its id
        }
        return {
          messageId: item.messageId,
          sentAt: item.sentAt,
          receiveCount: item.receiveCount,
          provider: event?.provider ?? item.attributes.provider,
          eventId: event?.eventId,
          type: event?.type,
          subject: event?.messageId,
          status: event?.status,
          body: scrub(item.body, secrets).slice(0, MAX_VIEW_BODY_CHARS),
        };
      }),
    });
  };

  const stats = async () => {
    const delivery = deliveryStats(await readMessageFacts(deps.dynamodb, deps.tableName));
    const requests = Object.fromEntries(ring.counts);
    return json(200, { delivery, requests, refusals: refusalStats(requests) });
  };

  const handled =
    (answer: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>): GatewayHandler =>
    async (event) => {
      try {
        return await answer(event);
      } catch (error) {
        return json(500, { error: 'console_error', message: scrub((error as Error).message ?? String(error), secrets) });
      }
    };
  const parameter = (event: APIGatewayProxyEventV2, name: string) => event.pathParameters?.[name] ?? '';

  const routes: GatewayRoute[] = [
    {
      method: 'GET',
      path: '/console',
      handler: async () => ({
        statusCode: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          // The page loads nothing from anywhere else.
          'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        },
        body: readFileSync(PAGE_FILE, 'utf8'),
      }),
    },
    {
      method: 'GET',
      path: '/console/api/requests',
      handler: async (event) => {
        const after = Number(event.queryStringParameters?.after ?? 0);
        return json(200, { requests: ring.after(Number.isFinite(after) ? after : 0) });
      },
    },
    {
      method: 'GET',
      path: '/console/api/requests/{id}',
      handler: async (event) => {
        const captured = ring.get(Number(parameter(event, 'id')));
        return captured ? json(200, ring.viewOf(captured)) : notFound(`no captured request ${parameter(event, 'id')}`);
      },
    },
    { method: 'POST', path: '/console/api/requests/{id}/replay', handler: handled((event) => replay(Number(parameter(event, 'id')))) },
    {
      method: 'GET',
      path: '/console/api/messages',
      handler: handled(async (event) => json(200, { messages: await recentMessages(event.queryStringParameters?.q ?? '') })),
    },
    {
      method: 'GET',
      path: '/console/api/messages/{provider}/{messageId}',
      handler: handled(async (event) => {
        const exported = await exportMessage(deps.dynamodb, deps.tableName, parameter(event, 'provider'), parameter(event, 'messageId'));
        return exported ? json(200, exported) : notFound(`no message ${parameter(event, 'provider')}/${parameter(event, 'messageId')}`);
      }),
    },
    { method: 'GET', path: '/console/api/records/{kind}', handler: handled((event) => records(parameter(event, 'kind'))) },
    { method: 'GET', path: '/console/api/rejected', handler: handled(rejected) },
    { method: 'GET', path: '/console/api/dlq', handler: handled(deadLetters) },
    {
      method: 'POST',
      path: '/console/api/dlq/redrive',
      handler: handled(async () => {
        const result = await redrive(deps.sqs, deps.queues, 'copy');
        return json(200, { moved: result.method === 'copy' ? result.moved : 0 });
      }),
    },
    { method: 'GET', path: '/console/api/fixtures', handler: async () => json(200, { fixtures: fixtureList() }) },
    {
      method: 'POST',
      path: '/console/api/fixtures/{provider}/{name}',
      handler: handled((event) => sendFixture(parameter(event, 'provider'), parameter(event, 'name'))),
    },
    { method: 'GET', path: '/console/api/stats', handler: handled(stats) },
  ];

  // Every console route, page included, checks where the request comes from first.
  const guarded = routes.map(
    (route): GatewayRoute => ({
      ...route,
      handler: async (event) => {
        const refusal = refusalOf(event);
        return refusal ? json(403, { error: 'forbidden', message: refusal }) : route.handler(event);
      },
    }),
  );

  return {
    routes: guarded,
    wrap,
    attach: (attached) => {
      target = attached;
      // The routes know each provider's credentials now; they are secrets too.
      const values = new Set(secrets.values);
      for (const route of attached.routes) for (const value of Object.values(route.headers)) values.add(value);
      secrets = { headerNames: secrets.headerNames, values: [...values].sort((a, b) => b.length - a.length) };
    },
  };
}
