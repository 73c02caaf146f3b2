import { createHash } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { SQSBatchResponse } from 'aws-lambda';
import type { AppliedEvent } from '../../../functions/events/applied';
import type { NormalizedEvent } from '../../../functions/events/schema';
import { DEFAULT_CLAIM_SECONDS, createConsumerHandler, type ConsumerDependencies } from '../../../functions/consume/createConsumerHandler';
import { createStatusStore } from '../../../functions/store';
import { localDynamoClient, localSnsClient } from '../../../local/engines/clients';
import { METRICS, QUEUE } from '../../../lib/pipeline-settings';
import { dynamoEngines } from '../../support/dynamodb';
import { typicalDeliveryReports } from '../../support/fixture-events';
import { receiveAll } from '../../support/sqs';
import { asMessage, type CapturedMetrics, consumerFixture, injectFaults, loadEvents, sqsEventOf, sqsRecordOf, useConsumerEngines } from './support';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' });
/** Bytes of deterministic noise (SHAKE-256) as base64: text that compresses little. */
const noise = (bytes: number) => createHash('shake256', { outputLength: bytes }).update('noise').digest('base64');
const failures = (response: SQSBatchResponse) => response.batchItemFailures.map((failure) => failure.itemIdentifier);

test('a claim to publish expires before the queue retries its record, so a retry always takes its own claim over', () => {
  expect(DEFAULT_CLAIM_SECONDS).toBeGreaterThanOrEqual(QUEUE.consumerTimeoutSeconds);
  expect(DEFAULT_CLAIM_SECONDS).toBeLessThan(QUEUE.visibilityTimeoutSeconds);
});

