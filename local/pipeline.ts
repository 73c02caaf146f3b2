/**
 * The whole pipeline on one machine, composed from the same handlers that run on AWS:
 *
 * ```
 * gateway (node:http, 127.0.0.1)  POST /webhooks/<provider>[/{token}]   GET /messages/{provider}/{messageId}
 *      │ API Gateway 2.0 events         POST /aws-events/<provider> (EventBridge / SNS records, local only)
 *      ▼                                                                   ▲
 * one ingest handler per provider ──► fauxqs events queue ──(maxReceiveCount)──► dead-letter queue
 *                                          │ poller (long-poll, Lambda-shaped SQS events, partial batch deletes)
 *                                          ▼
 *                                    consumer handler ──► dynalite table ◄── lookup handler
 *                                          │
 *                                          ▼ fauxqs SNS topic of applied events ──filter policies──► subscriber queues
 * ```
 *
 * Queues, table and topic get the stack's settings (`lib/pipeline-settings.ts`); subscribers come from `cdk.json`
 * (`context.webhooks.subscribers`), so what a downstream team declares once is what it gets locally and on AWS.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CONTEXT_KEY, INGEST, QUEUE, RESOURCE_NAMES, TABLE, type SubscriberConfig } from '../lib/pipeline-settings';
import { hasHttpRoute, providers } from '../functions/providers';
import type { ProviderAdapter } from '../functions/providers/types';
import type { IngestOutcome } from '../functions/ingest/createIngestHandler';
import { ConfigurationError, UnknownProviderError, toErrorResponse } from '../functions/core/errors';
import { canAdmit, schemesOf, unusedKeys } from '../functions/origin/verify';
import type { ProviderCredentials } from '../functions/origin/credentials';
import { localDynamoClient, localSnsClient, localSqsClient } from './engines/clients';
import { createPipelineQueues, type PipelineQueues } from './engines/queues';
import { createPipelineTable } from './engines/tables';
import { createTopicAndSubscribers } from './engines/topics';
import { awsEventsHandler, awsEventsPath } from './aws-events';
import { startGateway, type AccessLogEntry, type GatewayRoute } from './gateway';
import { startPoller, type BatchSummary, type DrainResult } from './poller';
import { DEV_SECRETS_FILE } from './scenarios/fixtures';
import { createOperatorConsole } from './console';

const REPO_ROOT = path.resolve(__dirname, '..');

export { DEV_SECRETS_FILE };

/** Used when `cdk.json` declares no subscriber, so `npm run tail` always has something to show. */
export const EXAMPLE_SUBSCRIBER: SubscriberConfig = {
  name: 'final-statuses',
  filterPolicy: { type: ['message.status'], final: ['true'], statusChanged: ['true'] },
};

/** Whether the ingest would let any request of `adapter` in with `credentials` (`functions/ingest/verify.ts`). */
function isConfigured(adapter: ProviderAdapter, credentials: ProviderCredentials | undefined): boolean {
  const schemes = schemesOf(adapter.origin);
  const document = credentials && adapter.handshake ? { ...credentials, verifyTokens: undefined } : credentials;
  return (
    canAdmit(schemes, document) && unusedKeys(schemes, document).length === 0 && (document.accounts === undefined || adapter.accountOf !== undefined)
  );
}

/** Powertools log levels accepted by the local runtime. */
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type LocalLogLevel = (typeof LOG_LEVELS)[number];

