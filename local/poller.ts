/**
 * The local stand-in for Lambda's SQS event source mapping: long-polls the events queue, hands each batch to the
 * consumer as a real `SQSEvent`, deletes the records that succeeded and leaves the failures alone, so that they come
 * back after the visibility timeout and, after `maxReceiveCount` receives, land in the dead-letter queue exactly as
 * they would on AWS.
 *
 * Partial batch responses follow the Lambda rules (ReportBatchItemFailures): the records named in
 * `batchItemFailures` fail; a thrown error, or a failure entry with an empty, null or unknown `itemIdentifier`,
 * fails the whole batch.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { QUEUE } from '../lib/pipeline-settings';

/** The consumer, with the shape of an SQS-triggered Lambda handler. */
export type SqsHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse | void>;

/** What happened to one batch, for a one-line log; never bodies. */
export interface BatchSummary {
  readonly received: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly durationMs: number;
}

export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly handler: SqsHandler;
  /** Long-poll wait of each receive, 0–20 s. Also bounds how long `stop()` takes. @default 2 */
  readonly waitTimeSeconds?: number;
  /** Records per batch, 1–10. @default QUEUE.batchSize */
  readonly batchSize?: number;
  /** Batches processed at the same time, like concurrent Lambda invocations. @default 2 */
  readonly concurrency?: number;
  /** What the context's `getRemainingTimeInMillis` counts down from. @default QUEUE.consumerTimeoutSeconds */
  readonly functionTimeoutSeconds?: number;
  readonly functionName?: string;
  readonly onBatch?: (summary: BatchSummary) => void;
  /** Receive or delete errors (the engine going away, for instance). The loop backs off and carries on. */
  readonly onError?: (error: unknown) => void;
}

export interface DrainResult {
  /** Records that failed and wait for their visibility timeout: not applied, not lost, not waited for. */
  readonly awaitingRetry: number;
}

export interface Poller {
  readonly queueArn: string;
  /** Receives and processes one batch without waiting for messages; resolves to the number of records received. */
  pollOnce(): Promise<number>;
  /** Processes until no record is visible on the queue and no batch of this poller is in progress. */
  drain(): Promise<DrainResult>;
  /** Stops the loops; resolves when each has finished its current receive and batch. */
  stop(): Promise<void>;
}

const BACKOFF_MS = 1_000;

function toLambdaAttribute(value: MessageAttributeValue): SQSMessageAttributes[string] {
  return {
    dataType: value.DataType ?? 'String',
    stringValue: value.StringValue,
    binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
  };
}

/** One received message as the record Lambda's SQS event source would deliver. */
export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) messageAttributes[name] = toLambdaAttribute(value);
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/**
 * The message ids that succeeded, by Lambda's rules for a partial batch response: every record unless named in
 * `batchItemFailures`; none at all when an entry's `itemIdentifier` is empty, null or not in the batch.
 */
export function succeededMessageIds(records: readonly SQSRecord[], response: SQSBatchResponse | void | null): string[] {
  const ids = records.map((record) => record.messageId);
  const failures = response?.batchItemFailures ?? [];
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.includes(id)) return [];
    failed.add(id);
  }
  return ids.filter((id) => !failed.has(id));
}

function lambdaContext(functionName: string, timeoutSeconds: number, queueArn: string): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const region = queueArn.split(':')[3] ?? 'us-east-1';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts polling `queueUrl` and returns the running poller.
 *
 * @example
 * ```ts
 * import type { SQSClient } from '@aws-sdk/client-sqs';
 * declare const sqs: SQSClient;
 * declare const eventsQueueUrl: string;
 * declare const consumer: SqsHandler;
 * const poller = await startPoller({ sqs, queueUrl: eventsQueueUrl, handler: consumer });
 * // … on shutdown, after the gateway stopped taking requests:
 * await poller.drain();
 * await poller.stop();
 * ```
 */
export async function startPoller(options: PollerOptions): Promise<Poller> {
  const { sqs, queueUrl, handler } = options;
  const waitTimeSeconds = options.waitTimeSeconds ?? 2;
  const batchSize = options.batchSize ?? QUEUE.batchSize;
  const functionName = options.functionName ?? 'webhook-consumer-local';
  const timeoutSeconds = options.functionTimeoutSeconds ?? QUEUE.consumerTimeoutSeconds;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = Attributes?.QueueArn;
  if (!queueArn) throw new Error(`queue ${queueUrl} has no ARN`);

  let stopping = false;
  const inProgress = new Set<Promise<unknown>>();

  const receive = async (wait: number): Promise<Message[]> => {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  };

  const process_ = async (messages: Message[]): Promise<void> => {
    const started = process.hrtime.bigint();
    const records = messages.map((message) => toSqsRecord(message, queueArn));
    let response: SQSBatchResponse | void;
    let succeeded: string[];
    try {
      response = await handler({ Records: records }, lambdaContext(functionName, timeoutSeconds, queueArn));
      succeeded = succeededMessageIds(records, response);
    } catch (error) {
      // As on AWS: a function error fails the whole batch; every record comes back after the visibility timeout.
      options.onError?.(error);
      succeeded = [];
    }
    const entries = records
      .filter((record) => succeeded.includes(record.messageId))
      .map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle }));
    if (entries.length > 0) {
      try {
        const result = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        // A record whose delete failed is delivered again; the consumer is idempotent, so that costs only time.
        if (result.Failed && result.Failed.length > 0) options.onError?.(new Error(`${result.Failed.length} deletes failed`));
      } catch (error) {
        options.onError?.(error);
      }
    }
    options.onBatch?.({
      received: records.length,
      succeeded: entries.length,
      failed: records.length - entries.length,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
    });
  };

  /** Runs one batch and keeps it visible to `drain()` until it is done. */
  const track = async (messages: Message[]): Promise<void> => {
    const work = process_(messages);
    inProgress.add(work);
    try {
      await work;
    } finally {
      inProgress.delete(work);
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      let messages: Message[];
      try {
        messages = await receive(waitTimeSeconds);
      } catch (error) {
        if (stopping) return;
        options.onError?.(error);
        await sleep(BACKOFF_MS);
        continue;
      }
      if (messages.length > 0) await track(messages);
    }
  };

  const loops = Array.from({ length: Math.max(1, options.concurrency ?? 2) }, () => loop());

  const pollOnce = async (): Promise<number> => {
    const messages = await receive(0);
    if (messages.length > 0) await track(messages);
    return messages.length;
  };

  const depth = async (): Promise<{ visible: number; inFlight: number }> => {
    const { Attributes: counts } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(counts?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(counts?.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  };

  return {
    queueArn,
    pollOnce,
    drain: async () => {
      for (;;) {
        if ((await pollOnce()) > 0) continue;
        // The loops may hold a batch received just before this one came back empty: let them finish it.
        await Promise.all([...inProgress]);
        const { visible, inFlight } = await depth();
        if (visible === 0 && inProgress.size === 0) return { awaitingRetry: inFlight };
      }
    },
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      await Promise.all([...inProgress]);
    },
  };
}
