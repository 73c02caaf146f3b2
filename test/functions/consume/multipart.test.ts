import type { AppliedEvent } from '../../../functions/events/applied';
import { createConsumerHandler, type ConsumerDependencies } from '../../../functions/consume/createConsumerHandler';
import { rolledUpEvent, rollUp, type PartState } from '../../../functions/consume/multipart';
import { supersedes } from '../../../functions/events/status';
import { orderedOfEvent } from '../../../functions/store/items';
import { reassembled } from '../../../functions/consume/reassembly';
import { createTimerStore, sweep } from '../../../functions/timers';
import { createStatusStore } from '../../../functions/store';
import { eventIdOf } from '../../../functions/core/ids';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import type { CanonicalStatus } from '../../../functions/events/status';
import { exportMessage } from '../../../ops/table';
import { dynamoEngines } from '../../support/dynamodb';
import { consumerFixture, sqsEventOf, sqsRecordOf, useConsumerEngines } from './support';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const at = (secondsAfter: number) => new Date(NOW.getTime() + secondsAfter * 1000).toISOString();
const SENDER = { raw: '447700900001', e164: '+447700900001' };
const OUR_NUMBER = { raw: '447700900999', e164: '+447700900999' };
const TEXTS = ['Your parcel is ', 'at the depot and will ', 'arrive tomorrow.'];

/** Part `index` of the 3-part inbound message `ref`, as the Vonage SMS adapter makes it (each part its own messageId). */
function inboundPart(ref: string, index: number, options: { receivedAfter?: number; messageId?: string; text?: string } = {}): NormalizedEvent {
  const messageId = options.messageId ?? `mo-${ref}-${index}`;
  return NormalizedEventSchema.parse({
    schemaVersion: 1,
    eventId: eventIdOf('vonage-sms', 'inbound', messageId),
    provider: 'vonage-sms',
    channel: 'sms',
    type: 'message.inbound',
    messageId,
    sender: SENDER,
    recipient: OUR_NUMBER,
    occurredAt: at(0),
    occurredAtRaw: at(0),
    receivedAt: at(options.receivedAfter ?? index),
    data: { type: 'text', text: options.text ?? TEXTS[index - 1] },
    part: { ref, index, total: 3 },
    raw: { messageId },
  });
}

/** A Plivo-like report on part `index` of the 3-part outbound message `ref` (part 1's id is the message's). */
function partReport(ref: string, index: number, status: CanonicalStatus, final: boolean, secondsAfter: number): NormalizedEvent {
  const messageId = index === 1 ? ref : `${ref}-part-${index}`;
  return NormalizedEventSchema.parse({
    schemaVersion: 1,
    eventId: eventIdOf('plivo', messageId, status),
    provider: 'plivo',
    channel: 'sms',
    type: 'message.status',
    messageId,
    status,
    final,
    providerStatus: status,
    recipient: SENDER,
    occurredAt: at(secondsAfter),
    occurredAtRaw: at(secondsAfter),
    receivedAt: at(secondsAfter + 1),
    ...(status === 'failed' ? { error: { code: '200' } } : {}),
    segments: 3,
    part: { ref, index, total: 3 },
    raw: { MessageUUID: messageId },
  });
}

