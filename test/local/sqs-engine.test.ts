import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { localSnsClient } from '../../local/engines/clients';
import { createPipelineQueues } from '../../local/engines/queues';
import { createTopicAndSubscribers } from '../../local/engines/topics';
import { queueDepth, receiveAll, startSqs, type TestSqs } from '../support/sqs';

describe('embedded SQS engine', () => {
  let sqs: TestSqs;
  beforeAll(async () => {
    sqs = await startSqs();
  });
  afterAll(async () => {
    await sqs?.stop();
  });

  it('listens on loopback only', () => {
    expect(new URL(sqs.endpoint).hostname).toBe('127.0.0.1');
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const queues = await createPipelineQueues(sqs.client, { prefix: 'redrive-', maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queues.eventsQueueUrl, MessageBody: '{"poison":true}' }));
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [message] = await receiveAll(sqs.client, queues.eventsQueueUrl, 1, 5_000);
      expect(message?.Attributes?.ApproximateReceiveCount).toBe(String(attempt));
    }
    // As on AWS, the move happens on the receive that would exceed the count: that receive gets nothing.
    expect(await receiveAll(sqs.client, queues.eventsQueueUrl, 1, 3_000)).toHaveLength(0);
    const [dead] = await receiveAll(sqs.client, queues.deadLetterQueueUrl, 1, 5_000);
    expect(dead?.Body).toBe('{"poison":true}');
    expect(await queueDepth(sqs.client, queues.eventsQueueUrl)).toBe(0);
  });
});

describe('embedded SQS engine on a data directory', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sqs-engine-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every answered message, queue, topic and subscription through a kill -9, and frees what was in flight', async () => {
    const first = await startSqs({ dataDir });
    let queues: Awaited<ReturnType<typeof createPipelineQueues>>;
    let subscriberQueueUrl: string;
    let topicArn: string;
    try {
      queues = await createPipelineQueues(first.client, { prefix: 'durable-' });
      const sns = localSnsClient(first.endpoint);
      const topic = await createTopicAndSubscribers(sns, first.client, [{ name: 'everything' }], { prefix: 'durable-' });
      sns.destroy();
      subscriberQueueUrl = topic.subscriberQueueUrls.everything;
      topicArn = topic.topicArn;
      for (let batch = 0; batch < 5; batch++) {
        const { Failed } = await first.client.send(
          new SendMessageBatchCommand({
            QueueUrl: queues.eventsQueueUrl,
            Entries: Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: `event-${batch * 10 + index}` })),
          }),
        );
        expect(Failed ?? []).toEqual([]);
      }
      // Received and never deleted: in flight for the 3 minutes of the queue's visibility timeout.
      expect(await receiveAll(first.client, queues.eventsQueueUrl, 10, 5_000)).toHaveLength(10);
    } finally {
      await first.kill();
    }

    const second = await startSqs({ dataDir });
    try {
      expect(second.releasedInFlight).toBe(10);
      // CreateQueue finds the queue it had, with its messages, all visible at once.
      const again = await createPipelineQueues(second.client, { prefix: 'durable-' });
      expect(again.eventsQueueUrl).toBe(queues!.eventsQueueUrl);
      const received = await receiveAll(second.client, again.eventsQueueUrl, 50, 10_000);
      expect(new Set(received.map((message) => message.Body))).toEqual(new Set(Array.from({ length: 50 }, (_, index) => `event-${index}`)));

      // Handing a message back (what `npm run tail -- --keep` does) keeps its receive count, on disk too.
      const [handedBack] = received;
      await second.client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: again.eventsQueueUrl, ReceiptHandle: handedBack.ReceiptHandle, VisibilityTimeout: 0 }),
      );
      const [returned] = await receiveAll(second.client, again.eventsQueueUrl, 1, 5_000);
      expect(returned.Body).toBe(handedBack.Body);
      expect(Number(returned.Attributes?.ApproximateReceiveCount)).toBe(Number(handedBack.Attributes?.ApproximateReceiveCount) + 1);

      // The topic still fans out to the subscriber queue it had before the kill.
      const sns = localSnsClient(second.endpoint);
      await sns.send(new PublishCommand({ TopicArn: topicArn!, Message: 'after the restart' }));
      sns.destroy();
      const [delivered] = await receiveAll(second.client, subscriberQueueUrl!, 1, 5_000);
      expect(delivered?.Body).toBe('after the restart');
    } finally {
      await second.stop();
    }
  });
});
