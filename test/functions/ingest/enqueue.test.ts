import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { chunk, enqueueEvents, messageBodyOf } from '../../../functions/ingest/enqueue';
import { eventIdOf } from '../../../functions/core/ids';
import { createPipelineQueues } from '../../../local/engines/queues';
import { queueDepth, receiveAll, startSqs, type TestSqs } from '../../support/sqs';
import { faultyClient, type FaultPlan } from './harness';

const AT = '2024-12-12T03:00:00.000Z';
const noWait = { sleep: async () => undefined };

function event(index: number, overrides: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    schemaVersion: 1,
    eventId: eventIdOf('webcom', index),
    provider: 'webcom',
    channel: 'sms',
    type: 'message.status',
    messageId: String(index),
    status: 'delivered',
    final: true,
    providerStatus: 'deliver',
    occurredAt: AT,
    receivedAt: AT,
    raw: { id_sms: index },
    ...overrides,
  };
}

const events = (count: number) => Array.from({ length: count }, (_, index) => event(index));

let sqs: TestSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(async () => {
  await sqs?.stop();
});

let prefix = 0;
const freshQueue = async () => (await createPipelineQueues(sqs.client, { prefix: `enqueue${++prefix}-` })).eventsQueueUrl;

describe('chunk', () => {
  const sized = (bytes: number[]) => bytes.map((size, index) => ({ index, bytes: size }));

  it('cuts batches at 10 entries', () => {
    expect(chunk(sized(Array(25).fill(1)), 1_000).map((batch) => batch.length)).toEqual([10, 10, 5]);
  });

  it('cuts batches before they exceed the byte limit, keeping order', () => {
    const batches = chunk(sized([40, 40, 40, 10, 90]), 100);
    expect(batches.map((batch) => batch.map((entry) => entry.index))).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('sends an entry larger than the limit on its own', () => {
    expect(chunk(sized([10, 500, 10]), 100).map((batch) => batch.length)).toEqual([1, 1, 1]);
  });
});

describe('messageBodyOf', () => {
  it('writes characters SQS may refuse as escapes, keeping the same JSON value', () => {
    const tricky = event(1, { data: { text: 'ok 😀 \uFFFF \uFFFE \uD800 end' } });
    const body = messageBodyOf(tricky);
    expect(body).not.toMatch(/[\uD800-\uDFFF\uFFFE\uFFFF]/);
    expect(JSON.parse(body)).toEqual(tricky);
  });
});

describe('enqueueEvents', () => {
  it('queues every event in batches of ten, with the filter attributes', async () => {
    const queueUrl = await freshQueue();
    const result = await enqueueEvents(sqs.client, queueUrl, events(25));
    expect([...result.queued].sort()).toEqual(
      events(25)
        .map((e) => e.eventId)
        .sort(),
    );
    expect(result.failures).toEqual([]);
    const messages = await receiveAll(sqs.client, queueUrl, 25);
    expect(messages).toHaveLength(25);
    for (const message of messages) {
      NormalizedEventSchema.parse(JSON.parse(message.Body!));
      expect(message.MessageAttributes?.provider?.StringValue).toBe('webcom');
      expect(message.MessageAttributes?.type?.StringValue).toBe('message.status');
      expect(message.MessageAttributes?.status?.StringValue).toBe('delivered');
    }
  });

  it('sets the status attribute to "none" for an event without a status', async () => {
    const queueUrl = await freshQueue();
    await enqueueEvents(sqs.client, queueUrl, [event(1, { type: 'message.inbound', status: undefined, final: undefined })]);
    const [message] = await receiveAll(sqs.client, queueUrl, 1);
    expect(message.MessageAttributes?.status?.StringValue).toBe('none');
  });

  it('queues text with emoji and non-characters that a raw body would have lost', async () => {
    const queueUrl = await freshQueue();
    const result = await enqueueEvents(sqs.client, queueUrl, [event(1, { data: { text: 'hi 👋 \uFFFF' } })]);
    expect(result.queued.size).toBe(1);
    const [message] = await receiveAll(sqs.client, queueUrl, 1);
    expect((JSON.parse(message.Body!) as NormalizedEvent).data).toEqual({ text: 'hi 👋 \uFFFF' });
  });

  it('queues an event whose text and raw copy together exceed the message limit, without the raw copy', async () => {
    // 64k emoji: 256 KB as UTF-8, three times that once escaped, and the event holds it twice (data and raw).
    const text = '👋'.repeat(64 * 1024);
    const queueUrl = await freshQueue();
    const result = await enqueueEvents(sqs.client, queueUrl, [event(1, { data: { text }, raw: { text } })]);
    expect(result.queued.size).toBe(1);
    const [message] = await receiveAll(sqs.client, queueUrl, 1);
    const queued = NormalizedEventSchema.parse(JSON.parse(message.Body!));
    expect(queued.data).toEqual({ text });
    expect(queued.raw).toBeNull();
  });

  it('keeps the raw copy whenever the message fits', async () => {
    const queueUrl = await freshQueue();
    await enqueueEvents(sqs.client, queueUrl, [event(2, { raw: { text: 'x'.repeat(300 * 1024) } })]);
    const [message] = await receiveAll(sqs.client, queueUrl, 1);
    expect((JSON.parse(message.Body!) as NormalizedEvent).raw).toEqual({ text: 'x'.repeat(300 * 1024) });
  });

  it('retries only the entries reported failed, so nothing is queued twice', async () => {
    const queueUrl = await freshQueue();
    const failOnce: FaultPlan = ({ messageId }, attempt) => (attempt === 1 && Number(messageId) % 3 === 0 ? 'fail' : 'ok');
    const client = faultyClient(sqs.endpoint, failOnce);
    const result = await enqueueEvents(client, queueUrl, events(25), noWait);
    client.destroy();
    expect(result.queued.size).toBe(25);
    const bodies = (await receiveAll(sqs.client, queueUrl, 26, 2_000)).map((message) => (JSON.parse(message.Body!) as NormalizedEvent).eventId);
    expect(bodies).toHaveLength(25);
    expect(new Set(bodies).size).toBe(25);
  });

  it('gives up on an entry after the attempts run out and reports it', async () => {
    const queueUrl = await freshQueue();
    let attemptsOfFour = 0;
    const alwaysFailFour: FaultPlan = ({ messageId }, attempt) => {
      if (messageId !== '4') return 'ok';
      attemptsOfFour = attempt;
      return 'fail';
    };
    const client = faultyClient(sqs.endpoint, alwaysFailFour);
    const result = await enqueueEvents(client, queueUrl, events(12), { ...noWait, maxAttempts: 3 });
    client.destroy();
    expect(result.queued.has(event(4).eventId)).toBe(false);
    expect(result.queued.size).toBe(11);
    expect(result.failures).toEqual([{ eventId: event(4).eventId, code: 'InternalError', senderFault: false }]);
    expect(attemptsOfFour).toBe(3);
    expect(await queueDepth(sqs.client, queueUrl)).toBe(11);
  });

  it("does not retry an entry the queue refused as the sender's fault", async () => {
    const queueUrl = await freshQueue();
    const senderFaultOnce: FaultPlan = ({ messageId }, attempt) => (messageId === '2' && attempt === 1 ? 'sender-fault' : 'ok');
    const client = faultyClient(sqs.endpoint, senderFaultOnce);
    const result = await enqueueEvents(client, queueUrl, events(3), noWait);
    client.destroy();
    // A retry would have succeeded; there was none.
    expect(result.queued.has(event(2).eventId)).toBe(false);
    expect(result.failures).toEqual([{ eventId: event(2).eventId, code: 'InvalidParameterValue', senderFault: true }]);
  });

  it('counts a batch whose call throws as not queued, and keeps the other batches', async () => {
    const queueUrl = await freshQueue();
    const throwForTwelve: FaultPlan = ({ messageId }) => (messageId === '12' ? 'throw' : 'ok');
    const client = faultyClient(sqs.endpoint, throwForTwelve);
    const result = await enqueueEvents(client, queueUrl, events(25), noWait);
    client.destroy();
    const secondBatch = events(25)
      .slice(10, 20)
      .map((e) => e.eventId);
    expect(secondBatch.some((id) => result.queued.has(id))).toBe(false);
    expect(result.queued.size).toBe(15);
    expect(await queueDepth(sqs.client, queueUrl)).toBe(15);
  });

  it('waits between attempts with the configured backoff', async () => {
    const queueUrl = await freshQueue();
    const waits: number[] = [];
    const client = faultyClient(sqs.endpoint, () => 'fail');
    await enqueueEvents(client, queueUrl, events(1), { sleep: async (ms) => void waits.push(ms) });
    client.destroy();
    expect(waits).toEqual([100, 400]);
  });
});