export interface LocalPipelineOptions {
  /** Gateway port on 127.0.0.1; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /**
   * Where the engines keep their data: the table (`<dataDir>/dynamodb`, dynalite) and, unless `sqsEndpoint` names
   * another engine, the queues, topic and subscriptions (`<dataDir>/sqs`, fauxqs on SQLite). In memory when undefined.
   */
  readonly dataDir?: string;
  /** Credentials document (docs/design.md "Provider credentials"). @default config/credentials.dev.json */
  readonly secretsFile?: string;
  /** Use this SQS/SNS engine instead of starting fauxqs in-process (jest runs it in a child process). */
  readonly sqsEndpoint?: string;
  /** Use this DynamoDB endpoint instead of starting dynalite. */
  readonly dynamoEndpoint?: string;
  /** @default `context.webhooks.subscribers` of cdk.json, else {@link EXAMPLE_SUBSCRIBER} */
  readonly subscribers?: readonly SubscriberConfig[];
  /** Long-poll wait of the consumer's receives (0–20 s); also bounds how long `stop()` waits. @default 2 */
  readonly pollWaitSeconds?: number;
  /** Consumer batches in flight at once, like concurrent Lambda invocations. @default 2 */
  readonly pollerConcurrency?: number;
  /** Prefix of queue, table and topic names, so several pipelines can share one engine. @default '' */
  readonly prefix?: string;
  /** @default QUEUE.maxReceiveCount (the stack's) */
  readonly maxReceiveCount?: number;
  /** @default QUEUE.visibilityTimeoutSeconds (the stack's); tests shorten it to see redrive quickly */
  readonly visibilityTimeoutSeconds?: number;
  /** @default INGEST.maxBodyBytes */
  readonly maxBodyBytes?: number;
  /** Overrides of the adapters' default zones. @default `context.webhooks.providerTimeZones` of cdk.json */
  readonly timeZones?: Readonly<Partial<Record<string, string>>>;
  /** @default TABLE.defaultTtlDays */
  readonly historyTtlDays?: number;
  /** The URL providers call, for URL-signed schemes (a tunnel in front of `npm start`). @default the gateway's URL */
  readonly publicBaseUrl?: string;
  /** The adapters to serve. @default every adapter of the registry */
  readonly adapters?: readonly ProviderAdapter[];
  /** Hours a provider time may be from its arrival and still order events. @default 24 */
  readonly trustedTimeWindowHours?: number;
  /** Seconds the parts of an inbound SMS are waited for before it is published incomplete. @default 3600 */
  readonly reassemblyTimeoutSeconds?: number;
  /** Level of the functions' logs. @default `POWERTOOLS_LOG_LEVEL`, else 'ERROR', so the console has one line per request */
  readonly logLevel?: LocalLogLevel;
  readonly onAccess?: (entry: AccessLogEntry) => void;
  readonly onBatch?: (summary: BatchSummary) => void;
  /** Poller errors (a receive or delete that failed); the poller carries on. */
  readonly onError?: (error: unknown) => void;
  /** Told how the final drain went, just before the engines stop. */
  readonly onDrained?: (result: DrainResult) => void;
  /** Where cdk.json is read from. @default the repository's */
  readonly cdkJsonPath?: string;
  /** Serve the operator console at `/console` (local/console). @default true */
  readonly console?: boolean;
  /** Called with the functions' DynamoDB client once it is made (the bench meters its write units). */
  readonly instrumentDynamoDb?: (client: DynamoDBClient) => void;
}

/** How to call one provider's webhook locally: its URL and the credentials the dev file gives it. */
export interface ProviderRoute {
  readonly provider: string;
  readonly displayName: string;
  readonly authentication: ProviderAdapter['authentication'];
  /** With the first configured token appended for URL-token providers. */
  readonly url: string;
  /** Credential headers with their first configured value. */
  readonly headers: Readonly<Record<string, string>>;
  /** False when the credentials file has nothing for this provider: every request is refused (fail closed). */
  readonly configured: boolean;
  /** The methods its callbacks use (`POST`, `GET`). */
  readonly methods: readonly string[];
  /** What its requests are signed with, when they are (its schemes' names, e.g. `hmac-sha1 x-twilio-signature`). */
  readonly signedBy?: readonly string[];
}

