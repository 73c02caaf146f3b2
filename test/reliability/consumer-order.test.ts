/**
 * reliability case 13: every order of a recorded status sequence, with duplicates, delivered in batches whose
 * records run in parallel, ends in the same stored status and the same set of history entries, and the topic
 * gets each event exactly once. The expectation is computed from the status rule itself (`supersedes`), with each
 * event's time judged as the consumer judges it (`isTimeTrusted`): the recorded sequences' provider times are years
 * before their receipt, so there they are untrusted, and events without a provider time are untrusted too; the last
 * case gives trusted times and untrusted ones (far in the future, missing) equal ranks.
 */
import * as fc from 'fast-check';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AppliedEvent } from '../../functions/events/applied';
import type { NormalizedEvent } from '../../functions/events/schema';
import { supersedes } from '../../functions/events/status';
import { createConsumerHandler, type ConsumerDependencies } from '../../functions/consume/createConsumerHandler';
import { toMessageView } from '../../functions/lookup/createLookupHandler';
import { createStatusStore, orderedOfEvent } from '../../functions/store';
import { createTopicAndSubscribers } from '../../local/engines/topics';
import { dynamoEngines } from '../support/dynamodb';
import {
  asMessage,
  CapturedMetrics,
  freshTable,
  loadEvents,
  SEQUENCES,
  sqsEventOf,
  sqsRecordOf,
  useConsumerEngines,
} from '../functions/consume/support';

/** The event the status rule keeps: the one no other supersedes. */
const winnerOf = (events: readonly NormalizedEvent[]): NormalizedEvent =>
  events.reduce((best, event) => (supersedes(orderedOfEvent(event), orderedOfEvent(best)) ? event : best));

/** Everything on the queue now (fauxqs enqueues on publish, so nothing is still on its way). */
async function drain(client: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => message.Body!));
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
  }
}

/** Every order of `items`. */
function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (const [index, item] of items.entries()) {
    for (const rest of permutations([...items.slice(0, index), ...items.slice(index + 1)])) yield [item, ...rest];
  }
}

/** A delivery plan: the sequence's events in some order, some of them again, cut into batches. */
const deliveries = (count: number) =>
  fc.record({
    order: fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
    duplicates: fc.array(fc.record({ index: fc.nat(count - 1), at: fc.nat(3 * count) }), { maxLength: count }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3 * count, maxLength: 3 * count }),
  });

