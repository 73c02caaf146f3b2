import { adapterRequestOf } from '../../local/fixtures';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { AppliedEvent } from '../../functions/events/applied';
import type { NormalizedEvent } from '../../functions/events/schema';
import { rankOf, supersedes, type Ordered } from '../../functions/events/status';
import { orderedOfEvent } from '../../functions/store/items';
import { providerIds, providers } from '../../functions/providers';
import type { LocalPipeline } from '../../local/pipeline';
import { loadFixtures, type Fixture } from '../../local/scenarios';
import { simulate } from '../../local/simulate';
import { tail } from '../../local/tail';
import { dynamoEngines, startDynamo, type TestDynamo } from '../support/dynamodb';
import { queueDepth, receiveAll, startSqs, type TestSqs } from '../support/sqs';
import { lookup, post, startTestPipeline } from './support';

const quiet = () => undefined;

function normalizeFixture(provider: string, fixture: Fixture, receivedAt: string): NormalizedEvent[] {
  const adapter = providers[provider as keyof typeof providers];
  return adapter.normalize(adapterRequestOf(fixture), { receivedAt, timeZone: adapter.defaultTimeZone }).events;
}

/**
 * What the store must hold after these events, by the status rule alone (docs/design.md "Canonical status and order").
 * A report on one part of a multipart message is its part's, not a message's: the multipart suites check roll-ups.
 */