export interface LocalPipelineResources extends PipelineQueues {
  readonly tableName: string;
  readonly topicArn: string;
  readonly subscriberQueueUrls: Readonly<Record<string, string>>;
}

export interface LocalPipeline {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly routes: readonly ProviderRoute[];
  readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  readonly resources: LocalPipelineResources;
  readonly secretsFile: string;
  /**
   * Processes the events queue until nothing is visible on it and no batch is in progress: after it resolves,
   * every event accepted so far is in the table (or failed and waits for its retry, counted in the result).
   */
  drain(): Promise<DrainResult>;
  /** Stops taking requests, drains the events queue into the store, then stops the engines it started. */
  stop(): Promise<void>;
}

interface CdkContext {
  readonly subscribers?: SubscriberConfig[];
  readonly providerTimeZones?: Record<string, string>;
}

/** `context.webhooks` of cdk.json; empty when the file or the key is absent. */
export function readCdkContext(cdkJsonPath: string = path.join(REPO_ROOT, 'cdk.json')): CdkContext {
  let text: string;
  try {
    text = readFileSync(cdkJsonPath, 'utf8');
  } catch {
    return {};
  }
  const context = (JSON.parse(text) as { context?: Record<string, unknown> }).context?.[CONTEXT_KEY];
  return typeof context === 'object' && context !== null ? (context as CdkContext) : {};
}

/** The subscribers the stack would create: cdk.json's list, or the example one when it declares none. */
export function subscribersFromCdkJson(cdkJsonPath?: string): SubscriberConfig[] {
  const subscribers = readCdkContext(cdkJsonPath).subscribers;
  return Array.isArray(subscribers) && subscribers.length > 0 ? subscribers : [EXAMPLE_SUBSCRIBER];
}

/**
 * Keeps the functions' metrics and logs off the console unless asked: EMF metric records are for CloudWatch, and
 * the local console shows one access line per request instead. Set before the functions are loaded, since their
 * loggers and metrics read these when they are built. An explicit `logLevel` wins; otherwise the environment's
 * own settings win over these defaults.
 */
/** A refusal as the console line shows it: the check and the header by name (401), or what the body lacked (400). */
export function refusalReason(outcome: IngestOutcome): string {
  if (outcome.reasonMessage) return `${outcome.reasonMessage}${outcome.header ? ` (${outcome.header})` : ''}`;
  return outcome.detail ? `${outcome.outcome}: ${outcome.detail}` : outcome.outcome;
}

/** `path` with every segment that holds a configured token (percent-encoded or not) replaced by `***`. */
export function maskTokens(path: string, tokens: readonly string[]): string {
  if (tokens.length === 0) return path;
  return path
    .split('/')
    .map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        // kept as written
      }
      return tokens.some((token) => segment.includes(token) || decoded.includes(token)) ? '***' : segment;
    })
    .join('/');
}

