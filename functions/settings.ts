/**
 * Settings the functions, the AWS stack and the local runtime (`npm start`) must agree on, kept as plain data so all
 * of them import them from here. Changing one here changes it everywhere.
 */

/**
 * The environment variables the ingest functions read: a part of {@link ENV} of its own, so that an ingest bundle
 * carries these names alone (`ENV` is built with a pure `Object.assign`, which esbuild drops where it is unused).
 */
export const INGEST_ENV = {
  providerId: 'PROVIDER_ID',
  eventsQueueUrl: 'EVENTS_QUEUE_URL',
  /** Optional: where authenticated but invalid bodies are kept for inspection. */
  rejectedQueueUrl: 'REJECTED_QUEUE_URL',
  /** AWS: Secrets Manager id of this provider's credentials document. */
  credentialsSecretId: 'CREDENTIALS_SECRET_ID',
  /** Local: one JSON file with every provider's credentials. */
  secretsFile: 'WEBHOOK_SECRETS_FILE',
  maxBodyBytes: 'MAX_BODY_BYTES',
  /** Override of the adapter's default zone for zone-less provider timestamps. */
  providerTimeZone: 'PROVIDER_TIME_ZONE',
  /**
   * Optional, AWS: comma-separated CIDRs from the deployment's context (`allowedIps`). The ingest function refuses
   * (401) a source IP outside them, in addition to the credentials document's own `allowedIps`: both must pass.
   */
  allowedSourceIps: 'ALLOWED_SOURCE_IPS',
  /**
   * Optional: the public base URL providers call (custom domain or proxy, e.g. `https://hooks.example.com`), which
   * URL-signed schemes (Twilio, Plivo, MessageBird) verify against; default: the URL the request arrived at.
   */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  /** Optional: how far a signed timestamp may be from the clock, in seconds (default 300). */
  signatureToleranceSeconds: 'SIGNATURE_TOLERANCE_SECONDS',
} as const;

/** Names of the environment variables the functions read (the ingest's, {@link INGEST_ENV}, first). */
export const ENV = /* @__PURE__ */ Object.assign({}, INGEST_ENV, {
  tableName: 'TABLE_NAME',
  eventsTopicArn: 'EVENTS_TOPIC_ARN',
  historyTtlDays: 'HISTORY_TTL_DAYS',
  /** Consumer: hours a provider time may be from its arrival and still order events (default 24). */
  trustedTimeWindowHours: 'TRUSTED_TIME_WINDOW_HOURS',
  /** Consumer: seconds the parts of an inbound SMS are waited for before it is published incomplete (default 3600). */
  reassemblyTimeoutSeconds: 'REASSEMBLY_TIMEOUT_SECONDS',
  /** Powertools reads these two itself; the stack sets them so metrics land where the alarms look. */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Consumer: hours a message may stay non-final before the sweeper marks it `unknown` (default 72; 0 = never). */
  staleAfterHours: 'STALE_AFTER_HOURS',
  /** Consumer, optional: per-provider overrides of `STALE_AFTER_HOURS`, JSON `{ "<provider>": hours }`. */
  staleAfterHoursByProvider: 'STALE_AFTER_HOURS_BY_PROVIDER',
  /** Sweeper: how far back its first run (no cursor yet) looks for due timers, in hours (default TIMERS.lookbackHours). */
  sweepLookbackHours: 'SWEEP_LOOKBACK_HOURS',
} as const);

export const INGEST = {
  /** Body cap before parsing (docs/design.md). API Gateway HTTP APIs cap payloads at 10 MB anyway. */
  maxBodyBytes: 256 * 1024,
  /** How far a signed timestamp may be from the clock, either way (Telnyx's SDK and Standard Webhooks use 5 minutes). */
  signatureToleranceSeconds: 300,
} as const;

/**
 * SQS's largest message (and SendMessageBatch payload), as the queues are set: 1 MiB. An event carries its
 * normalized fields and the provider's raw item, so one near the 256 KiB body cap can exceed SQS's classic 256 KiB
 * default; at the default it would be refused on every retry. Its own constant, so an ingest bundle carries it
 * without the rest of {@link QUEUE}.
 */
export const MAX_MESSAGE_SIZE_BYTES = 1_048_576;

export const QUEUE = {
  /** Tries before a record goes to the dead-letter queue (reliability case 14). */
  maxReceiveCount: 5,
  /** The consumer's timeout; the queue's visibility is at least 6× this (AWS Lambda guide). */
  consumerTimeoutSeconds: 30,
  visibilityTimeoutSeconds: 180,
  /** 14 days: the most SQS keeps a message, so a DLQ never loses one before someone looks. */
  dlqRetentionSeconds: 1_209_600,
  /** 4 days. (Literals, not `4 * 24 * 3600`: esbuild keeps an unused object holding arithmetic, in every bundle.) */
  retentionSeconds: 345_600,
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
  /** {@link MAX_MESSAGE_SIZE_BYTES}. */
  maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
} as const;

