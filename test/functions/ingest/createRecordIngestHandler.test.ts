/**
 * The record ingest (EventBridge and SNS invocations of AWS End User Messaging providers) on the real embedded SQS
 * engine: what it queues, what it logs, and that it throws, so AWS retries, whenever an event is not on the queue.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { localSqsClient } from '../../../local/engines/clients';
import type { NormalizedEvent } from '../../../functions/events/schema';
import { createRecordIngestHandler } from '../../../functions/ingest/createRecordIngestHandler';
import { adapterFor } from '../../../functions/providers';
import { ConfigurationError, ValidationError } from '../../../functions/core/errors';
import { loadFixtures } from '../../../local/fixtures';
import { createPipelineQueues } from '../../../local/engines/queues';
import { queueDepth, receiveAll } from '../../support/sqs';
import { faultyClient, useIngestSuite, type FaultPlan } from './harness';

const suite = useIngestSuite();
const NOW = new Date('2025-10-01T18:21:00.000Z');
const NO_WAIT = { sleep: async () => undefined };

async function recordHarness(provider: string, plan?: FaultPlan) {
  const queues = await createPipelineQueues(suite.sqs.client, { prefix: `r${randomUUID().slice(0, 8)}-` });
  const client = plan ? faultyClient(suite.sqs.endpoint, plan) : suite.sqs.client;
  const handler = createRecordIngestHandler({
    adapter: adapterFor(provider),
    sqs: client,
    eventsQueueUrl: queues.eventsQueueUrl,
    now: () => NOW,
    enqueue: NO_WAIT,
  });
  const queued = async (): Promise<NormalizedEvent[]> => {
    const depth = await queueDepth(suite.sqs.client, queues.eventsQueueUrl);
    return (await receiveAll(suite.sqs.client, queues.eventsQueueUrl, depth)).map((message) => JSON.parse(message.Body!) as NormalizedEvent);
  };
  return { handler, queued, done: () => (plan ? client.destroy() : undefined) };
}

const fixture = (provider: string, name: string) =>
  JSON.parse(loadFixtures(provider).find((item) => item.name === name)!.body) as Record<string, unknown>;

/** An SNS-to-Lambda invocation carrying the given notifications, as SNS builds it. */
const snsInvocation = (...notifications: Record<string, unknown>[]) => ({
  Records: notifications.map((Sns) => ({
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: `${String(Sns.TopicArn)}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
    Sns,
  })),
});

describe('record ingest', () => {
  it('queues the event of an EventBridge invocation and logs one line', async () => {
    const harness = await recordHarness('aws-eum-sms');
    const result = await harness.handler(fixture('aws-eum-sms', 'eventbridge-text-successful.json'));
    expect(result).toMatchObject({ records: 1, events: 1, queued: 1 });
    const queued = await harness.queued();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      provider: 'aws-eum-sms',
      messageId: 'ed23196c-75ce-4727-93ee-7bf72b64998f',
      status: 'delivered',
      receivedAt: NOW.toISOString(),
    });
    expect(result.eventIds).toEqual([queued[0].eventId]);
    const logs = suite.output.logs();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'INFO',
      provider: 'aws-eum-sms',
      outcome: 'accepted',
      source: 'eventbridge',
      records: 1,
      events: 1,
      queued: 1,
    });
  });

  it('queues every record of an SNS invocation (several notifications at once)', async () => {
    const harness = await recordHarness('aws-eum-sms');
    const event = snsInvocation(fixture('aws-eum-sms', 'sns-text-successful.json'), fixture('aws-eum-sms', 'sns-two-way-inbound.json'));
    await expect(harness.handler(event)).resolves.toMatchObject({ records: 2, events: 2, queued: 2 });
    const types = (await harness.queued()).map((item) => item.type).sort();
    expect(types).toEqual(['message.inbound', 'message.status']);
  });

  it('queues the several events of one WhatsApp SNS entry', async () => {
    const harness = await recordHarness('aws-eum-whatsapp');
    await expect(harness.handler(snsInvocation(fixture('aws-eum-whatsapp', 'sns-status-delivered.json')))).resolves.toMatchObject({ queued: 1 });
    expect((await harness.queued())[0]).toMatchObject({ provider: 'aws-eum-whatsapp', channel: 'whatsapp', status: 'delivered' });
  });

  it('throws when the queue refuses an event, so EventBridge or SNS retries; the line says which', async () => {
    let refused = '';
    const harness = await recordHarness('aws-eum-sms', ({ eventId, body }) => {
      if (body.type !== 'message.inbound') return 'ok';
      refused = eventId;
      return 'fail';
    });
    const event = snsInvocation(fixture('aws-eum-sms', 'sns-text-successful.json'), fixture('aws-eum-sms', 'sns-two-way-inbound.json'));
    await expect(harness.handler(event)).rejects.toThrow('1 of 2 events could not be queued');
    harness.done();
    expect((await harness.queued()).map((item) => item.type)).toEqual(['message.status']);
    expect(suite.output.logs().find((log) => log.outcome === 'queue_unavailable')).toMatchObject({
      level: 'ERROR',
      events: 2,
      queued: 1,
      enqueueFailures: [{ eventId: refused, code: 'InternalError' }],
    });
  });

  it('throws when the SendMessageBatch call itself fails, after the retries, and nothing is lost silently', async () => {
    const harness = await recordHarness('aws-eum-whatsapp', () => 'throw');
    await expect(harness.handler(fixture('aws-eum-whatsapp', 'eventbridge-delivered.json'))).rejects.toThrow('could not be queued');
    harness.done();
    expect(await harness.queued()).toEqual([]);
  });

  it('throws when the queue service throttles every call (injected with aws-sdk-client-mock on a real engine client)', async () => {
    const queues = await createPipelineQueues(suite.sqs.client, { prefix: `m${randomUUID().slice(0, 8)}-` });
    const client = localSqsClient(suite.sqs.endpoint);
    const stub = mockClient(client);
    stub.on(SendMessageBatchCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' }));
    const handler = createRecordIngestHandler({
      adapter: adapterFor('aws-eum-sms'),
      sqs: client,
      eventsQueueUrl: queues.eventsQueueUrl,
      now: () => NOW,
      enqueue: NO_WAIT,
    });
    try {
      await expect(handler(fixture('aws-eum-sms', 'eventbridge-text-queued.json'))).rejects.toThrow('1 of 1 events could not be queued');
    } finally {
      stub.restore();
      client.destroy();
    }
    expect(await queueDepth(suite.sqs.client, queues.eventsQueueUrl)).toBe(0);
    expect(suite.output.logs().find((log) => log.outcome === 'queue_unavailable')).toMatchObject({
      enqueueFailures: [{ code: 'ThrottlingException' }],
    });
  });

  it('a retry after a refused attempt queues the same event id (the consumer absorbs duplicates)', async () => {
    let attempt = 0;
    const harness = await recordHarness('aws-eum-sms', () => (attempt === 0 ? 'fail' : 'ok'));
    const event = fixture('aws-eum-sms', 'eventbridge-text-delivered.json');
    await expect(harness.handler(event)).rejects.toThrow();
    attempt = 1;
    const retried = await harness.handler(event);
    harness.done();
    expect((await harness.queued()).map((item) => item.eventId)).toEqual(retried.eventIds);
  });

  it('throws a ValidationError for an invocation that is neither EventBridge nor SNS, logged as invalid_record', async () => {
    const harness = await recordHarness('aws-eum-sms');
    await expect(harness.handler({ hello: 'world' })).rejects.toThrow(ValidationError);
    expect(await harness.queued()).toEqual([]);
    expect(suite.output.logs()[0]).toMatchObject({ level: 'WARN', outcome: 'invalid_record' });
  });

  it('never logs a body or a whole phone number', async () => {
    const harness = await recordHarness('aws-eum-sms');
    await harness.handler(snsInvocation(fixture('aws-eum-sms', 'sns-two-way-inbound.json')));
    const text = suite.output.lines.join('\n');
    expect(text).not.toContain('14255550182');
    expect(text).not.toContain('EXAMPLE');
  });

  it('refuses to build for an adapter without a record ingest', () => {
    expect(() => createRecordIngestHandler({ adapter: adapterFor('webcom'), sqs: suite.sqs.client, eventsQueueUrl: 'http://x' })).toThrow(
      ConfigurationError,
    );
  });
});
