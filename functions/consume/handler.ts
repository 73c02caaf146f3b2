/**
 * The consumer Lambda entry: configuration from the environment (`config.ts`), clients created once per container
 * so warm invocations reuse their connections.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { consumerDependenciesFromEnv } from './config';
import { createConsumerHandler } from './createConsumerHandler';

export const handler = createConsumerHandler(
  consumerDependenciesFromEnv(process.env, { dynamodb: new DynamoDBClient({}), sns: () => new SNSClient({}) }),
);
