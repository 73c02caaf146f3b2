import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createPipelineQueues } from '../../local/engines/queues';
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