function quietFunctions(logLevel: LocalLogLevel | undefined): void {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  if (logLevel) process.env.POWERTOOLS_LOG_LEVEL = logLevel;
  else process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
}

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Runs every step even when one fails, then rethrows the first failure. */
async function runAll(steps: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * Starts the local pipeline.
 *
 * @example
 * ```ts
 * const pipeline = await startLocalPipeline({ port: 3000, dataDir: '.data' });
 * console.log(pipeline.routes.map((route) => route.url));
 * process.once('SIGINT', () => void pipeline.stop());
 * ```
 */
export async function startLocalPipeline(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  quietFunctions(options.logLevel);
  // Loaded only now, so that loggers and metrics built at import time see the settings above.
  const [
    { createIngestHandler },
    { createRecordIngestHandler },
    { fileCredentialSource, InvalidCredentialsError },
    { createConsumerHandler, DEFAULT_CLAIM_SECONDS },
    { createLookupHandler },
    { logger },
    { logger: ingestLogger },
  ] = await Promise.all([
    import('../functions/ingest/createIngestHandler'),
    import('../functions/ingest/createRecordIngestHandler'),
    import('../functions/ingest/credentials'),
    import('../functions/consume/createConsumerHandler'),
    import('../functions/lookup/createLookupHandler'),
    import('../functions/core/logger'),
    import('../functions/ingest/logger'),
  ]);
  // In case the loggers were loaded before (by a test, say): they must follow the same level.
  const level = process.env.POWERTOOLS_LOG_LEVEL?.toUpperCase();
  if (LOG_LEVELS.some((known) => known === level)) {
    logger.setLogLevel(level as LocalLogLevel);
    ingestLogger.setLogLevel(level as LocalLogLevel);
  }

  const prefix = options.prefix ?? '';
  const secretsFile = path.resolve(options.secretsFile ?? DEV_SECRETS_FILE);
  const context = readCdkContext(options.cdkJsonPath);
  const subscribers = options.subscribers ?? subscribersFromCdkJson(options.cdkJsonPath);
  const timeZones = { ...(context.providerTimeZones ?? {}), ...(options.timeZones ?? {}) };
  const maxBodyBytes = options.maxBodyBytes ?? INGEST.maxBodyBytes;
  // A missing file would only show up as a 503 on every webhook: say so now, before anything starts.
  try {
    readFileSync(secretsFile);
  } catch (error) {
    throw new ConfigurationError(`cannot read the credentials file ${secretsFile}`, { cause: error });
  }

  const cleanup: Array<() => Promise<unknown>> = [];
  const stopAll = () => runAll(cleanup.splice(0).reverse());
  try {
    const sqsEndpoint: string =
      options.sqsEndpoint ??
      (await (async () => {
        const { startSqsEngine } = await import('./engines/sqs');
        const dataDir = options.dataDir ? path.join(options.dataDir, 'sqs') : undefined;
        const engine = await startSqsEngine({ dataDir });
        cleanup.push(() => engine.stop());
        return engine.endpoint;
      })());
    const dynamoEndpoint: string =
      options.dynamoEndpoint ??
      (await (async () => {
        const { startDynamoEngine } = await import('./engines/dynamodb');
        const dataDir = options.dataDir ? path.join(options.dataDir, 'dynamodb') : undefined;
        const engine = await startDynamoEngine({ dataDir });
        cleanup.push(() => engine.stop());
        return engine.endpoint;
      })());

    const sqs: SQSClient = localSqsClient(sqsEndpoint);
    const sns: SNSClient = localSnsClient(sqsEndpoint);
    const dynamodb: DynamoDBClient = localDynamoClient(dynamoEndpoint);
    options.instrumentDynamoDb?.(dynamodb);
    cleanup.push(async () => {
      sqs.destroy();
      sns.destroy();
      dynamodb.destroy();
    });

    const queues = await createPipelineQueues(sqs, {
      prefix,
      maxReceiveCount: options.maxReceiveCount ?? QUEUE.maxReceiveCount,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? QUEUE.visibilityTimeoutSeconds,
    });
    const tableName = await createPipelineTable(dynamodb, { tableName: `${prefix}${RESOURCE_NAMES.table}` });
    const { topicArn, subscriberQueueUrls } = await createTopicAndSubscribers(sns, sqs, subscribers, { prefix });

    const credentials = fileCredentialSource(secretsFile);
    const adapters = options.adapters ?? (Object.values(providers) as ProviderAdapter[]);
    // URL-signed providers sign the URL they call: a tunnel's (PUBLIC_BASE_URL), else this gateway's own, which is
    // known only once it listens (port 0 picks one); the handlers read it per request.
    let gatewayUrl: string | undefined;
    const publicBaseUrl = () => options.publicBaseUrl ?? gatewayUrl;
    // Why each refused request was refused, by request id, until its access line is written (whatever the log level).
    const refusals = new Map<string, string>();
    const onOutcome = (outcome: IngestOutcome) => {
      if (options.onAccess && outcome.statusCode >= 400) refusals.set(outcome.requestId, refusalReason(outcome));
    };
    const ingestRoutes = adapters.filter(hasHttpRoute).flatMap((adapter): GatewayRoute[] => {
      const handler = createIngestHandler({
        onOutcome,
        adapter,
        sqs,
        eventsQueueUrl: queues.eventsQueueUrl,
        rejectedQueueUrl: queues.rejectedQueueUrl,
        credentials,
        maxBodyBytes,
        timeZone: timeZones[adapter.id],
        publicBaseUrl,
      });
      // ANY, as on AWS (lib/constructs/webhook-api.ts): the ingest function answers a wrong method itself (405).
      return [
        { method: 'ANY', path: `/webhooks/${adapter.id}`, handler },
        { method: 'ANY', path: `/webhooks/${adapter.id}/{token}`, handler, secretParameters: ['token'] },
      ];
    });
    // Providers AWS delivers through EventBridge or SNS: the record handler the stack deploys, behind a local-only route.
    const recordRoutes = adapters
      .filter((adapter) => !hasHttpRoute(adapter))
      .map(
        (adapter): GatewayRoute => ({
          method: 'POST',
          path: awsEventsPath(adapter.id),
          handler: awsEventsHandler(
            createRecordIngestHandler({ adapter, sqs, eventsQueueUrl: queues.eventsQueueUrl, timeZone: timeZones[adapter.id] }),
          ),
        }),
      );
    const unknownProvider: GatewayRoute['handler'] = async (event) => toErrorResponse(new UnknownProviderError(event.pathParameters?.provider ?? ''));

    const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? QUEUE.visibilityTimeoutSeconds;
    const consumer = createConsumerHandler({
      dynamodb,
      tableName,
      sns,
      topicArn,
      ttlDays: options.historyTtlDays ?? TABLE.defaultTtlDays,
      trustedTimeWindowHours: options.trustedTimeWindowHours,
      reassemblyTimeoutSeconds: options.reassemblyTimeoutSeconds,
      // A retry must find its own claim expired (applyEvent.ts): with a shortened visibility timeout, a shorter claim.
      claimSeconds: Math.max(1, Math.min(DEFAULT_CLAIM_SECONDS, Math.floor(visibilityTimeoutSeconds / 3))),
    });
    const lookup = createLookupHandler({ dynamodb, tableName });

    const health: GatewayRoute['handler'] = async () => {
      try {
        const [events, deadLetters] = await Promise.all([queueCounts(sqs, queues.eventsQueueUrl), queueCounts(sqs, queues.deadLetterQueueUrl)]);
        return json(200, { status: 'ok', providers: adapters.map((adapter) => adapter.id), queues: { events, deadLetters } });
      } catch {
        return json(503, { status: 'unavailable' });
      }
    };

    const operatorConsole =
      options.console === false ? undefined : await createOperatorConsole({ sqs, dynamodb, tableName, queues, adapters, credentials });
    const webhookRoutes: GatewayRoute[] = [
      ...ingestRoutes,
      ...recordRoutes,
      { method: 'ANY', path: '/webhooks/{provider}', handler: unknownProvider },
      { method: 'ANY', path: '/webhooks/{provider}/{token}', handler: unknownProvider, secretParameters: ['token'] },
    ];
    const routes: GatewayRoute[] = [
      // The console sees each webhook request through a wrapper around its handler, nothing else.
      ...webhookRoutes.map((route) => {
        const provider = route.path.split('/')[2];
        return operatorConsole ? { ...route, handler: operatorConsole.wrap(provider.startsWith('{') ? undefined : provider, route.handler) } : route;
      }),
      ...(operatorConsole?.routes ?? []),
      { method: 'GET', path: '/messages/{provider}/{messageId}', handler: lookup },
      { method: 'GET', path: '/health', handler: health },
    ];

    const poller = await startPoller({
      sqs,
      queueUrl: queues.eventsQueueUrl,
      handler: consumer,
      waitTimeSeconds: options.pollWaitSeconds ?? 2,
      concurrency: options.pollerConcurrency ?? 2,
      onBatch: options.onBatch,
      onError: options.onError,
    });
    cleanup.push(() => poller.stop());
    cleanup.push(async () => {
      // Not `onDrained?.(await poller.drain())`: an optional call skips its arguments, and the drain with them.
      const drained = await poller.drain();
      options.onDrained?.(drained);
    });

    const onAccess = options.onAccess;
    // Configured URL tokens, masked wherever they appear in a logged path (the gateway masks the token routes'
    // segments; this covers a token sent anywhere else). Filled once the credentials are read, below.
    const tokens: string[] = [];
    const accessEntry = (entry: AccessLogEntry): AccessLogEntry => {
      const reason = entry.requestId === undefined ? undefined : refusals.get(entry.requestId);
      if (entry.requestId !== undefined) refusals.delete(entry.requestId);
      return { ...entry, path: maskTokens(entry.path, tokens), ...(reason ? { reason } : {}) };
    };
    // The console polls: its own requests would drown the access log.
    const gateway = await startGateway({
      routes,
      port: options.port ?? 3000,
      maxBodyBytes,
      onAccess: onAccess && ((entry) => (entry.path === '/console' || entry.path.startsWith('/console/') ? undefined : onAccess(accessEntry(entry)))),
    });
    cleanup.push(() => gateway.stop());
    gatewayUrl = gateway.url;

    const providerRoutes = await Promise.all(
      adapters.map(async (adapter): Promise<ProviderRoute> => {
        if (!hasHttpRoute(adapter)) {
          // IAM on AWS, no credentials: the local entry point takes what EventBridge or SNS would deliver.
          return {
            provider: adapter.id,
            displayName: adapter.displayName,
            authentication: adapter.authentication,
            url: `${gateway.url}${awsEventsPath(adapter.id)}`,
            headers: {},
            configured: true,
            methods: ['POST'],
          };
        }
        // A malformed file stops `npm start` with the file's name rather than a 401 on every request later.
        const configured = await credentials.get(adapter.id).catch((error: unknown) => {
          throw error instanceof InvalidCredentialsError ? new ConfigurationError(`${secretsFile}: ${error.message}`) : error;
        });
        const token = configured?.tokens?.[0];
        tokens.push(...(configured?.tokens ?? []));
        const headers: Record<string, string> = {};
        for (const [name, values] of Object.entries(configured?.headers ?? {})) if (values[0] !== undefined) headers[name] = values[0];
        return {
          provider: adapter.id,
          displayName: adapter.displayName,
          authentication: adapter.authentication,
          url: `${gateway.url}/webhooks/${adapter.id}${token ? `/${encodeURIComponent(token)}` : ''}`,
          headers,
          methods: adapter.methods ?? ['POST'],
          ...(configured?.signingKeys && adapter.origin?.length ? { signedBy: adapter.origin.map((scheme) => scheme.name) } : {}),
          // The ingest's own rules, so the banner never calls a provider set up while it refuses everything: a scheme
          // that admits, no key its schemes do not read, no `accounts` list this adapter cannot check (verify.ts).
          configured: isConfigured(adapter, configured),
        };
      }),
    );

    operatorConsole?.attach({ url: gateway.url, routes: providerRoutes });

    let stopping: Promise<void> | undefined;
    return {
      url: gateway.url,
      routes: providerRoutes,
      endpoints: { sqs: sqsEndpoint, dynamodb: dynamoEndpoint },
      resources: { ...queues, tableName, topicArn, subscriberQueueUrls },
      secretsFile,
      drain: () => poller.drain(),
      // Cleanup runs in reverse: gateway stops taking requests, the queue drains, the poller stops, clients
      // close, engines stop.
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
