/**
 * The baseline of docs/performance.md "Budgets": a function that does nothing but hold an `SQSClient` and send one
 * `SendMessageBatch`, bundled and started like the real ones. An ingest function can never be smaller or start
 * faster than this; the budgets are what it may add on top.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';

// Created at import, as the ingest entry creates its client, so both pay for the same construction.
const sqs = new SQSClient({});

export const handler = async (event: { body?: string }) =>
  sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: process.env.EVENTS_QUEUE_URL,
      Entries: [{ Id: '0', MessageBody: event.body ?? '{}' }],
    }),
  );
