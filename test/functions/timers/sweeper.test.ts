/**
 * The stale-message sweeper end to end on real engines (each DynamoDB engine of `dynamoEngines`, fauxqs for the
 * events queue and the topic): the consumer writes a message's timer with its first status, the sweeper sends the
 * canonical `unknown` event to the events queue, the consumer applies and publishes it. The clock is injected; no
 * test waits for time to pass.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AppliedEventSchema, type AppliedEvent } from '../../../functions/events/applied';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { createConsumerHandler, type ConsumerDependencies } from '../../../functions/consume/createConsumerHandler';
import { createStatusStore } from '../../../functions/store';
import {
  createSweeperHandler,
  createTimerStore,
  duePartitionKey,
  STALE_PROVIDER_STATUS,
  staleEventIdOf,
  SweepFailedError,
  sweep,
} from '../../../functions/timers';
import { enqueueEvents } from '../../../functions/ingest/enqueue';
import { localDynamoClient } from '../../../local/engines/clients';
import { createPipelineQueues } from '../../../local/engines/queues';
import { dynamoEngines } from '../../support/dynamodb';
import { receiveAll } from '../../support/sqs';
import { asMessage, consumerFixture, loadEvents, sqsEventOf, sqsRecordOf, useConsumerEngines } from '../consume/support';

const T0 = new Date('2026-03-02T09:20:00.000Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);

describe.each(dynamoEngines)('stale-message sweeper on %s', (engine) => {
  const engines = useConsumerEngines(engine);
  let clock: Date;
  let deps: ConsumerDependencies;
  let eventsQueueUrl: string;
  let subscriberQueueUrl: string;

  beforeEach(async () => {
    clock = T0;
    const fixture = await consumerFixture(engines, 'sweeper', () => clock);
    ({ deps, subscriberQueueUrl } = fixture);
    ({ eventsQueueUrl } = await createPipelineQueues(engines.sqs.client, { prefix: fixture.prefix }));
  });

  const consumer = () => createConsumerHandler(deps);
  const consume = async (...events: NormalizedEvent[]) => {
    const consumeOne = consumer();
    for (const event of events) expect(await consumeOne(sqsEventOf(sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
  };
  const sweeper = (options: { dynamodb?: ConsumerDependencies['dynamodb']; sqs?: SQSClient } = {}) =>
    createSweeperHandler({
      dynamodb: options.dynamodb ?? engines.dynamo.client,
      sqs: options.sqs ?? engines.sqs.client,
      tableName: deps.tableName,
      eventsQueueUrl,
      now: () => clock,
    });

  /** Everything on the events queue, applied by the consumer as Lambda would (one batch), then deleted. */
  const drainEvents = async (): Promise<NormalizedEvent[]> => {
    const drained: NormalizedEvent[] = [];
    for (;;) {
      const { Messages = [] } = await engines.sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: eventsQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return drained;
      const events = Messages.map((message) => NormalizedEventSchema.parse(JSON.parse(message.Body!)));
      const response = await consumer()(sqsEventOf(...events.map((event, i) => sqsRecordOf(event, { messageId: Messages[i].MessageId }))));
      expect(response).toEqual({ batchItemFailures: [] });
      for (const message of Messages)
        await engines.sqs.client.send(new DeleteMessageCommand({ QueueUrl: eventsQueueUrl, ReceiptHandle: message.ReceiptHandle! }));
      drained.push(...events);
    }
  };

  /** The applied events published so far (waits a moment for one more than `expected`, to see there is none). */
  const published = async (expected: number): Promise<AppliedEvent[]> =>
    (await receiveAll(engines.sqs.client, subscriberQueueUrl, expected + 1, 1_000)).map((message) =>
      AppliedEventSchema.parse(JSON.parse(message.Body!)),
    );

  const unknownsOf = (events: readonly AppliedEvent[]) => events.filter((event) => event.providerStatus === STALE_PROVIDER_STATUS);
  const stateOf = async (event: NormalizedEvent) => createStatusStore(deps).readState(event.provider, event.messageId!);

  const message = (suffix: string) => {
    const [accepted, queued, sending, sent, delivered] = asMessage(loadEvents('smsgateway24-every-step'), suffix);
    return { accepted, queued, sending, sent, delivered };
  };

  it('marks a message stuck past its 72-hour window unknown once, even swept twice and by two sweeps at once', async () => {
    const { accepted, sent } = message('stuck');
    await consume(accepted, sent);
    const published0 = await published(2);
    expect(published0.map((event) => event.status)).toEqual(['accepted', 'sent']);

    clock = at(71.9);
    expect((await sweeper()()).sent).toEqual([]);

    clock = at(72.1);
    const [first, second] = await Promise.all([sweeper()(), sweeper()()]);
    const third = await sweeper()();
    // Two concurrent sweeps may both send it; the third starts after the cursor and sends nothing.
    expect(first.sent.length + second.sent.length).toBeGreaterThanOrEqual(1);
    expect(third.sent).toEqual([]);
    const drained = await drainEvents();
    expect(new Set(drained.map((event) => event.eventId))).toEqual(new Set([staleEventIdOf('smsgateway24', accepted.messageId!)]));

    const applied = unknownsOf(await published(1));
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ status: 'unknown', final: true, statusChanged: true, previousStatus: 'sent', messageId: accepted.messageId });
    expect(applied[0].data).toMatchObject({ staleAfterHours: 72, lastStatus: 'sent' });
    expect(await stateOf(accepted)).toMatchObject({ status: 'unknown', final: true, providerStatus: STALE_PROVIDER_STATUS });

    // A sweep long after, with a lost cursor (a new table would have none), still finds the message final: nothing.
    clock = at(80);
    expect((await sweeper()()).sent).toEqual([]);
  });

  it('writes the timer before the state: a failure between the two leaves the timer, and the retry completes the message', async () => {
    const { sent } = message('crash');
    const faulty = localDynamoClient(engines.dynamo.endpoint);
    // The state write fails once, after the timer's Put went through (before the SDK's retries, as a crash would).
    let failNext = true;
    faulty.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateItemCommand' && failNext) {
          failNext = false;
          throw Object.assign(new Error('the consumer died here'), { name: 'Crash' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'crashOnStateWrite' },
    );
    try {
      const record = sqsRecordOf(sent);
      const consumeFaulty = createConsumerHandler({ ...deps, dynamodb: faulty });
      expect((await consumeFaulty(sqsEventOf(record))).batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(await stateOf(sent)).toBeUndefined();
      const timers = createTimerStore(deps);
      expect((await timers.dueIn(at(72))).map((timer) => timer.messageId)).toEqual([sent.messageId]);
      expect(await consumeFaulty(sqsEventOf(record))).toEqual({ batchItemFailures: [] });
      expect(await stateOf(sent)).toMatchObject({ status: 'sent' });
      expect(await timers.dueIn(at(72))).toHaveLength(1);
    } finally {
      faulty.destroy();
    }
    clock = at(72.5);
    expect((await sweeper()()).sent.map((event) => event.messageId)).toEqual([sent.messageId]);
  });

  it('sends nothing for a message whose receipt came before its window ended, and writes it no timer if its first status is final', async () => {
    const early = message('early');
    await consume(early.sent, early.delivered);
    const finalFirst = message('final-first');
    await consume(finalFirst.delivered);
    const timers = createTimerStore(deps);
    // One timer: the message that started non-final.
    expect((await timers.dueIn(at(72))).map((timer) => timer.messageId)).toEqual([early.sent.messageId]);

    clock = at(73);
    const report = await sweeper()();
    expect(report).toMatchObject({ due: 1, settled: 1, sent: [] });
    expect(await drainEvents()).toEqual([]);
    expect(unknownsOf(await published(3))).toEqual([]);
  });

  it('lets a late delivery receipt supersede the unknown, and a late sent not', async () => {
    const late = message('late');
    const lower = message('lower');
    await consume(late.accepted, lower.accepted);
    clock = at(72.5);
    expect((await sweeper()()).sent).toHaveLength(2);
    await drainEvents();
    clock = at(73);
    await consume(late.delivered, lower.sent);

    expect(await stateOf(late.accepted)).toMatchObject({ status: 'delivered', previousStatus: 'unknown' });
    expect(await stateOf(lower.accepted)).toMatchObject({ status: 'unknown', providerStatus: STALE_PROVIDER_STATUS });
    const events = await published(6);
    expect(unknownsOf(events)).toHaveLength(2);
    const byMessage = (messageId: string) => events.filter((event) => event.messageId === messageId).map((e) => [e.status, e.statusChanged]);
    expect(byMessage(late.accepted.messageId!)).toEqual([
      ['accepted', true],
      ['unknown', true],
      ['delivered', true],
    ]);
    expect(byMessage(lower.accepted.messageId!)).toEqual([
      ['accepted', true],
      ['unknown', true],
      ['sent', false],
    ]);
  });

  it('publishes one unknown, as no change, when the receipt lands between the sweep and the consumer applying it', async () => {
    const between = message('between');
    await consume(between.sent);
    clock = at(72.5);
    expect((await sweeper()()).sent).toHaveLength(1);
    // The receipt overtakes the queued unknown.
    await consume(between.delivered);
    await drainEvents();
    expect((await sweeper()()).sent).toEqual([]);
    expect(await stateOf(between.sent)).toMatchObject({ status: 'delivered' });
    const unknowns = unknownsOf(await published(3));
    expect(unknowns).toHaveLength(1);
    expect(unknowns[0]).toMatchObject({ statusChanged: false, previousStatus: 'delivered' });
  });

  it("uses each provider's window: an override, and 0 for none", async () => {
    deps = { ...deps, staleWindows: { defaultHours: 72, byProvider: { smsgateway24: 24, webcom: 0 } } };
    const short = message('short');
    const [webcomSent] = asMessage(loadEvents('webcom-viber-cascade'), 'off');
    await consume(short.sent, webcomSent);
    const timers = createTimerStore(deps);
    expect((await timers.dueIn(at(24))).map((timer) => [timer.provider, timer.dueAt])).toEqual([['smsgateway24', at(24).toISOString()]]);

    clock = at(23.9);
    expect((await sweeper()()).sent).toEqual([]);
    clock = at(24.1);
    expect((await sweeper()()).sent.map((event) => event.messageId)).toEqual([short.sent.messageId]);
    clock = at(100);
    expect((await sweeper()()).sent).toEqual([]);
  });

  it('queries only the hour partitions since the last sweep, never scans', async () => {
    const { sent } = message('partitions');
    await consume(sent);
    const metered = localDynamoClient(engines.dynamo.endpoint);
    const calls: Array<[string, unknown]> = [];
    metered.middlewareStack.add(
      (next, context) => async (args) => {
        // The document client's own middleware may not have marshalled the values yet: either shape.
        const pk = (args.input as { ExpressionAttributeValues?: Record<string, unknown> }).ExpressionAttributeValues?.[':pk'];
        calls.push([String(context.commandName), typeof pk === 'string' ? pk : (pk as { S?: string } | undefined)?.S]);
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
    try {
      const queried = () => calls.filter(([name]) => name === 'QueryCommand').map(([, pk]) => pk);
      clock = at(70);
      await sweeper({ dynamodb: metered })();
      // The first sweep has no cursor: the lookback (24 hours), hour by hour, both ends included.
      expect(queried()).toEqual(Array.from({ length: 25 }, (_, i) => duePartitionKey(at(46 + i))));
      calls.length = 0;
      clock = at(72.25);
      const report = await sweeper({ dynamodb: metered })();
      expect(queried()).toEqual([duePartitionKey(at(70)), duePartitionKey(at(71)), duePartitionKey(at(72))]);
      expect(report.sent.map((event) => event.messageId)).toEqual([sent.messageId]);
      calls.length = 0;
      clock = at(72.5);
      await sweeper({ dynamodb: metered })();
      expect(queried()).toEqual([duePartitionKey(at(72))]);
      expect(calls.filter(([name]) => /Scan/.test(name))).toEqual([]);
    } finally {
      metered.destroy();
    }
  });

  it('keeps the cursor where a timer failed, sweeps the rest, and sends the failed one on the next sweep', async () => {
    const a = message('fail-a');
    await consume(a.sent);
    clock = at(73);
    const timers = createTimerStore(deps);
    const statusStore = createStatusStore(deps);
    let refuse = true;
    const send = async (events: readonly NormalizedEvent[]) =>
      refuse
        ? events.map((event) => ({ eventId: event.eventId, code: 'InternalError' }))
        : (await enqueueEvents(engines.sqs.client, eventsQueueUrl, events)).failures;
    const failed = await sweep({ timers, statusStore, send, now: clock });
    expect(failed.failures).toEqual([{ kind: 'stale', provider: 'smsgateway24', messageId: a.sent.messageId, reason: 'not queued: InternalError' }]);
    // The cursor moved through the clean hours before, and stopped short of the failed timer's.
    const dueAt = at(72).toISOString();
    expect((await timers.cursor())?.toISOString()).toBe('2026-03-05T08:59:59.999Z');
    expect(dueAt.slice(0, 13)).toBe('2026-03-05T09');
    refuse = false;
    clock = at(73.5);
    const retried = await sweep({ timers, statusStore, send, now: clock });
    expect(retried.sent.map((event) => event.messageId)).toEqual([a.sent.messageId]);
    expect((await timers.cursor())?.toISOString()).toBe(clock.toISOString());
    expect((await drainEvents()).map((event) => event.eventId)).toEqual([staleEventIdOf('smsgateway24', a.sent.messageId!)]);
  });

  it('fails the scheduled invocation when a timer could not be handled, and a dry run sends nothing and keeps the cursor', async () => {
    const b = message('dry');
    await consume(b.sent);
    clock = at(73);
    const dry = await sweeper()(undefined, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, due: 1, sent: [{ kind: 'stale', messageId: b.sent.messageId, status: 'unknown' }] });
    expect(await createTimerStore(deps).cursor()).toBeUndefined();
    expect(await drainEvents()).toEqual([]);

    const broken = createSweeperHandler({ ...deps, sqs: engines.sqs.client, eventsQueueUrl: `${eventsQueueUrl}-missing`, now: () => clock });
    await expect(broken()).rejects.toThrow(SweepFailedError);
    expect((await createTimerStore(deps).cursor())?.getTime()).toBeLessThan(at(72).getTime());
    const report = await sweeper()();
    expect(report.sent.map((event) => event.messageId)).toEqual([b.sent.messageId]);
    expect((await createTimerStore(deps).cursor())?.toISOString()).toBe(clock.toISOString());
  });
});