/** Every ordering of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('roll-up of per-part reports ("all parts")', () => {
  const part = (index: number, status: CanonicalStatus, final: boolean, occurredAt = at(index)): PartState => ({
    part: { index },
    status,
    final,
    occurredAt,
  });

  it.each<[string, PartState[], { status: CanonicalStatus; final: boolean } | undefined]>([
    ['no part reported', [], undefined],
    ['the lowest status of the parts reported', [part(1, 'sent', false), part(2, 'queued', false)], { status: 'queued', final: false }],
    [
      'a part that ended counts as sent while another has not',
      [part(1, 'delivered', true), part(2, 'sent', false), part(3, 'delivered', true)],
      { status: 'sent', final: false },
    ],
    [
      'every part ended but one never reported: not final',
      [part(1, 'delivered', true), part(3, 'delivered', true)],
      { status: 'sent', final: false },
    ],
    [
      'every part delivered',
      [part(1, 'delivered', true), part(2, 'delivered', true), part(3, 'delivered', true)],
      { status: 'delivered', final: true },
    ],
    [
      'delivered and read: delivered',
      [part(1, 'read', true), part(2, 'delivered', true), part(3, 'read', true)],
      { status: 'delivered', final: true },
    ],
    ['every part read', [part(1, 'read', true), part(2, 'read', true), part(3, 'read', true)], { status: 'read', final: true }],
    ['one part failed: failed', [part(1, 'delivered', true), part(2, 'failed', true), part(3, 'delivered', true)], { status: 'failed', final: true }],
    [
      'rejected outranks failed and expired',
      [part(1, 'expired', true), part(2, 'rejected', true), part(3, 'failed', true)],
      { status: 'rejected', final: true },
    ],
    [
      'a part whose fate is unknown',
      [part(1, 'delivered', true), part(2, 'unknown', true), part(3, 'delivered', true)],
      { status: 'unknown', final: true },
    ],
    ['an unmapped status says nothing', [part(1, 'unknown', false)], undefined],
  ])('%s', (_name, parts, expected) => {
    const rolled = rollUp(parts, 3);
    expect(rolled && { status: rolled.status, final: rolled.final }).toEqual(expected);
  });
});

describe('the rolled-up event', () => {
  const state = (index: number, status: CanonicalStatus, occurredAt: string, eventId: string): PartState => ({
    part: { index },
    status,
    final: true,
    occurredAt,
    eventId,
  });
  const report = { ...partReport('m', 2, 'failed', true, 55), part: { ref: 'm', index: 2, total: 2 } };

  it('lets a verdict on newer part reports replace an earlier one of equal rank (a part delivered, then failed)', () => {
    const delivered = rolledUpEvent(report, [state(1, 'delivered', at(60), 'a'), state(2, 'delivered', at(50), 'b')], new Date(at(61)))!;
    const failed = rolledUpEvent(report, [state(1, 'delivered', at(60), 'a'), state(2, 'failed', at(55), 'c')], new Date(at(62)))!;
    expect([delivered.status, failed.status]).toEqual(['delivered', 'failed']);
    expect(supersedes(orderedOfEvent(failed), orderedOfEvent(delivered))).toBe(true);
    // Back to delivered on a newer report of part 2: a new verdict, not a repeat of the first.
    const again = rolledUpEvent(report, [state(1, 'delivered', at(60), 'a'), state(2, 'delivered', at(57), 'd')], new Date(at(63)))!;
    expect(again.eventId).not.toBe(delivered.eventId);
    expect(supersedes(orderedOfEvent(again), orderedOfEvent(failed))).toBe(true);
  });

  it('is the same event for the same part reports, whoever derives it', () => {
    const parts = [state(1, 'delivered', at(60), 'a'), state(2, 'delivered', at(50), 'b')];
    expect(rolledUpEvent(report, parts, new Date(at(61)))!.eventId).toBe(rolledUpEvent(report, [...parts].reverse(), new Date(at(70)))!.eventId);
  });
});

describe('reassembly of inbound parts', () => {
  const group = 'PARTS#test';
  const timeoutMs = 3_600_000;

  it('joins the texts by index once every part is there, whatever the order and the repeats', () => {
    for (const order of permutations([1, 2, 3])) {
      const recorded = [...order, order[0]].map((index) => inboundPart('7', index));
      const whole = reassembled(group, recorded, new Date(at(10)), timeoutMs);
      expect(whole?.data?.text).toBe(TEXTS.join(''));
      expect(whole?.data?.reassembly).toMatchObject({ complete: true, missing: [], total: 3 });
      expect(whole?.segments).toBe(3);
      expect(whole?.part).toBeUndefined();
      expect(() => NormalizedEventSchema.parse(whole)).not.toThrow();
    }
  });

  it('waits for a missing part until the timeout, then publishes what came, marked incomplete', () => {
    const recorded = [inboundPart('7', 1), inboundPart('7', 3)];
    expect(reassembled(group, recorded, new Date(at(3_600)), timeoutMs)).toBeUndefined();
    const incomplete = reassembled(group, recorded, new Date(at(3_602)), timeoutMs);
    expect(incomplete?.data).toMatchObject({ text: `${TEXTS[0]}${TEXTS[2]}`, reassembly: { complete: false, missing: [2] } });
  });

  it('takes each part once: a sender reusing the reference starts a new message', () => {
    const first = [1, 2, 3].map((index) => inboundPart('7', index));
    const whole = reassembled(group, first, new Date(at(10)), timeoutMs)!;
    const again = [1, 2, 3].map((index) => inboundPart('7', index, { messageId: `later-${index}`, text: `(${index})`, receivedAfter: 900 + index }));
    expect(reassembled(group, [...first, whole], new Date(at(10)), timeoutMs)).toBeUndefined();
    const second = reassembled(group, [...first, whole, ...again], new Date(at(1_000)), timeoutMs);
    expect(second?.data?.text).toBe('(1)(2)(3)');
    expect(second?.eventId).not.toBe(whole.eventId);
  });

  it('of two parts with one index, takes the first to arrive', () => {
    const recorded = [
      inboundPart('7', 1),
      inboundPart('7', 1, { messageId: 'other', text: 'other', receivedAfter: 5 }),
      inboundPart('7', 2),
      inboundPart('7', 3),
    ];
    expect(reassembled(group, recorded, new Date(at(10)), timeoutMs)?.data?.text).toBe(TEXTS.join(''));
  });
});

describe.each(dynamoEngines)('multipart SMS through the consumer on %s', (engine) => {
  const engines = useConsumerEngines(engine);
  let deps: ConsumerDependencies;
  let published: (expected: number) => Promise<AppliedEvent[]>;
  let clock: Date;

  beforeEach(async () => {
    clock = new Date(at(60));
    const fixture = await consumerFixture(engines, 'multipart', () => clock);
    ({ deps } = fixture);
    published = (expected) => fixture.published(expected, 1_500);
  });

  it('publishes one reassembled inbound message for every order of 3 parts and their repeats, one at a time or in one batch', async () => {
    const consume = createConsumerHandler(deps);
    const orders = permutations([1, 2, 3]);
    let message = 0;
    for (const order of orders) {
      // One at a time, each part repeated right after itself and once more at the end.
      const ref = `seq-${++message}`;
      for (const index of [...order.flatMap((i) => [i, i]), order[0]]) {
        expect(await consume(sqsEventOf(sqsRecordOf(inboundPart(ref, index))))).toEqual({ batchItemFailures: [] });
      }
      // All in one batch (the batch processor runs its records at once), repeats included.
      const batchRef = `batch-${message}`;
      const records = [...order, ...order].map((index, i) => sqsRecordOf(inboundPart(batchRef, index), { messageId: `${batchRef}-${i}` }));
      const response = await consume(sqsEventOf(...records));
      // A copy that found another copy of its own message mid-flight is retried by the queue: retry it the same way.
      for (const failure of response.batchItemFailures) {
        const record = records.find((candidate) => candidate.messageId === failure.itemIdentifier)!;
        expect(await consume(sqsEventOf(record))).toEqual({ batchItemFailures: [] });
      }
    }
    const events = await published(orders.length * 2);
    expect(events).toHaveLength(orders.length * 2);
    for (const event of events) {
      expect(event).toMatchObject({
        type: 'message.inbound',
        segments: 3,
        data: { text: TEXTS.join(''), reassembly: { complete: true, missing: [] } },
      });
      expect(event.part).toBeUndefined();
    }
    expect(new Set(events.map((event) => (event.data?.reassembly as { ref?: string } | undefined)?.ref)).size).toBe(orders.length * 2);
  });

  it('publishes a message whose part never came once, incomplete, after the timeout; a late part waits as a new message', async () => {
    const consume = createConsumerHandler({ ...deps, reassemblyTimeoutSeconds: 600 });
    for (const index of [3, 1]) await consume(sqsEventOf(sqsRecordOf(inboundPart('lost', index))));
    // The sweeper's events go to the events queue, which the consumer reads: here, straight to the consumer.
    const sweepAt = async (when: Date) => {
      clock = when;
      return sweep({
        timers: createTimerStore(deps),
        statusStore: createStatusStore(deps),
        now: when,
        send: async (events) => {
          const response = await consume(sqsEventOf(...events.map((event) => sqsRecordOf(event))));
          return response.batchItemFailures.map((failure) => ({ eventId: failure.itemIdentifier, code: 'consumer' }));
        },
      });
    };
    expect((await sweepAt(new Date(at(500)))).sent).toEqual([]);
    // Past the timeout (600 s after the first part came), twice as two sweeps would: one event.
    const first = await sweepAt(new Date(at(700)));
    const second = await sweepAt(new Date(at(760)));
    expect(first.sent.map((entry) => entry.kind)).toEqual(['reassembly']);
    expect(second.sent).toEqual([]);
    await consume(sqsEventOf(sqsRecordOf(inboundPart('lost', 2, { receivedAfter: 650 }))));
    const events = await published(1);
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ text: `${TEXTS[0]}${TEXTS[2]}`, reassembly: { complete: false, missing: [2] } });
  });

  it("puts a part into one published message only, when the last part races the sweeper's incomplete message", async () => {
    const consume = createConsumerHandler({ ...deps, reassemblyTimeoutSeconds: 600 });
    for (const index of [1, 2]) await consume(sqsEventOf(sqsRecordOf(inboundPart('race', index))));
    // The sweeper queues the incomplete message {1, 2}; before the consumer gets to it, part 3 arrives.
    clock = new Date(at(700));
    const queued: NormalizedEvent[] = [];
    const swept = await sweep({
      timers: createTimerStore(deps),
      statusStore: createStatusStore(deps),
      now: clock,
      send: async (events) => {
        queued.push(...events);
        return [];
      },
    });
    expect(swept.sent.map((entry) => entry.kind)).toEqual(['reassembly']);
    await consume(sqsEventOf(sqsRecordOf(inboundPart('race', 3, { receivedAfter: 690 }))));
    // Then the queued incomplete message arrives, twice: its parts are in the complete one, so nothing more.
    for (const copy of [1, 2])
      expect(await consume(sqsEventOf(...queued.map((event) => sqsRecordOf(event, { messageId: `late-${copy}` }))))).toEqual({
        batchItemFailures: [],
      });
    const events = await published(1);
    expect(events.map((event) => event.data?.reassembly)).toEqual([expect.objectContaining({ complete: true, missing: [] })]);
  });

  it('rolls per-part reports up to one status of the message, in every order, and shows the parts', async () => {
    const consume = createConsumerHandler(deps);
    const store = createStatusStore(deps);
    const orders = permutations([1, 2, 3]);
    let message = 0;
    for (const order of orders) {
      const ref = `out-${++message}`;
      const reports = [
        ...order.map((index) => partReport(ref, index, 'sent', false, index)),
        ...order.map((index) => partReport(ref, index, index === 2 && message % 2 === 0 ? 'failed' : 'delivered', true, 10 + index)),
      ];
      // The sent reports of a message race its receipts: shuffle deterministically by the order.
      const sequence = message % 3 === 0 ? [...reports].reverse() : reports;
      for (const report of sequence) expect(await consume(sqsEventOf(sqsRecordOf(report)))).toEqual({ batchItemFailures: [] });
      const stored = await store.readMessage('plivo', ref);
      const expected = message % 2 === 0 ? 'failed' : 'delivered';
      expect(stored?.state).toMatchObject({ status: expected, final: true, messageId: ref });
      expect(stored?.parts.map((part) => [part.index, part.status])).toEqual([
        [1, 'delivered'],
        [2, expected],
        [3, 'delivered'],
      ]);
      expect(stored?.parts[1].messageId).toBe(`${ref}-part-2`);
      // The ops export (and the console, which shows it) carries the part states too.
      const exported = await exportMessage(deps.dynamodb, deps.tableName, 'plivo', ref);
      expect(exported?.parts.map((part) => [part.part?.index, part.status])).toEqual(stored?.parts.map((part) => [part.index, part.status]));
    }
    const events = await published(orders.length * 2);
    // Only messages are published, never parts; each message ends with exactly one final event.
    expect(events.every((event) => event.part === undefined && event.messageId?.startsWith('out-') && !event.messageId.includes('part'))).toBe(true);
    const finals = events.filter((event) => event.final);
    expect(finals).toHaveLength(orders.length);
    expect(finals.every((event) => event.statusChanged && event.segments === 3)).toBe(true);
  });
});
