/**
 * The consumer's configuration from the environment (names in `ENV`), read once per container through helpers
 * that fail loudly. Kept apart from `handler.ts` so it is testable without AWS clients.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { ENV, TABLE } from '../settings';
import { DEFAULT_TRUSTED_TIME_WINDOW_MS } from '../events/status';
import { getNumberFromEnv, getOptionalStringFromEnv, getStringFromEnv } from '../core/env';
import type { ConsumerDependencies } from './createConsumerHandler';

const DEFAULT_TRUSTED_TIME_WINDOW_HOURS = DEFAULT_TRUSTED_TIME_WINDOW_MS / 3_600_000;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `TABLE_NAME` (required), `EVENTS_TOPIC_ARN` (optional: without it nothing is published), `HISTORY_TTL_DAYS`
 * (default `TABLE.defaultTtlDays`; 0 = keep for ever), `TRUSTED_TIME_WINDOW_HOURS` (default 24: how far a provider
 * time may be from its arrival and still order events), `REASSEMBLY_TIMEOUT_SECONDS` (default 3600: how long the parts of
 * an inbound SMS are waited for before it is published incomplete). The SNS client is made only when there is a topic.
 */
export function consumerDependenciesFromEnv(env: Env, clients: { dynamodb: DynamoDBClient; sns: () => SNSClient }): ConsumerDependencies {
  const topicArn = getOptionalStringFromEnv(ENV.eventsTopicArn, env);
  return {
    dynamodb: clients.dynamodb,
    tableName: getStringFromEnv(ENV.tableName, { env }),
    topicArn,
    sns: topicArn ? clients.sns() : undefined,
    ttlDays: getNumberFromEnv(ENV.historyTtlDays, { env, default: TABLE.defaultTtlDays, min: 0 }),
    trustedTimeWindowHours: getNumberFromEnv(ENV.trustedTimeWindowHours, { env, default: DEFAULT_TRUSTED_TIME_WINDOW_HOURS, min: 1 }),
    reassemblyTimeoutSeconds: getNumberFromEnv(ENV.reassemblyTimeoutSeconds, { env, default: TABLE.defaultReassemblyTimeoutSeconds, min: 1 }),
  };
}
