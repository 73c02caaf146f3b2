/**
 * Secure defaults of every resource the stack builds, as plain data kept apart from the builders that use them
 * (the AWS Solutions Constructs habit): a reviewer reads this one file to know how queues, functions, the table and
 * the alarms are set, and a test can compare the template against the same numbers.
 */
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { bundledProviderDefine } from '../functions/providers';
import { QUEUE } from './pipeline-settings';

const repoRoot = path.join(__dirname, '..');

/** The Lambda entry points (each exports `handler`). */
export const ENTRIES = {
  ingest: path.join(repoRoot, 'functions', 'ingest', 'handler.ts'),
  recordIngest: path.join(repoRoot, 'functions', 'ingest', 'recordHandler.ts'),
  consume: path.join(repoRoot, 'functions', 'consume', 'handler.ts'),
  lookup: path.join(repoRoot, 'functions', 'lookup', 'handler.ts'),
  sweep: path.join(repoRoot, 'functions', 'timers', 'handler.ts'),
} as const;

/**
 * Runtime and bundling of every function. nodejs24.x on arm64: 20% cheaper than x86 per GB-s; Node 20 is past its
 * end of life (April 2026) and the AWS SDK drops it in January 2027, and the Node 22 runtime leaves Lambda in 2027. Bundled
 * by the local esbuild, never Docker, so `cdk synth` runs offline in seconds.
 */
export const FUNCTION_DEFAULTS = {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  bundling: {
    forceDockerBundling: false,
    minify: true,
    sourceMap: true,
    // The map's sources are our own code; leaving them out keeps the zip small and the map still resolves lines.
    sourcesContent: false,
    target: 'node24',
    format: OutputFormat.CJS,
    // Prefer the ES-module builds of the AWS SDK and Powertools, which esbuild can tree-shake.
    mainFields: ['module', 'main'],
    // Bundle the AWS SDK clients instead of using the runtime's copy: the version we test is the version we run,
    // and only the clients a handler imports are loaded at cold start.
    externalModules: [],
  } satisfies BundlingOptions,
  environment: {
    // Stack traces point at functions/*.ts lines instead of minified columns.
    NODE_OPTIONS: '--enable-source-maps',
  },
} as const;

/**
 * The bundling of one provider's ingest function: the defaults plus the esbuild `define` that folds the provider
 * registry to that provider's adapter, so its bundle leaves the other adapters (and their parsers) out. The stack
 * and `npm run bench` both read it from here, so the bench measures exactly what is deployed.
 */
export function ingestBundling(providerId: string): BundlingOptions {
  return { ...FUNCTION_DEFAULTS.bundling, define: bundledProviderDefine(providerId) };
}

/**
 * The AWS Parameters and Secrets Lambda Extension (an AWS-published layer) on every ingest function: the function
 * reads its credentials secret from it over `localhost` (`functions/ingest/credentials.ts`) instead of bundling the
 * Secrets Manager client (13.6 kB, and its set-up at cold start). The extension calls Secrets Manager with the
 * function's role, so the role's `secretsmanager:GetSecretValue` on its own secret is all it needs.
 *
 * - The extension's cache is off (`cacheEnabled: false`, `SECRETS_MANAGER_TTL=0`): the function caches the document
 *   itself, with its own rules (re-read after a failed authentication at most once a minute, and when the copy is
 *   five minutes old). A second cache under it would hand a refresh the same stale copy for up to five more minutes,
 *   so a rotated value would be picked up late and a retired one accepted longer than documented.
 * - Its call to Secrets Manager gives up after 1.5 s, under the function's own 2 s bound on a read
 *   (`DEFAULT_EXTENSION_TIMEOUT_MS`): the extension answers an error the function can log, and a hung call cannot
 *   hold one of the extension's few connections for good.
 * - Port and log level stay the extension's defaults (2773, info); the stack sets them as variables either way, and
 *   the function reads the port from `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`.
 *
 * `ParamsAndSecretsVersions.V1_0_103` is the newest version aws-cdk-lib 2.276 knows. The stack is
 * environment-agnostic, so the layer's ARN comes from a region → ARN mapping in the template (arm64), resolved at
 * deploy time: the synth stays offline.
 */
export const PARAMS_AND_SECRETS_EXTENSION = {
  version: lambda.ParamsAndSecretsVersions.V1_0_103,
  options: {
    cacheEnabled: false,
    secretsManagerTtl: Duration.seconds(0),
    secretsManagerTimeout: Duration.millis(1_500),
  },
} as const satisfies { version: lambda.ParamsAndSecretsVersions; options: lambda.ParamsAndSecretsOptions };

/** The extension's layer with the options above, for an ingest function's `paramsAndSecrets`. */
export function paramsAndSecretsExtension(): lambda.ParamsAndSecretsLayerVersion {
  return lambda.ParamsAndSecretsLayerVersion.fromVersion(PARAMS_AND_SECRETS_EXTENSION.version, PARAMS_AND_SECRETS_EXTENSION.options);
}

export interface FunctionSizing {
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly description: string;
}

