/**
 * The ingest Lambda entry: one deployment per provider (`PROVIDER_ID`), configured from the environment once per
 * container (see `config.ts` for the variables). The SQS client is created here, outside the handler, so warm
 * invocations reuse its connections.
 *
 * Imports are kept to the SDK command used (SendMessageBatch, for the events and a kept rejected body alike): the bundle budget is 60 kB over a bare
 * SQSClient + SendMessageBatch bundle. The credentials secret is read through the AWS Parameters and Secrets Lambda
 * Extension with `fetch`, not with a Secrets Manager client (see `credentials.ts`).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { ingestDependenciesFromEnv } from './config';
import { createIngestHandler } from './createIngestHandler';

export const handler = createIngestHandler(ingestDependenciesFromEnv(process.env, { sqs: new SQSClient({}) }));