describe.each(dynamoEngines)('consumer on %s', (engine) => {
  const engines = useConsumerEngines(engine);
  let deps: ConsumerDependencies & { metrics: CapturedMetrics };
  let published: (expected: number) => Promise<AppliedEvent[]>;
  let queueUrl: string;
  let clock: Date;

  beforeEach(async () => {
    clock = NOW;
    const fixture = await consumerFixture(engines, 'consumer', () => clock);
    ({ deps, published, subscriberQueueUrl: queueUrl } = fixture);
  });

  it('records and finds a message whose id is the longest an event may carry (1,024 three-byte characters)', async () => {
    const [first] = asMessage(loadEvents('smsgateway24-every-step'), 'long');
    const event = { ...first, messageId: '€'.repeat(1024) };
    expect(await createConsumerHandler(deps)(sqsEventOf(sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
    const stored = await createStatusStore(deps).readMessage(event.provider, event.messageId);
    expect(stored?.state).toMatchObject({ messageId: event.messageId, status: event.status });
  });

  it('applies a whole batch and reports no failures', async () => {
    const events = asMessage(loadEvents('smsgateway24-every-step'), 'batch');
    const response = await createConsumerHandler(deps)(sqsEventOf(...events.map((event) => sqsRecordOf(event))));
    expect(response).toEqual({ batchItemFailures: [] });
    const stored = await createStatusStore(deps).readMessage('smsgateway24', events[0].messageId!);
    expect(stored?.state.status).toBe('delivered');
    expect(stored?.history).toHaveLength(5);
  });

  it('publishes each recorded event once, with the status it replaced and whether it changed', async () => {
    const consume = createConsumerHandler(deps);
    const events = asMessage(loadEvents('smsgateway24-every-step'), 'in-order');
    for (const event of events) await consume(sqsEventOf(sqsRecordOf(event)));
    const applied = await published(events.length);
    expect(applied.map((event) => [event.status, event.previousStatus, event.statusChanged])).toEqual([
      ['accepted', null, true],
      ['queued', 'accepted', true],
      ['sending', 'queued', true],
      ['sent', 'sending', true],
      ['delivered', 'sent', true],
    ]);
    expect(applied.map(({ previousStatus: _p, statusChanged: _s, ...event }) => event)).toEqual(events);
  });

  it("spends 2 write units on a new status event (Telnyx's report, the largest typical one), 1 more once per message for its timer, 3 at most on a large one, none on a duplicate", async () => {
    // A client of its own that asks every call for its consumed capacity, as DynamoDB bills it.
    const metered = localDynamoClient(engines.dynamo.endpoint);
    const writes: Array<[string, number]> = [];
    const reads: Array<[string, number]> = [];
    metered.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity;
        const name = String(context.commandName);
        (/^(Get|Query|BatchGet)/.test(name) ? reads : writes).push([name, consumed?.CapacityUnits ?? 0]);
        return result;
      },
      { step: 'initialize', name: 'meterWrites' },
    );
    const total = (entries: Array<[string, number]>) => entries.reduce((sum, [, units]) => sum + units, 0);
    try {
      const report = typicalDeliveryReports().find(({ provider }) => provider === 'telnyx')!.events[0];
      expect(JSON.stringify(report).length).toBeGreaterThan(2048);
      const step = (digit: string, status: 'sent' | 'delivered' | 'queued', second: number): NormalizedEvent => ({
        ...report,
        eventId: digit.repeat(32),
        messageId: `${report.messageId}-metered`,
        status,
        final: status === 'delivered',
        providerStatus: status,
        occurredAt: `2019-12-09T21:32:${String(second).padStart(2, '0')}.000Z`,
      });
      const [sent, delivered, queued] = [step('a', 'sent', 10), step('b', 'delivered', 14), step('c', 'queued', 5)];
      const consume = createConsumerHandler({ ...deps, dynamodb: metered });
      for (const [index, event] of [sent, delivered, queued].entries()) {
        writes.length = 0;
        expect(await consume(sqsEventOf(sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
        // In order (state + claim, then the history item) or late (publication item, then history): 1 + 1. The first
        // status of a message, when not final, also Puts its stale timer (functions/timers), a small item, first: 1
        // more, once per message.
        const first = index === 0;
        expect(writes.map(([name]) => name)).toHaveLength(first ? 3 : 2);
        if (first) expect(writes[0]).toEqual(['PutItemCommand', 1]);
        expect(total(writes)).toBe(first ? 3 : 2);
        expect(writes.at(-1)).toEqual(['PutItemCommand', 1]);
      }
      writes.length = 0;
      reads.length = 0;
      expect(await consume(sqsEventOf(sqsRecordOf(delivered)))).toEqual({ batchItemFailures: [] });
      expect(writes).toEqual([]);
      expect(total(reads)).toBeLessThanOrEqual(2);

      // 0.8 KB more of text that does not compress (an inbound text, a long error): a history item of 1-2 KB, 2 units.
      const large = { ...step('d', 'delivered', 20), messageId: `${report.messageId}-large`, raw: { text: noise(600) } };
      writes.length = 0;
      expect(await consume(sqsEventOf(sqsRecordOf(large)))).toEqual({ batchItemFailures: [] });
      expect(writes.find(([name]) => name === 'PutItemCommand')?.[1]).toBe(2);
      expect(total(writes)).toBeLessThanOrEqual(3);
    } finally {
      metered.destroy();
    }
  });

  it('publishes a late, lower status as not changing anything', async () => {
    const consume = createConsumerHandler(deps);
    const [accepted, , , , delivered] = asMessage(loadEvents('smsgateway24-every-step'), 'late');
    await consume(sqsEventOf(sqsRecordOf(delivered)));
    await consume(sqsEventOf(sqsRecordOf(accepted)));
    const applied = await published(2);
    expect(applied.map((event) => [event.status, event.previousStatus, event.statusChanged])).toEqual([
      ['delivered', null, true],
      ['accepted', 'delivered', false],
    ]);
  });

  it('carries the attributes filter policies match on', async () => {
    const [, , , , delivered] = asMessage(loadEvents('smsgateway24-every-step'), 'attributes');
    await createConsumerHandler(deps)(sqsEventOf(sqsRecordOf(delivered)));
    const [message] = await receiveAll(engines.sqs.client, queueUrl, 1, 2_000);
    const attributes = Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]));
    expect(attributes).toEqual({
      provider: 'smsgateway24',
      channel: 'sms',
      type: 'message.status',
      status: 'delivered',
      final: 'true',
      statusChanged: 'true',
    });
  });

  it('does not publish a duplicate delivery, and counts it as a success', async () => {
    const consume = createConsumerHandler(deps);
    const [event] = asMessage(loadEvents('webcom-viber-cascade'), 'duplicate');
    expect(await consume(sqsEventOf(sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
    expect(await consume(sqsEventOf(sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
    expect(await published(1)).toHaveLength(1);
    expect(deps.metrics.totals().webcom).toEqual({ [METRICS.statusesApplied]: 1, [METRICS.duplicateEvents]: 1 });
  });

  it('publishes again on the retry of a record whose publish failed, with the outcome of the first try', async () => {
    const consume = createConsumerHandler(deps);
    const [accepted, queued] = asMessage(loadEvents('smsgateway24-every-step'), 'retry');
    await consume(sqsEventOf(sqsRecordOf(accepted)));
    const record = sqsRecordOf(queued);
    const faults = injectFaults(engines.sns, (command) => (command instanceof PublishCommand ? throttled() : undefined));
    try {
      expect(failures(await consume(sqsEventOf(record)))).toEqual([record.messageId]);
    } finally {
      faults.restore();
    }
    // The queue retries it after its visibility timeout (180 s), when the claim (60 s) has expired.
    clock = new Date(NOW.getTime() + 181_000);
    expect(await consume(sqsEventOf({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }))).toEqual({
      batchItemFailures: [],
    });
    // A later duplicate of the same callback publishes nothing more.
    await consume(sqsEventOf(sqsRecordOf(queued)));
    const applied = await published(2);
    expect(applied.map((event) => [event.status, event.previousStatus, event.statusChanged])).toEqual([
      ['accepted', null, true],
      ['queued', 'accepted', true],
    ]);
  });

  it('leaves the publishing to the delivery that claimed it while its claim lasts', async () => {
    const consume = createConsumerHandler(deps);
    const [event] = asMessage(loadEvents('innopaas-otp-tie'), 'claim');
    const first = sqsRecordOf(event);
    const faults = injectFaults(engines.sns, (command) => (command instanceof PublishCommand ? throttled() : undefined));
    try {
      expect(failures(await consume(sqsEventOf(first)))).toEqual([first.messageId]);
    } finally {
      faults.restore();
    }
    expect(await consume(sqsEventOf(sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
    expect(await published(0)).toHaveLength(0);
    clock = new Date(NOW.getTime() + 181_000);
    await consume(sqsEventOf(first));
    expect((await published(1)).map((applied) => applied.statusChanged)).toEqual([true]);
  });

  it('publishes a change as a change even when its publish failed and a newer event overtook it meanwhile', async () => {
    const consume = createConsumerHandler(deps);
    const [, , , sent, delivered] = asMessage(loadEvents('smsgateway24-every-step'), 'overtaken');
    // A later report of the same status (a second receipt, say): it supersedes, and changes nothing.
    const later = { ...delivered, eventId: 'f'.repeat(32), occurredAt: new Date(Date.parse(delivered.occurredAt) + 60_000).toISOString() };
    await consume(sqsEventOf(sqsRecordOf(sent)));
    const record = sqsRecordOf(delivered);
    // `delivered` moves the state (its outcome is what it replaced, kept there), then its publish is throttled.
    const faults = injectFaults(engines.sns, (command) => (command instanceof PublishCommand ? throttled() : undefined));
    try {
      expect(failures(await consume(sqsEventOf(record)))).toEqual([record.messageId]);
    } finally {
      faults.restore();
    }
    await consume(sqsEventOf(sqsRecordOf(later)));
    clock = new Date(NOW.getTime() + 181_000);
    expect(await consume(sqsEventOf(record))).toEqual({ batchItemFailures: [] });
    const applied = await published(3);
    expect(Object.fromEntries(applied.map((event) => [event.eventId, [event.status, event.previousStatus, event.statusChanged]]))).toEqual({
      [sent.eventId]: ['sent', null, true],
      [delivered.eventId]: ['delivered', 'sent', true],
      [later.eventId]: ['delivered', 'delivered', false],
    });
  });

  it('publishes once when the same SQS message is delivered twice at once, retrying the second copy', async () => {
    const [event] = asMessage(loadEvents('innopaas-otp-tie'), 'same-message');
    const record = sqsRecordOf(event);
    // The first copy publishes through a client held at a gate, so the second copy runs while the first holds the claim.
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const slowSns = localSnsClient(engines.sqs.endpoint);
    slowSns.middlewareStack.add(
      (next) => async (args) => {
        await gate;
        return next(args);
      },
      { step: 'initialize', name: 'gate' },
    );
    try {
      const first = createConsumerHandler({ ...deps, sns: slowSns })(sqsEventOf(record));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(failures(await createConsumerHandler(deps)(sqsEventOf(record)))).toEqual([record.messageId]);
      openGate();
      expect(await first).toEqual({ batchItemFailures: [] });
    } finally {
      openGate();
      slowSns.destroy();
    }
    // The second copy's retry finds the event published and succeeds quietly.
    clock = new Date(NOW.getTime() + 181_000);
    expect(await createConsumerHandler(deps)(sqsEventOf(record))).toEqual({ batchItemFailures: [] });
    expect((await published(1)).map((applied) => applied.statusChanged)).toEqual([true]);
  });

  it('lets a later duplicate publish once the claimant has been gone longer than its claim', async () => {
    const consume = createConsumerHandler({ ...deps, claimSeconds: 60 });
    const [event] = asMessage(loadEvents('innopaas-otp-tie'), 'takeover');
    const first = sqsRecordOf(event);
    const faults = injectFaults(engines.sns, (command) => (command instanceof PublishCommand ? throttled() : undefined));
    try {
      await consume(sqsEventOf(first));
    } finally {
      faults.restore();
    }
    clock = new Date(NOW.getTime() + 61_000);
    await consume(sqsEventOf(sqsRecordOf(event)));
    await consume(sqsEventOf(first));
    expect((await published(1)).map((applied) => [applied.status, applied.previousStatus, applied.statusChanged])).toEqual([['sending', null, true]]);
  });

  it('records every other event type and publishes it as not about a status', async () => {
    const events = loadEvents('other-types');
    expect(await createConsumerHandler(deps)(sqsEventOf(...events.map((event) => sqsRecordOf(event))))).toEqual({ batchItemFailures: [] });
    const applied = await published(events.length);
    expect(applied.map((event) => event.eventId).sort()).toEqual(events.map((event) => event.eventId).sort());
    expect(applied.every((event) => event.statusChanged === false && event.previousStatus === null)).toBe(true);
  });

  it('records without publishing when no topic is configured', async () => {
    const { sns: _sns, topicArn: _topic, ...withoutTopic } = deps;
    const consume = createConsumerHandler(withoutTopic);
    const [event] = asMessage(loadEvents('webcom-viber-cascade'), 'no-topic');
    expect(await consume(sqsEventOf(sqsRecordOf(event), sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
    expect((await createStatusStore(deps).readState('webcom', event.messageId!))?.eventId).toBe(event.eventId);
    expect(await published(0)).toHaveLength(0);
    expect(deps.metrics.totals().webcom).toEqual({ [METRICS.statusesApplied]: 1, [METRICS.duplicateEvents]: 1 });
  });

  it('fails only the records it cannot read or apply, and counts them', async () => {
    const [good] = asMessage(loadEvents('smsgateway24-every-step'), 'poison');
    const { messageId: _m, ...withoutMessageId } = good;
    const records = [
      sqsRecordOf(good),
      sqsRecordOf('{"not json'),
      sqsRecordOf(JSON.stringify({ ...good, eventId: 'not-an-id' })),
      sqsRecordOf({ ...withoutMessageId, eventId: 'f'.repeat(32) }),
    ];
    const response = await createConsumerHandler(deps)(sqsEventOf(...records));
    expect(failures(response)).toEqual(records.slice(1).map((record) => record.messageId));
    expect(deps.metrics.totals()).toEqual({
      smsgateway24: { [METRICS.statusesApplied]: 1, [METRICS.recordFailures]: 1 },
      unknown: { [METRICS.recordFailures]: 2 },
    });
  });

  it('counts a status no mapping knows once, under its provider only', async () => {
    const consume = createConsumerHandler(deps);
    const events = asMessage(loadEvents('nhncloud-sms-result-and-dlrs'), 'unknown');
    const unmapped = events.find((event) => event.status === 'unknown' && !event.final)!;
    // One batch each: records of one batch are processed concurrently, and whether the unmapped status is applied
    // (it is, only while nothing real is stored) depends on which lands first.
    await consume(sqsEventOf(sqsRecordOf(unmapped)));
    await consume(sqsEventOf(sqsRecordOf(events[0])));
    await consume(sqsEventOf(sqsRecordOf(unmapped)));
    expect(deps.metrics.totals()).toEqual({
      'nhncloud-sms': { [METRICS.statusesApplied]: 2, [METRICS.unknownStatuses]: 1, [METRICS.duplicateEvents]: 1 },
    });
    for (const document of deps.metrics.documents) {
      expect(document._aws.CloudWatchMetrics.map((entry) => [entry.Namespace, entry.Dimensions])).toEqual([[METRICS.namespace, [['provider']]]]);
    }
  });

  it('refuses a topic without an SNS client, and a negative retention', () => {
    const { sns: _sns, ...withoutClient } = deps;
    expect(() => createConsumerHandler(withoutClient)).toThrow(/topicArn is set but no SNS client/);
    expect(() => createConsumerHandler({ ...deps, ttlDays: -1 })).toThrow(/ttlDays/);
  });
});