/**
 * Memory and timeout of each function, and why.
 *
 * - ingest 512 MB / 10 s: CPU scales with memory, and the hot path is CPU (parse and normalize up to a 256 KB body)
 *   plus one SendMessageBatch; 512 MB keeps a cold start with the bundled SDK well under a second, where 128 MB
 *   takes several. 10 s covers the SDK's retries of a throttled SendMessageBatch and stays under API Gateway's
 *   30 s integration timeout, so a stuck request ends as a 5xx the provider retries, not a hung connection.
 * - consume 512 MB / QUEUE.consumerTimeoutSeconds: a batch of 10 records, each a conditional write, a history
 *   write and a publish, is I/O-bound; 30 s leaves room for DynamoDB and SNS retries, and the queue's visibility
 *   is 6× this (reliability case 16).
 * - recordIngest 512 MB / 10 s: the ingest's work without verification, for events EventBridge or SNS deliver
 *   (AWS End User Messaging); the same bundle size and the same SendMessageBatch retries.
 * - lookup 256 MB / 5 s: one Query for an IAM-authenticated caller who waits for it; nothing to compute.
 * - sweep 256 MB / 5 min: a Query per hour partition, a read per due timer, a SendMessageBatch per ten events; I/O
 *   only. Five minutes is a backlog of hundreds of thousands of due timers, and a third of the shortest schedule
 *   interval that makes sense; a sweep cut short keeps its cursor at the last whole hour and the next one goes on.
 */
export const FUNCTION_SIZING = {
  ingest: {
    memorySize: 512,
    timeout: Duration.seconds(10),
    description: 'Authenticates, normalizes and queues the webhooks of one provider',
  },
  recordIngest: {
    memorySize: 512,
    timeout: Duration.seconds(10),
    description: 'Normalizes and queues the EventBridge or SNS records of one AWS-delivered provider',
  },
  consume: {
    memorySize: 512,
    timeout: Duration.seconds(QUEUE.consumerTimeoutSeconds),
    description: 'Applies queued events to the status table and publishes them to the applied-events topic',
  },
  lookup: {
    memorySize: 256,
    timeout: Duration.seconds(5),
    description: 'Answers GET /messages/{provider}/{messageId}',
  },
  sweep: {
    memorySize: 256,
    timeout: Duration.minutes(5),
    description: 'Marks messages left without a final status past their window unknown (timers due by now)',
  },
} as const satisfies Record<string, FunctionSizing>;

/** Every queue: server-side encrypted with SQS-managed keys (SNS can deliver to it without a KMS grant), TLS only. */
export const QUEUE_DEFAULTS = {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  maxMessageSizeBytes: QUEUE.maxMessageSizeBytes,
} as const satisfies sqs.QueueProps;

/** Dead-letter and inspection queues keep a message as long as SQS allows, so none expires before someone looks. */
export const HOLDING_QUEUE_DEFAULTS = {
  ...QUEUE_DEFAULTS,
  retentionPeriod: Duration.seconds(QUEUE.dlqRetentionSeconds),
} as const satisfies sqs.QueueProps;

/**
 * The events queue: visibility 6× the consumer's timeout (AWS Lambda guide) so a record is not redelivered while
 * a slow invocation still holds it, and a bounded number of tries before the dead-letter queue.
 */
export const EVENTS_QUEUE_DEFAULTS = {
  ...QUEUE_DEFAULTS,
  visibilityTimeout: Duration.seconds(QUEUE.visibilityTimeoutSeconds),
  retentionPeriod: Duration.seconds(QUEUE.retentionSeconds),
} as const satisfies sqs.QueueProps;

/**
 * A subscriber's queue. Downstream services may be down for days: keep messages the SQS maximum. Their consumers
 * are not ours, so the visibility is a generous 5 minutes and a message moves to the subscriber's dead-letter queue
 * after the same number of tries as ours.
 *
 * The dead-letter queue cannot keep a message longer than this queue did (SQS counts retention from the first
 * enqueue, and 14 days is the maximum for both): a message that fails only on its 13th day has one day left there.
 * We accept that edge over a shorter queue retention, which would drop events outright while a subscriber is down.
 */
export const SUBSCRIBER_QUEUE_DEFAULTS = {
  ...QUEUE_DEFAULTS,
  retentionPeriod: Duration.seconds(QUEUE.dlqRetentionSeconds),
  visibilityTimeout: Duration.minutes(5),
} as const satisfies sqs.QueueProps;

/** Alarm thresholds and periods. */
export const ALARM_DEFAULTS = {
  /** Evaluation period of every alarm. */
  period: Duration.minutes(5),
  /** The oldest event waiting longer than this means the consumer is down or far behind. */
  oldestEventAgeSeconds: 300,
  /** Share of API requests answered 5xx (the provider retries them, but something is broken). */
  server5xxPercent: 5,
} as const;

/**
 * How AWS retries a record ingest before its dead-letter queue takes the event. EventBridge and SNS invoke Lambda
 * asynchronously: a thrown error (an event the queue did not take) is retried by Lambda `retryAttempts` times, then
 * the event goes to the function's on-failure destination. EventBridge itself retries a failed delivery (throttling,
 * a missing permission) for up to `eventBridgeMaxEventAge`, then sends it to the same queue; SNS does the same with
 * the subscription's redrive policy.
 */
export const RECORD_INGEST_RETRIES = {
  retryAttempts: 2,
  maxEventAge: Duration.hours(6),
  eventBridgeRetryAttempts: 185,
  eventBridgeMaxEventAge: Duration.hours(24),
} as const;

/** The SQS event source of the consumer, from the shared queue settings. */
export const CONSUMER_EVENT_SOURCE = {
  batchSize: QUEUE.batchSize,
  maxBatchingWindow: Duration.seconds(QUEUE.maxBatchingWindowSeconds),
  // Without it one failed record fails its whole batch and the applied ones are retried (reliability case 11).
  reportBatchItemFailures: true,
} as const;
