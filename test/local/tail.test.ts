import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { tail } from '../../local/tail';
import { queueDepth, receiveAll, startSqs, type TestSqs } from '../support/sqs';

/** `npm run tail`: what it leaves on the subscriber's queue. */
describe('tail', () => {
  let sqs: TestSqs;
  let run = 0;

  beforeAll(async () => {
    sqs = await startSqs();
  });
  afterAll(async () => {
    await sqs?.stop();
  });

  async function queueWith(count: number): Promise<string> {
    const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: `tail-${++run}`, Attributes: { VisibilityTimeout: '300' } }));
    for (let index = 0; index < count; index++) {
      const event = { eventId: `${index}`.padStart(32, '0'), provider: 'webcom', type: 'message.status', messageId: `m${index}`, status: 'sent' };
      await sqs.client.send(new SendMessageCommand({ QueueUrl: QueueUrl!, MessageBody: JSON.stringify(event) }));
    }
    return QueueUrl!;
  }

  /** Tails until `count` lines are printed. */
  async function tailLines(queueUrl: string, count: number, keep: boolean): Promise<string[]> {
    const lines: string[] = [];
    const controller = new AbortController();
    await tail({
      sqs: sqs.client,
      queueUrl,
      keep,
      waitTimeSeconds: 1,
      signal: controller.signal,
      print: (line) => {
        lines.push(line);
        if (lines.length === count) controller.abort();
      },
    });
    return lines;
  }

  it('consumes what it prints, as the subscriber would', async () => {
    const queueUrl = await queueWith(3);
    expect(await tailLines(queueUrl, 3, false)).toHaveLength(3);
    expect(await queueDepth(sqs.client, queueUrl)).toBe(0);
  });

  it('with keep, leaves every printed event visible on the queue as soon as it stops', async () => {
    const queueUrl = await queueWith(3);
    expect(await tailLines(queueUrl, 3, true)).toHaveLength(3);
    // Visible at once, not after the queue's 300 s visibility timeout.
    expect(await receiveAll(sqs.client, queueUrl, 3, 3_000)).toHaveLength(3);
  });
});
