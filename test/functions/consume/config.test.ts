import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { consumerDependenciesFromEnv } from '../../../functions/consume/config';
import { ConfigurationError } from '../../../functions/core/errors';
import { TABLE } from '../../../lib/pipeline-settings';

const dynamodb = {} as DynamoDBClient;
const sns = {} as SNSClient;

describe('consumer configuration from the environment', () => {
  it('reads the table, the topic, the retention, the trusted-time window and the reassembly timeout', () => {
    const env = {
      TABLE_NAME: 'webhook-messages-prod',
      EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:1:t',
      HISTORY_TTL_DAYS: '30',
      TRUSTED_TIME_WINDOW_HOURS: '6',
      REASSEMBLY_TIMEOUT_SECONDS: '900',
    };
    expect(consumerDependenciesFromEnv(env, { dynamodb, sns: () => sns })).toEqual({
      dynamodb,
      sns,
      tableName: 'webhook-messages-prod',
      topicArn: 'arn:aws:sns:eu-west-1:1:t',
      ttlDays: 30,
      trustedTimeWindowHours: 6,
      reassemblyTimeoutSeconds: 900,
    });
  });

  it('makes no SNS client without a topic, and keeps the default retention', () => {
    let made = 0;
    const deps = consumerDependenciesFromEnv(
      { TABLE_NAME: 't' },
      {
        dynamodb,
        sns: () => {
          made++;
          return sns;
        },
      },
    );
    expect([deps.sns, deps.topicArn, deps.ttlDays, deps.trustedTimeWindowHours, deps.reassemblyTimeoutSeconds, made]).toEqual([
      undefined,
      undefined,
      TABLE.defaultTtlDays,
      24,
      TABLE.defaultReassemblyTimeoutSeconds,
      0,
    ]);
  });

  it('fails loudly without a table, or with a retention that is not a number of days', () => {
    expect(() => consumerDependenciesFromEnv({}, { dynamodb, sns: () => sns })).toThrow(ConfigurationError);
    expect(() => consumerDependenciesFromEnv({ TABLE_NAME: 't', HISTORY_TTL_DAYS: 'forever' }, { dynamodb, sns: () => sns })).toThrow(
      ConfigurationError,
    );
    expect(() => consumerDependenciesFromEnv({ TABLE_NAME: 't', HISTORY_TTL_DAYS: '-1' }, { dynamodb, sns: () => sns })).toThrow(ConfigurationError);
  });
});
