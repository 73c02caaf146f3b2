import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createPipelineQueues } from '../../local/engines/queues';
import { startPoller, succeededMessageIds, type Poller, type SqsHandler } from '../../local/poller';
import { queueDepth, receiveAll, startSqs, type TestSqs } from '../support/sqs';

function record(messageId: string): SQSRecord {
  return { messageId } as SQSRecord;
}

describe('partial batch responses', () => {
  const records = ['a', 'b', 'c'].map(record);

  it('counts every record as done when nothing failed', () => {
    expect(succeededMessageIds(records, undefined)).toEqual(['a', 'b', 'c']);
    expect(succeededMessageIds(records, { batchItemFailures: [] })).toEqual(['a', 'b', 'c']);
  });

  it('keeps only the named failures', () => {
    expect(succeededMessageIds(records, { batchItemFailures: [{ itemIdentifier: 'b' }] })).toEqual(['a', 'c']);
  });

  it('fails the whole batch for an empty, null or unknown itemIdentifier, as Lambda does', () => {
    for (const itemIdentifier of ['', null, 'zzz']) {
      const response = { batchItemFailures: [{ itemIdentifier }] } as unknown as SQSBatchResponse;
      expect(succeededMessageIds(records, response)).toEqual([]);
    }
  });
});

describe('SQS poller', () => {
  let sqs: TestSqs;
  let queueIndex = 0;
  const pollers: Poller[] = [];

  beforeAll(async () => {
    sqs = await startSqs();
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  });
  afterAll(async () => {
    await sqs?.stop();
  });

  async function queues(options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {}) {
    queueIndex += 1;
    return createPipelineQueues(sqs.client, { prefix: `poller-${queueIndex}-`, ...options });
  }

  async function poll(queueUrl: string, handler: SqsHandler, concurrency = 1): Promise<Poller> {
    const poller = await startPoller({ sqs: sqs.client, queueUrl, handler, waitTimeSeconds: 1, concurrency });
    pollers.push(poller);
    return poller;
  }

  async function sendBodies(queueUrl: string, bodies: string[]): Promise<void> {
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({
          Id: String(index),
          MessageBody: body,
          MessageAttributes: { provider: { DataType: 'String', StringValue: 'webcom' } },
        })),
      }),
    );
  }

  async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('delivers records shaped like the Lambda SQS event source', async () => {
    const { eventsQueueUrl } = await queues();
    const seen: SQSEvent[] = [];
    const poller = await poll(eventsQueueUrl, async (event) => {
      seen.push(event);
    });
    await sendBodies(eventsQueueUrl, ['{"n":1}']);
    await until(() => seen.length === 1);
    const [one] = seen[0].Records;
    expect(one).toMatchObject({
      body: '{"n":1}',
      eventSource: 'aws:sqs',
      eventSourceARN: poller.queueArn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {
        provider: { dataType: 'String', stringValue: 'webcom', stringListValues: [], binaryListValues: [] },
      },
    });
    expect(one.messageId).toEqual(expect.any(String));
    expect(one.receiptHandle).toEqual(expect.any(String));
    expect(Number(one.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(poller.queueArn).toMatch(/^arn:aws:sqs:/);
  });

  it('deletes the records that succeeded and redelivers the failures', async () => {
    const { eventsQueueUrl } = await queues({ visibilityTimeoutSeconds: 1 });
    const deliveries: Array<{ body: string; count: string }> = [];
    await poll(eventsQueueUrl, async (event) => {
      for (const r of event.Records) deliveries.push({ body: r.body, count: r.attributes.ApproximateReceiveCount });
      const failing = event.Records.filter((r) => r.body === 'fail-once' && r.attributes.ApproximateReceiveCount === '1');
      return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await sendBodies(eventsQueueUrl, ['ok', 'fail-once']);
    await until(() => deliveries.some((d) => d.body === 'fail-once' && d.count === '2'));
    await until(async () => (await queueDepth(sqs.client, eventsQueueUrl)) === 0);
    expect(deliveries.filter((d) => d.body === 'ok')).toHaveLength(1);
    expect(deliveries.filter((d) => d.body === 'fail-once').map((d) => d.count)).toEqual(['1', '2']);
  });

  it('redelivers the whole batch when the handler throws', async () => {
    const { eventsQueueUrl } = await queues({ visibilityTimeoutSeconds: 1 });
    const counts: string[] = [];
    await poll(eventsQueueUrl, async (event) => {
      counts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
      if (event.Records.some((r) => r.attributes.ApproximateReceiveCount === '1')) throw new Error('throttled');
    });
    await sendBodies(eventsQueueUrl, ['a', 'b']);
    await until(() => counts.filter((c) => c === '2').length === 2);
    await until(async () => (await queueDepth(sqs.client, eventsQueueUrl)) === 0);
  });

  it('lets a record that always fails reach the dead-letter queue after maxReceiveCount', async () => {
    const { eventsQueueUrl, deadLetterQueueUrl } = await queues({ maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
    let attempts = 0;
    await poll(eventsQueueUrl, async (event) => {
      attempts += event.Records.length;
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: eventsQueueUrl, MessageBody: 'poison' }));
    const [dead] = await receiveAll(sqs.client, deadLetterQueueUrl, 1, 15_000);
    expect(dead?.Body).toBe('poison');
    expect(attempts).toBe(2);
    expect(await queueDepth(sqs.client, eventsQueueUrl)).toBe(0);
  });

  it('drains every visible record and reports the failures left for retry', async () => {
    const { eventsQueueUrl } = await queues();
    const applied: string[] = [];
    const handler: SqsHandler = async (event) => {
      applied.push(...event.Records.map((r) => r.body));
      return { batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId })) };
    };
    await sendBodies(
      eventsQueueUrl,
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    await sendBodies(eventsQueueUrl, [...Array.from({ length: 9 }, (_, i) => `n${i}`), 'bad']);
    const poller = await poll(eventsQueueUrl, handler, 2);
    const result = await poller.drain();
    expect(new Set(applied).size).toBe(20);
    expect(result.awaitingRetry).toBe(1);
  });

  it('stops within the long-poll wait', async () => {
    const { eventsQueueUrl } = await queues();
    const poller = await startPoller({ sqs: sqs.client, queueUrl: eventsQueueUrl, handler: async () => undefined, waitTimeSeconds: 1 });
    const started = Date.now();
    await poller.stop();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
