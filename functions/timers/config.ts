/**
 * The sweeper's configuration from the environment (names in `ENV`): `TABLE_NAME`, `EVENTS_QUEUE_URL` (required),
 * `SWEEP_LOOKBACK_HOURS` (default `TIMERS.lookbackHours`). Kept apart from `handler.ts` so it is testable without
 * AWS clients.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ENV, TIMERS } from '../settings';
import { getNumberFromEnv, getStringFromEnv } from '../core/env';
import type { SweeperDependencies } from './createSweeperHandler';

type Env = Readonly<Record<string, string | undefined>>;

export function sweeperDependenciesFromEnv(env: Env, clients: { dynamodb: DynamoDBClient; sqs: SQSClient }): SweeperDependencies {
  return {
    ...clients,
    tableName: getStringFromEnv(ENV.tableName, { env }),
    eventsQueueUrl: getStringFromEnv(ENV.eventsQueueUrl, { env }),
    lookbackHours: getNumberFromEnv(ENV.sweepLookbackHours, { env, default: TIMERS.lookbackHours, min: 0, max: TIMERS.retentionDays * 24 }),
  };
}
