/** The sweeper Lambda entry (EventBridge schedule): configuration from the environment, clients once per container. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { sweeperDependenciesFromEnv } from './config';
import { createSweeperHandler } from './createSweeperHandler';

const sweepOnce = createSweeperHandler(sweeperDependenciesFromEnv(process.env, { dynamodb: new DynamoDBClient({}), sqs: new SQSClient({}) }));

/** The scheduled event carries nothing the sweep needs; the answer is a summary for the invocation's log. */
export const handler = async (): Promise<{ sent: number; settled: number; due: number }> => {
  const report = await sweepOnce();
  return { sent: report.sent.length, settled: report.settled, due: report.due };
};