describe.each(dynamoEngines)('RELIABILITY 13 on %s: any order, any duplicates', (engine) => {
  const engines = useConsumerEngines(engine);
  let deps: ConsumerDependencies;
  let queueUrl: string;
  let run = 0;

  beforeAll(async () => {
    const topic = await createTopicAndSubscribers(engines.sns, engines.sqs.client, [{ name: 'all' }], { prefix: `r13-${engine}-` });
    queueUrl = topic.subscriberQueueUrls.all;
    deps = {
      dynamodb: engines.dynamo.client,
      tableName: await freshTable(engines.dynamo.client, 'r13'),
      sns: engines.sns,
      topicArn: topic.topicArn,
      metrics: new CapturedMetrics(),
    };
  });

  it.each(SEQUENCES)('%s ends in the same status and history whatever the order', async (name) => {
    const recorded = loadEvents(name);
    const winner = winnerOf(recorded);
    const consume = createConsumerHandler(deps);
    let reference: ReturnType<typeof toMessageView> | undefined;

    await fc.assert(
      fc.asyncProperty(deliveries(recorded.length), async ({ order, duplicates, batchSizes }) => {
        const events = asMessage(recorded, `${name}-${++run}`);
        const stream = order.map((index) => events[index]);
        for (const { index, at } of duplicates) stream.splice(Math.min(at, stream.length), 0, events[index]);
        for (let start = 0, batch = 0; start < stream.length; start += batchSizes[batch++]) {
          const response = await consume(sqsEventOf(...stream.slice(start, start + batchSizes[batch]).map((event) => sqsRecordOf(event))));
          expect(response).toEqual({ batchItemFailures: [] });
        }

        const stored = await createStatusStore(deps).readMessage(events[0].provider, events[0].messageId!);
        expect(stored?.state).toMatchObject({ eventId: winner.eventId, status: winner.status, final: winner.final });
        const view = toMessageView(stored!);
        const { updatedAt: _u, messageId: _m, ...comparable } = view;
        expect(new Set(view.history.map((entry) => entry.eventId)).size).toBe(recorded.length);
        reference ??= view;
        const { updatedAt: _ru, messageId: _rm, ...expected } = reference;
        expect(comparable).toEqual(expected);

        const published = (await drain(engines.sqs.client, queueUrl)).map(
          (body) => JSON.parse(body) as NormalizedEvent & { statusChanged: boolean; previousStatus: string | null },
        );
        expect(published.map((event) => event.eventId).sort()).toEqual(events.map((event) => event.eventId).sort());
        // Each published change is a real change, and one of them set the status that is stored.
        const changes = published.filter((event) => event.statusChanged);
        expect(changes.every((event) => event.previousStatus !== event.status)).toBe(true);
        expect(changes.map((event) => event.status)).toContain(winner.status);
      }),
      { numRuns: engine === 'dynalite' ? 25 : 10 },
    );
  });

  // The case's words: every permutation. 3 to 5 events, so 6 to 120 orders each, applied one record at a time.
  it.each(SEQUENCES)(
    '%s ends in the same status, history and one change per step in every permutation',
    async (name) => {
      const recorded = loadEvents(name);
      const winner = winnerOf(recorded);
      const consume = createConsumerHandler(deps);
      let orders = 0;
      for (const order of permutations([...recorded.keys()])) {
        const events = asMessage(recorded, `${name}-every-${orders++}`);
        for (const index of order) expect(await consume(sqsEventOf(sqsRecordOf(events[index])))).toEqual({ batchItemFailures: [] });
        const stored = await createStatusStore(deps).readMessage(events[0].provider, events[0].messageId!);
        expect([order, stored?.state.eventId, stored?.state.status]).toEqual([order, winner.eventId, winner.status]);
        expect(stored?.history.map((entry) => entry.eventId).sort()).toEqual(events.map((event) => event.eventId).sort());
        // Each event published once, and the changes chain from nothing to the stored status.
        const published = (await drain(engines.sqs.client, queueUrl)).map((body) => JSON.parse(body) as AppliedEvent);
        expect(published.map((event) => event.eventId).sort()).toEqual(events.map((event) => event.eventId).sort());
        const changes = new Map(published.filter((event) => event.statusChanged).map((event) => [event.previousStatus, event]));
        const chain: AppliedEvent[] = [];
        for (let link = changes.get(null); link && chain.length < published.length; link = changes.get(link.status ?? null)) chain.push(link);
        expect([order, chain.length, changes.size]).toEqual([order, changes.size, published.filter((event) => event.statusChanged).length]);
        expect(chain.at(-1)?.status).toBe(winner.status);
      }
      expect(orders).toBe([...recorded.keys()].reduce((product, index) => product * (index + 1), 1));
    },
    300_000,
  );

  it('ends in the same status when the duplicates are provider retries with their own receipt times', async () => {
    const recorded = loadEvents('nhncloud-sms-result-and-dlrs');
    const winner = winnerOf(recorded);
    const consume = createConsumerHandler(deps);
    await fc.assert(
      fc.asyncProperty(deliveries(recorded.length), fc.integer({ min: 1, max: 3_600 }), async ({ order, duplicates }, lateSeconds) => {
        const events = asMessage(recorded, `retries-${++run}`);
        const stream = order.map((index) => events[index]);
        for (const { index, at } of duplicates) {
          // A provider retry: same event id, a later receipt, and for events without a provider time a later occurredAt.
          const original = events[index];
          const later = new Date(Date.parse(original.receivedAt) + lateSeconds * 1000).toISOString();
          const retry = { ...original, receivedAt: later, ...(original.occurredAtRaw === undefined ? { occurredAt: later } : {}) };
          stream.splice(Math.min(at, stream.length), 0, retry);
        }
        for (const event of stream) expect(await consume(sqsEventOf(sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
        const stored = await createStatusStore(deps).readMessage(events[0].provider, events[0].messageId!);
        expect([stored?.state.status, stored?.state.final]).toEqual([winner.status, winner.final]);
        expect(stored?.history.map((entry) => entry.eventId).sort()).toEqual(events.map((event) => event.eventId).sort());
        await drain(engines.sqs.client, queueUrl);
      }),
      { numRuns: engine === 'dynalite' ? 15 : 5 },
    );
  });

  it('lets the trusted time decide against a time far in the future or missing, in every order', async () => {
    const [, , , sent, delivered] = loadEvents('smsgateway24-every-step');
    const receivedAt = '2026-03-02T08:00:00.000Z';
    const at = (seconds: number) => new Date(Date.parse(receivedAt) + seconds * 1000).toISOString();
    // Four final statuses of equal rank: two with trusted times (the later one, `failed`, is the true last word),
    // one dated 9999-12-31 and one without a provider time (its occurredAt is its receipt, the latest of all).
    const base = { ...delivered, receivedAt };
    const recorded = [
      { ...sent, receivedAt, occurredAt: at(-60), occurredAtRaw: at(-60) },
      { ...base, eventId: '1'.repeat(32), status: 'delivered' as const, occurredAt: at(-30), occurredAtRaw: at(-30) },
      { ...base, eventId: '2'.repeat(32), status: 'failed' as const, occurredAt: at(-20), occurredAtRaw: at(-20) },
      { ...base, eventId: 'e'.repeat(32), status: 'expired' as const, occurredAt: '9999-12-31T23:59:59.000Z', occurredAtRaw: '9999-12-31 23:59:59' },
      { ...base, eventId: 'f'.repeat(32), status: 'rejected' as const, occurredAt: at(120), receivedAt: at(120), occurredAtRaw: undefined },
    ];
    const winner = winnerOf(recorded);
    expect(winner.status).toBe('failed');
    const consume = createConsumerHandler(deps);
    let orders = 0;
    for (const order of permutations([...recorded.keys()])) {
      const events = asMessage(recorded, `trusted-${orders++}`);
      for (const index of order) expect(await consume(sqsEventOf(sqsRecordOf(events[index])))).toEqual({ batchItemFailures: [] });
      const stored = await createStatusStore(deps).readMessage(events[0].provider, events[0].messageId!);
      expect([order, stored?.state.status]).toEqual([order, 'failed']);
      const published = (await drain(engines.sqs.client, queueUrl)).map((body) => JSON.parse(body) as AppliedEvent);
      expect(published.map((event) => event.eventId).sort()).toEqual(events.map((event) => event.eventId).sort());
    }
    expect(orders).toBe(120);
  }, 300_000);
});
