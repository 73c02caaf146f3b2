/**
 * Settings the AWS stack and the local runtime (`npm start`) must agree on, kept as plain data so both import
 * them (and nothing else) from here. Changing one here changes it in both places.
 */

/** Names of the environment variables the functions read. */
export const ENV = {
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
  tableName: 'TABLE_NAME',
  eventsTopicArn: 'EVENTS_TOPIC_ARN',
  historyTtlDays: 'HISTORY_TTL_DAYS',
} as const;

export const INGEST = {
  /** Body cap before parsing (DESIGN.md). API Gateway HTTP APIs cap payloads at 10 MB anyway. */
  maxBodyBytes: 256 * 1024,
} as const;

export const QUEUE = {
  /** Tries before a record goes to the dead-letter queue (RELIABILITY.md case 14). */
  maxReceiveCount: 5,
  /** The consumer's timeout; the queue's visibility is at least 6× this (AWS Lambda guide). */
  consumerTimeoutSeconds: 30,
  visibilityTimeoutSeconds: 180,
  /** 14 days: the most SQS keeps a message, so a DLQ never loses one before someone looks. */
  dlqRetentionSeconds: 14 * 24 * 3600,
  retentionSeconds: 4 * 24 * 3600,
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
} as const;

/** The status table's keys (see `functions/store`). */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  /** Default retention of a message's status and history; 0 keeps them for ever. */
  defaultTtlDays: 400,
} as const;

export const RESOURCE_NAMES = {
  eventsQueue: 'webhook-events',
  deadLetterQueue: 'webhook-events-dlq',
  rejectedQueue: 'webhook-rejected',
  table: 'webhook-messages',
  topic: 'webhook-applied-events',
} as const;