function expectedStatuses(events: readonly NormalizedEvent[]): Map<string, string> {
  const winners = new Map<string, Ordered>();
  for (const event of events) {
    if (event.type !== 'message.status' || !event.messageId || !event.status || event.part) continue;
    // Ordered as the consumer orders it: its time trusted or not by the same rule.
    const candidate: Ordered = orderedOfEvent(event);
    if (supersedes(candidate, winners.get(event.messageId))) winners.set(event.messageId, candidate);
  }
  return new Map([...winners].map(([messageId, winner]) => [messageId, winner.status]));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(dynamoEngines)('local pipeline on %s, end to end', (engine) => {
  let sqs: TestSqs;
  let dynamo: TestDynamo;
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    sqs = await startSqs();
    dynamo = await startDynamo(engine);
    pipeline = await startTestPipeline(sqs, {
      dynamoEndpoint: dynamo.endpoint,
      subscribers: [
        { name: 'changes', filterPolicy: { statusChanged: ['true'] } },
        { name: 'finals', filterPolicy: { type: ['message.status'], final: ['true'], statusChanged: ['true'] } },
        { name: 'webcom-only', filterPolicy: { provider: ['webcom'] } },
        { name: 'tailed', filterPolicy: { provider: ['smsgateway24'], final: ['true'], statusChanged: ['true'] } },
      ],
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await dynamo?.stop();
    await sqs?.stop();
  });

  describe.each(providerIds)('%s fixtures', (provider) => {
    it('end in the status the status rule gives, read back through the lookup route', async () => {
      const fixtures = loadFixtures(provider);
      const events: NormalizedEvent[] = [];
      for (const fixture of fixtures) {
        const reply = await post(pipeline, provider, fixture.body, fixture.contentType, {}, fixture.method);
        expect([fixture.name, reply.status]).toEqual([fixture.name, 200]);
        // The pipeline stamps receivedAt on arrival; the expectation uses the same order of arrival.
        events.push(...normalizeFixture(provider, fixture, new Date().toISOString()));
        await sleep(3);
      }
      await pipeline.drain();
      const expected = expectedStatuses(events);
      expect(expected.size).toBeGreaterThan(0);
      for (const [messageId, status] of expected) {
        const stored = await lookup(pipeline.url, provider, messageId);
        expect([messageId, stored?.status]).toEqual([messageId, status]);
      }
    });
  });

  it('brings every provider through the simulator scenarios to the expected statuses', async () => {
    const lines: string[] = [];
    const result = await simulate({ provider: 'all', scenario: 'all', url: pipeline.url, print: (line) => lines.push(line) });
    const failures = result.messages.filter((message) => message.storedStatus !== message.expectedStatus);
    expect(failures).toEqual([]);
    expect(result.sent.filter((item) => item.statusCode !== 200)).toEqual([]);
    expect(result.messages.map((message) => message.scenario)).toEqual(expect.arrayContaining(['happy', 'shuffled', 'duplicates']));
    expect(result.ok).toBe(true);
    expect(lines.some((line) => line.includes('✓'))).toBe(true);
  });

  it('keeps one history entry per distinct event whatever the duplicates', async () => {
    const result = await simulate({ provider: 'smsgateway24', scenario: 'duplicates', url: pipeline.url, print: quiet });
    const [message] = result.messages;
    // The status is final once the last event's state write lands; its history item is written after its publish.
    let stored = await lookup(pipeline.url, 'smsgateway24', message.messageId);
    for (let tries = 0; tries < 50 && (stored?.history.length ?? 0) < 5; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stored = await lookup(pipeline.url, 'smsgateway24', message.messageId);
    }
    const eventIds = stored?.history.map((entry) => entry.eventId) ?? [];
    expect(new Set(eventIds).size).toBe(eventIds.length);
    expect(eventIds).toHaveLength(5);
  });

  describe('fan-out to subscribers', () => {
    let messageId: string;
    const onQueue = async (name: string) => {
      const messages = await receiveAll(sqs.client, pipeline.resources.subscriberQueueUrls[name], 1000, 2_000);
      return messages.map((message) => JSON.parse(message.Body ?? '{}') as AppliedEvent).filter((event) => event.messageId === messageId);
    };

    beforeAll(async () => {
      const result = await simulate({ provider: 'smsgateway24', scenario: 'duplicates', url: pipeline.url, print: quiet, seed: 4242 });
      messageId = result.messages[0].messageId;
      await pipeline.drain();
    });

    // The poller runs two batches at a time, as Lambda does, so events sent in order may be applied out of order: a
    // status applied after a higher one changes nothing and is not a change. What must hold in any order is that
    // the changes form one unbroken chain from nothing to the final status, each link published once.
    it('gives a statusChanged subscriber each status change exactly once, duplicates included', async () => {
      const events = await onQueue('changes');
      expect(events.every((event) => event.statusChanged === true)).toBe(true);
      expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);

      const byPrevious = new Map(events.map((event) => [event.previousStatus ?? null, event]));
      expect(byPrevious.size).toBe(events.length);
      const chain: AppliedEvent[] = [];
      for (let link = byPrevious.get(null); link && chain.length <= events.length; link = byPrevious.get(link.status ?? null)) {
        chain.push(link);
      }
      expect(chain).toHaveLength(events.length);
      expect(chain.at(-1)?.status).toBe('delivered');
      const ranks = chain.map((event) => rankOf({ status: event.status!, final: event.final ?? false }));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(new Set(ranks).size).toBe(ranks.length);
    });

    it('gives a final-status subscriber only the final status, once', async () => {
      const events = await onQueue('finals');
      expect(events.map((event) => [event.status, event.final])).toEqual([['delivered', true]]);
    });

    it('gives a subscriber of another provider nothing', async () => {
      expect(await onQueue('webcom-only')).toEqual([]);
    });

    it('shows a subscriber its events as one line each with npm run tail', async () => {
      const lines: string[] = [];
      const controller = new AbortController();
      await tail({
        sqs: sqs.client,
        queueUrl: pipeline.resources.subscriberQueueUrls.tailed,
        waitTimeSeconds: 1,
        signal: controller.signal,
        print: (line) => {
          lines.push(line);
          if (line.includes(messageId)) controller.abort();
        },
      });
      const line = lines.find((item) => item.includes(messageId));
      // The status before `delivered` depends on the order the batches were applied in (see above).
      expect(line).toMatch(/smsgateway24 {2}message\.status {2}\d+ {2}delivered final \((accepted|queued|sending|sent) → delivered\)$/);
    });
  });

  describe('gateway answers', () => {
    it('reports health with the queue depths', async () => {
      const response = await fetch(`${pipeline.url}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', providers: providerIds, queues: { events: expect.any(Object) } });
    });

    it('answers 404 for an unknown provider, with or without a token', async () => {
      for (const path of ['/webhooks/nobody', '/webhooks/nobody/some-token']) {
        const response = await fetch(`${pipeline.url}${path}`, { method: 'POST', body: '{}' });
        expect([path, response.status]).toEqual([path, 404]);
        expect(await response.json()).toMatchObject({ error: 'unknown_provider' });
      }
    });

    it('answers 405 with Allow for a webhook route called with GET', async () => {
      const response = await fetch(`${pipeline.url}/webhooks/webcom/whatever`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });

    it('answers 413 for a body over the cap', async () => {
      const reply = await post(pipeline, 'smsgateway24', `{"pad":"${'x'.repeat(300 * 1024)}"}`, 'application/json');
      expect(reply.status).toBe(413);
    });

    it('answers 401 without credentials and queues nothing', async () => {
      const response = await fetch(`${pipeline.url}/webhooks/nhncloud-sms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: loadFixtures('nhncloud-sms').find((fixture) => fixture.name === 'message-result.json')!.body,
      });
      expect(response.status).toBe(401);
    });

    it('answers 404 for a message nobody reported', async () => {
      expect(await lookup(pipeline.url, 'webcom', '999999999999')).toBeUndefined();
    });
  });
});

describe('local pipeline, redrive', () => {
  let sqs: TestSqs;
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    sqs = await startSqs();
    pipeline = await startTestPipeline(sqs, { maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await sqs?.stop();
  });

  it('moves a record the consumer cannot apply to the dead-letter queue after maxReceiveCount tries', async () => {
    const poison = JSON.stringify({ schemaVersion: 1, eventId: 'not-an-event', provider: 'webcom' });
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: pipeline.resources.eventsQueueUrl,
        MessageBody: poison,
        MessageAttributes: { provider: { DataType: 'String', StringValue: 'webcom' } },
      }),
    );
    const [dead] = await receiveAll(sqs.client, pipeline.resources.deadLetterQueueUrl, 1, 20_000);
    expect(dead?.Body).toBe(poison);
    expect(await queueDepth(sqs.client, pipeline.resources.eventsQueueUrl)).toBe(0);
  });

  it('still applies the good records that travel with a poison one', async () => {
    const result = await simulate({ provider: 'webcom', scenario: 'happy', url: pipeline.url, print: quiet });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: pipeline.resources.eventsQueueUrl, MessageBody: '{"poison":true}' }));
    await pipeline.drain();
    expect(result.ok).toBe(true);
    const stored = await lookup(pipeline.url, 'webcom', result.messages[0].messageId);
    expect(stored?.status).toBe('read');
  });
});
