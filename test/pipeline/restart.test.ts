import { simulate } from '../../local/simulate';
import { queueDepth, startSqs, type TestSqs } from '../support/sqs';
import { lookup, startTestPipeline, tempDir } from './support';

describe('local pipeline restart', () => {
  let sqs: TestSqs;
  const data = tempDir('pipeline-restart');

  beforeAll(async () => {
    sqs = await startSqs();
  });
  afterAll(async () => {
    await sqs?.stop();
    data.remove();
  });

  it('keeps stored statuses across a stop and a start on the same data directory', async () => {
    const first = await startTestPipeline(sqs, { dataDir: data.dir, prefix: 'restart-' });
    let result: Awaited<ReturnType<typeof simulate>>;
    try {
      result = await simulate({ provider: 'nhncloud-sms', scenario: 'shuffled', url: first.url, print: () => undefined });
      expect(result.ok).toBe(true);
    } finally {
      await first.stop();
    }
    const second = await startTestPipeline(sqs, { dataDir: data.dir, prefix: 'restart-' });
    try {
      const stored = await lookup(second.url, 'nhncloud-sms', result.messages[0].messageId);
      expect(stored?.status).toBe('delivered');
      expect(stored?.history).toHaveLength(3);
    } finally {
      await second.stop();
    }
  });

  it('drains what was accepted before stopping, so nothing acknowledged is lost', async () => {
    const first = await startTestPipeline(sqs, { dataDir: data.dir, prefix: 'drain-', pollWaitSeconds: 1 });
    let messageId: string;
    let eventsQueueUrl: string;
    try {
      eventsQueueUrl = first.resources.eventsQueueUrl;
      // No read-back: stop right after the replies, while records may still be on the queue.
      const result = await simulate({ provider: 'webcom', scenario: 'happy', url: first.url, verify: false, print: () => undefined });
      expect(result.ok).toBe(true);
      messageId = result.messages[0].messageId;
    } finally {
      await first.stop();
    }
    // Nothing left on the queue for the next start to pick up: what it reads was stored before the stop.
    expect(await queueDepth(sqs.client, eventsQueueUrl)).toBe(0);
    const second = await startTestPipeline(sqs, { dataDir: data.dir, prefix: 'drain-' });
    try {
      expect((await lookup(second.url, 'webcom', messageId))?.status).toBe('read');
    } finally {
      await second.stop();
    }
  });
});
