/**
 * The record ingest Lambda entry: one deployment per AWS-sourced provider (`PROVIDER_ID`), invoked by its
 * EventBridge rule and its SNS subscriptions. Configured from the environment once per container: `PROVIDER_ID`
 * and `EVENTS_QUEUE_URL` (required), `PROVIDER_TIME_ZONE` (optional). No credentials: IAM and the resource policies
 * of the rule and the subscriptions decide who may invoke it.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { INGEST_ENV } from '../settings';
import { adapterFor } from '../providers';
import { getOptionalStringFromEnv, getStringFromEnv } from '../core/env';
import { createRecordIngestHandler } from './createRecordIngestHandler';

export const handler = createRecordIngestHandler({
  adapter: adapterFor(getStringFromEnv(INGEST_ENV.providerId, { env: process.env })),
  sqs: new SQSClient({}),
  eventsQueueUrl: getStringFromEnv(INGEST_ENV.eventsQueueUrl, { env: process.env }),
  timeZone: getOptionalStringFromEnv(INGEST_ENV.providerTimeZone, process.env),
});