/** The status table's keys (see `functions/store`). */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  /** Default retention of a message's status and history; 0 keeps them for ever. */
  defaultTtlDays: 400,
  /**
   * How long the parts of a concatenated inbound SMS are waited for before what came is published, marked
   * incomplete (functions/consume/multipart.ts): parts of one message arrive within seconds; an hour covers a
   * provider's retries of a part it failed to deliver.
   */
  defaultReassemblyTimeoutSeconds: 3_600,
} as const;

/**
 * Timers (`functions/timers`): due items the consumer writes and the sweeper reads back by hour bucket, never by scan.
 */
export const TIMERS = {
  /**
   * Hours an outbound message may stay without a final status before it is marked `unknown`: AWS End User
   * Messaging's own window for SMS delivery receipts (72 hours), which no provider here exceeds.
   */
  defaultStaleAfterHours: 72,
  /** How long a due item is kept after its due time (its TTL): the longest a stopped sweeper can catch up on. */
  retentionDays: 7,
  /** How far back a sweep with no cursor (the first one) looks, in hours. */
  lookbackHours: 24,
  /** The sweeper's schedule on AWS and the local runtime's interval, in minutes. */
  sweepIntervalMinutes: 15,
} as const;

export const RESOURCE_NAMES = {
  eventsQueue: 'webhook-events',
  deadLetterQueue: 'webhook-events-dlq',
  rejectedQueue: 'webhook-rejected',
  table: 'webhook-messages',
  topic: 'webhook-applied-events',
} as const;

/**
 * CloudWatch metrics (Powertools EMF) the ingest functions emit and the stack alarms and graphs on. One namespace,
 * the `provider` dimension on every metric. A part of {@link METRICS} of its own, so that an ingest bundle carries
 * these names alone.
 */
export const INGEST_METRICS = {
  namespace: 'WebhookIngestion',
  /** Ingest: requests refused with 401 (bad/missing credentials, none configured). */
  authFailures: 'AuthFailures',
  /** Ingest: authenticated requests refused with 400 (and kept on the rejected queue). */
  invalidBodies: 'InvalidBodies',
  /** Ingest: provider test/verification pings answered. */
  pings: 'Pings',
  /** Ingest: events durably queued. */
  eventsQueued: 'EventsQueued',
  /** Ingest: events the queue did not take (answered 5xx, or left out of a Webcom ack). */
  enqueueFailures: 'EnqueueFailures',
  /** Ingest: events of a type the adapter does not know (`provider.unknown`). */
  unknownEvents: 'UnknownEvents',
} as const;

/** Every metric (the ingest's, {@link INGEST_METRICS}, first). */
export const METRICS = /* @__PURE__ */ Object.assign({}, INGEST_METRICS, {
  /** Consumer: events that changed a message's stored status. */
  statusesApplied: 'StatusesApplied',
  /** Consumer: events recorded with a provider status no mapping knows. */
  unknownStatuses: 'UnknownStatuses',
  /** Consumer: deliveries of an event already recorded (a success, counted). */
  duplicateEvents: 'DuplicateEvents',
  /** Consumer: records that failed and were left for retry / the dead-letter queue. */
  recordFailures: 'RecordFailures',
  /**
   * Consumer: messages reaching their first final status, with the dimensions `provider`, `channel`, `country`
   * (of the recipient's E.164 number) and `outcome` (delivered, failed, unknown): the delivery analytics.
   */
  finalStatuses: 'FinalStatuses',
} as const);

/** Where the stack's `cdk.json` context and the local runtime read the subscriber list: `context.webhooks.subscribers`. */
export const CONTEXT_KEY = 'webhooks';

/** A downstream subscriber: its own queue, fed by the topic of applied events through `filterPolicy`. */
export interface SubscriberConfig {
  readonly name: string;
  /** SNS filter policy over the message attributes `provider`, `channel`, `type`, `status`, `final`, `statusChanged`. */
  readonly filterPolicy?: Record<string, unknown>;
}

/**
 * The message attributes the consumer sets on every applied event it publishes (all SNS `String`, booleans as
 * `"true"`/`"false"`), and so the only keys a subscriber's `filterPolicy` may name.
 */
export const APPLIED_EVENT_ATTRIBUTES = ['provider', 'channel', 'type', 'status', 'final', 'statusChanged'] as const;
export type AppliedEventAttribute = (typeof APPLIED_EVENT_ATTRIBUTES)[number];
