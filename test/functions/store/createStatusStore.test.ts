import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { NormalizedEvent } from '../../../functions/events/schema';
import { CANONICAL_STATUSES, STATUS_TABLE, supersedes, UNMAPPED_STATUS } from '../../../functions/events/status';
import {
  createStatusStore,
  orderedOfEvent,
  partitionKeyOf,
  publicationSortKey,
  recordedEvent,
  STATE_SORT_KEY,
  toHistoryItem,
  type StatusStore,
} from '../../../functions/store';
import { meterWrites } from '../../../bench/consumer-figures';
import { localDynamoClient } from '../../../local/engines/clients';
import { dynamoEngines, startDynamo, type TestDynamo } from '../../support/dynamodb';
import { typicalDeliveryReports } from '../../support/fixture-events';
import { freshTable, loadEvents } from '../consume/support';

const NOW = new Date('2026-03-02T09:00:00.000Z');

function statusEvent(fields: Partial<NormalizedEvent> & Pick<NormalizedEvent, 'eventId'>): NormalizedEvent {
  return {
    schemaVersion: 1,
    provider: 'webcom',
    channel: 'sms',
    type: 'message.status',
    messageId: '4102',
    status: 'sent',
    final: false,
    providerStatus: 'send',
    occurredAt: '2024-05-14T07:30:00.000Z',
    receivedAt: '2026-03-02T08:00:00.000Z',
    raw: { id_sms: 4102 },
    ...fields,
  };
}

const hex = (digit: string) => digit.repeat(32);

/** Bytes of deterministic noise (SHAKE-256) as base64: text that compresses little, unlike repeated characters. */
const noise = (bytes: number) => createHash('shake256', { outputLength: bytes }).update('noise').digest('base64');

describe.each(dynamoEngines)('status store on %s', (engine) => {
  let dynamo: TestDynamo;
  let tableName: string;
  let clock: Date;
  let store: StatusStore;

  beforeAll(async () => {
    dynamo = await startDynamo(engine);
  });
  afterAll(async () => {
    await dynamo?.stop();
  });
  beforeEach(async () => {
    tableName = await freshTable(dynamo.client, 'store');
    clock = NOW;
    store = createStatusStore({ dynamodb: dynamo.client, tableName, ttlDays: 30, now: () => clock });
  });

  const claim = { claimant: 'message-1', claimSeconds: 60 };
  const changed = { statusChanged: true, previousStatus: null };
  /** What the consumer does with a status event that supersedes: the state write, then the history item. */
  const apply = async (event: NormalizedEvent) => {
    const item = store.historyItemOf(event);
    const write = await store.applyState(item, claim, await store.readState(item.provider, item.messageId!));
    await store.finish(item, changed);
    return write;
  };

  describe('the state condition', () => {
    // Times that are equal as instants but not as text, and a fraction that sorts before "Z" as text.
    const times = ['2024-05-14T07:30:00Z', '2024-05-14T07:30:00.000Z', '2024-05-14T07:30:00.5Z', '2024-05-14T07:30:01.000Z'];
    // How the provider time stands: trusted (given, near the arrival), missing (the receipt time), far in the
    // future or past (beyond the one-day window), or marked untrusted by the adapter (a zone-less time kept raw).
    const timeKinds = fc.constantFrom('trusted', 'missing', 'future', 'past', 'marked');
    const ordered = fc.record({
      status: fc.oneof(
        fc.constantFrom(...CANONICAL_STATUSES).map((status) => ({ status, final: STATUS_TABLE[status].final })),
        fc.constant(UNMAPPED_STATUS),
      ),
      occurredAt: fc.constantFrom(...times),
      eventId: fc.constantFrom(hex('a'), hex('b'), hex('c')),
      time: timeKinds,
    });
    const timed = ({ occurredAt, time }: { occurredAt: string; time: string }): Partial<NormalizedEvent> => {
      const near = new Date(Date.parse(occurredAt) + 60_000).toISOString();
      if (time === 'missing') return { occurredAt, receivedAt: occurredAt, occurredAtRaw: undefined };
      if (time === 'future') return { occurredAt: '9999-12-31T23:59:59.000Z', occurredAtRaw: '9999-12-31 23:59:59', receivedAt: occurredAt };
      if (time === 'past')
        return { occurredAt, occurredAtRaw: occurredAt, receivedAt: new Date(Date.parse(occurredAt) + 2 * 86_400_000).toISOString() };
      if (time === 'marked') return { occurredAt, occurredAtRaw: '2024-05-14 07:30:00', occurredAtTrusted: false, receivedAt: near };
      return { occurredAt, occurredAtRaw: occurredAt, receivedAt: near };
    };

    it('lets an event replace the state exactly when supersedes says so', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(ordered, ordered, async (current, candidate) => {
          const messageId = `prop-${++run}`;
          const first = statusEvent({ messageId, eventId: current.eventId, ...current.status, ...timed(current) });
          const second = statusEvent({ messageId, eventId: candidate.eventId, ...candidate.status, ...timed(candidate) });
          expect((await store.applyState(toHistoryItem(first, NOW, 0), claim, undefined)).applied).toBe(true);
          const write = await store.applyState(toHistoryItem(second, NOW, 0), claim, await store.readState('webcom', messageId));
          const expected = supersedes(orderedOfEvent(second), orderedOfEvent(first));
          expect(write.applied).toBe(expected);
          const state = await store.readState('webcom', messageId);
          expect(state?.eventId).toBe(expected ? second.eventId : first.eventId);
        }),
        { numRuns: engine === 'dynalite' ? 200 : 100 },
      );
    });

    it('refuses the same event a second time, even with a later receipt time', async () => {
      const event = statusEvent({ eventId: hex('a'), occurredAt: '2026-03-02T08:00:00.000Z' });
      expect((await apply(event)).applied).toBe(true);
      const retry = { ...event, occurredAt: '2026-03-02T08:05:00.000Z', receivedAt: '2026-03-02T08:05:00.000Z' };
      expect((await apply(retry)).applied).toBe(false);
      expect((await store.readState('webcom', '4102'))?.occurredAt).toBe('2026-03-02T08:00:00.000Z');
    });
  });

  describe('the state item', () => {
    it('keeps the status and the event it replaced', async () => {
      await apply(statusEvent({ eventId: hex('a') }));
      const write = await apply(
        statusEvent({ eventId: hex('b'), status: 'delivered', final: true, providerStatus: 'deliver', occurredAt: '2024-05-14T07:31:15.000Z' }),
      );
      expect(write).toEqual({ applied: true, previous: expect.objectContaining({ status: 'sent', eventId: hex('a') }) });
      expect(await store.readState('webcom', '4102')).toMatchObject({
        status: 'delivered',
        final: true,
        rank: 60,
        previousStatus: 'sent',
        previousEventId: hex('a'),
        updatedAt: NOW.toISOString(),
      });
    });

    it('starts with no previous status', async () => {
      await apply(statusEvent({ eventId: hex('a') }));
      expect(await store.readState('webcom', '4102')).toMatchObject({ previousStatus: null, previousEventId: null });
    });

    it('drops optional fields the new event does not carry', async () => {
      await apply(statusEvent({ eventId: hex('a'), error: { code: 'E1' } }));
      await apply(
        statusEvent({ eventId: hex('b'), status: 'delivered', final: true, providerStatus: undefined, occurredAt: '2024-05-14T07:31:00.000Z' }),
      );
      const state = await store.readState('webcom', '4102');
      expect(state).not.toHaveProperty('providerStatus');
      expect(state).not.toHaveProperty('error');
    });

    it('expires ttlDays after the write, or never when ttlDays is 0', async () => {
      await apply(statusEvent({ eventId: hex('a') }));
      expect((await store.readState('webcom', '4102'))?.expiresAt).toBe(Math.floor(NOW.getTime() / 1000) + 30 * 86_400);
      const keepForever = createStatusStore({ dynamodb: dynamo.client, tableName, ttlDays: 0, now: () => clock });
      const item = keepForever.historyItemOf(statusEvent({ eventId: hex('b'), messageId: 'other' }));
      await keepForever.applyState(item, claim, undefined);
      expect(await keepForever.readState('webcom', 'other')).not.toHaveProperty('expiresAt');
      expect(item.expiresAt).toBeUndefined();
    });
  });

  describe('the history item', () => {
    it('is written once, when the event is finished: a later copy leaves the first', async () => {
      const first = statusEvent({ eventId: hex('a'), occurredAt: '2026-03-02T08:00:00.000Z', receivedAt: '2026-03-02T08:00:00.000Z' });
      const item = store.historyItemOf(first);
      expect(await store.read(item)).toEqual({});
      await store.finish(item, changed, NOW.toISOString());
      const later = store.historyItemOf({ ...first, receivedAt: '2026-03-02T08:01:00.000Z' });
      await store.finish(later, { statusChanged: false, previousStatus: 'sent' });
      const { finished } = await store.read(later);
      expect(finished).toMatchObject({ receivedAt: '2026-03-02T08:00:00.000Z', outcome: changed, publishedAt: NOW.toISOString() });
      expect(finished!.event).toBeInstanceOf(Uint8Array);
      expect(recordedEvent(finished!)).toEqual(first);
    });

    it('records an event too large for one item without its raw part', async () => {
      const event = statusEvent({ eventId: hex('a'), raw: { text: noise(360_000) } });
      const item = store.historyItemOf(event);
      await store.finish(item, changed);
      const stored = recordedEvent((await store.read(item)).finished!);
      expect(stored.raw).toBeNull();
      expect(stored.eventId).toBe(event.eventId);
    });

    it('costs one write unit for the typical delivery report of every provider', async () => {
      const metered = localDynamoClient(dynamo.endpoint);
      const meter = meterWrites(metered);
      const meteredStore = createStatusStore({ dynamodb: metered, tableName, ttlDays: 30, now: () => clock });
      try {
        const reports = typicalDeliveryReports();
        expect(reports.length).toBeGreaterThanOrEqual(19);
        for (const { provider, fixture, events } of reports) {
          for (const event of events) {
            const before = meter.writeUnits();
            await meteredStore.finish(meteredStore.historyItemOf(event), { statusChanged: true, previousStatus: 'undelivered' }, NOW.toISOString());
            expect({ report: `${provider}/${fixture.name}`, units: meter.writeUnits() - before }).toEqual({
              report: `${provider}/${fixture.name}`,
              units: 1,
            });
          }
        }
      } finally {
        metered.destroy();
      }
    });

    it('still reads a history item written before the event was compressed (the event as JSON text)', async () => {
      const event = statusEvent({ eventId: hex('b') });
      const { event: _compressed, ...attributes } = toHistoryItem(event, NOW, 30);
      await DynamoDBDocumentClient.from(dynamo.client).send(
        new PutCommand({
          TableName: tableName,
          Item: { ...attributes, event: JSON.stringify(event), outcome: changed, publishedAt: NOW.toISOString() },
        }),
      );
      const { finished } = await store.read(store.historyItemOf(event));
      expect(typeof finished?.event).toBe('string');
      expect(recordedEvent(finished!)).toEqual(event);
      // A copy delivered again finds it finished, and leaves it as it was.
      await store.finish(store.historyItemOf(event), { statusChanged: false, previousStatus: 'sent' });
      expect((await store.read(store.historyItemOf(event))).finished?.event).toBe(JSON.stringify(event));
    });

    it('records every other event type in its own partition', async () => {
      for (const event of loadEvents('other-types')) {
        await store.finish(store.historyItemOf(event), { statusChanged: false, previousStatus: null });
        const { Items } = await dynamo.client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: partitionKeyOf(event) } },
          }),
        );
        expect(Items?.map((item) => item.eventId?.S)).toEqual([event.eventId]);
      }
    });
  });

  describe('the claims on the state item', () => {
    const read = () => store.readState('webcom', '4102');
    const sent = () => store.historyItemOf(statusEvent({ eventId: hex('a') }));
    const delivered = () =>
      store.historyItemOf(statusEvent({ eventId: hex('b'), status: 'delivered', final: true, occurredAt: '2024-05-14T07:31:00.000Z' }));
    const read70 = () => store.historyItemOf(statusEvent({ eventId: hex('c'), status: 'read', final: true, occurredAt: '2024-05-14T07:32:00.000Z' }));

    it('are written with the state, and keep every live claim however often the state is overtaken', async () => {
      await store.applyState(sent(), claim, undefined);
      expect(await read()).toMatchObject({ version: 1, claims: { [hex('a')]: { by: 'message-1', until: NOW.getTime() / 1000 + 60 } } });
      await store.applyState(delivered(), { claimant: 'message-2', claimSeconds: 60 }, await read());
      clock = new Date(NOW.getTime() + 30_000);
      await store.applyState(read70(), { claimant: 'message-3', claimSeconds: 60 }, await read());
      expect(Object.keys((await read())!.claims!).sort()).toEqual([hex('a'), hex('b'), hex('c')]);
      // Expired claims leave with the next write.
      clock = new Date(NOW.getTime() + 61_000);
      expect(await store.takeOverStateClaim(sent(), { claimant: 'message-4', claimSeconds: 60 }, (await read())!)).toBe(true);
      expect((await read())!.claims).toEqual({ [hex('a')]: { by: 'message-4', until: NOW.getTime() / 1000 + 121 }, [hex('c')]: expect.any(Object) });
    });

    it('change only on the state as read: a write based on an older read is refused', async () => {
      await store.applyState(sent(), claim, undefined);
      const before = (await read())!;
      expect(await store.takeOverStateClaim(sent(), { claimant: 'message-2', claimSeconds: 60 }, before)).toBe(true);
      expect(await store.takeOverStateClaim(sent(), { claimant: 'message-3', claimSeconds: 60 }, before)).toBe(false);
      expect((await store.applyState(delivered(), claim, before)).applied).toBe(false);
      expect((await store.applyState(delivered(), claim, await read())).applied).toBe(true);
    });
  });

  describe('the claim on the publication item', () => {
    const outcome = { statusChanged: true, previousStatus: null };

    it('goes to one delivery while it lasts, and says when the refused one is another copy of the same message', async () => {
      const item = store.historyItemOf(statusEvent({ eventId: hex('a') }));
      expect(await store.claim(item, outcome, claim)).toEqual({ claimed: true, outcome, first: true });
      expect(await store.claim(item, outcome, { claimant: 'message-2', claimSeconds: 60 })).toEqual({ claimed: false, heldBySelf: false });
      expect(await store.claim(item, outcome, claim)).toEqual({ claimed: false, heldBySelf: true });
    });

    it('is taken over once it has expired, with the outcome recorded first', async () => {
      const item = store.historyItemOf(statusEvent({ eventId: hex('a') }));
      await store.claim(item, outcome, claim);
      clock = new Date(NOW.getTime() + 61_000);
      const takeover = await store.claim(item, { statusChanged: false, previousStatus: 'sent' }, { claimant: 'message-2', claimSeconds: 60 });
      expect(takeover).toEqual({ claimed: true, outcome, first: false });
    });

    it('is a small item, so the claim costs 1 write unit where the history item of a large event would cost 2', async () => {
      const event = statusEvent({ eventId: hex('a'), raw: { text: noise(1500) } });
      const item = store.historyItemOf(event);
      await store.claim(item, outcome, claim);
      const { Items = [] } = await dynamo.client.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: item.pk } } }),
      );
      const publication = Items.find((stored) => stored.sk?.S === publicationSortKey(event.eventId));
      expect(Object.keys(publication ?? {}).sort()).toEqual(['claimExpiresAt', 'claimedBy', 'eventId', 'expiresAt', 'outcome', 'pk', 'sk']);
      expect(JSON.stringify(publication).length).toBeLessThan(1024);
      expect(item.event.length).toBeGreaterThan(1024);
      expect(Items.some((stored) => stored.sk?.S === STATE_SORT_KEY || stored.sk?.S === item.sk)).toBe(false);
    });
  });

  describe('reading a message', () => {
    it('returns the state and each event once, oldest first by provider time then eventId', async () => {
      const events = [
        statusEvent({ eventId: hex('c'), status: 'delivered', final: true, occurredAt: '2024-05-14T07:31:15.000Z' }),
        statusEvent({ eventId: hex('b'), occurredAt: '2024-05-14T07:30:00Z' }),
        statusEvent({ eventId: hex('a'), status: 'sending', occurredAt: '2024-05-14T07:30:00.000Z' }),
      ];
      for (const event of [...events, events[0], events[1]]) await apply(event);
      const stored = await store.readMessage('webcom', '4102');
      expect(stored?.state.status).toBe('delivered');
      expect(stored?.history).toEqual([
        {
          eventId: hex('a'),
          status: 'sending',
          providerStatus: 'send',
          occurredAt: '2024-05-14T07:30:00.000Z',
          receivedAt: '2026-03-02T08:00:00.000Z',
        },
        { eventId: hex('b'), status: 'sent', providerStatus: 'send', occurredAt: '2024-05-14T07:30:00.000Z', receivedAt: '2026-03-02T08:00:00.000Z' },
        {
          eventId: hex('c'),
          status: 'delivered',
          providerStatus: 'send',
          occurredAt: '2024-05-14T07:31:15.000Z',
          receivedAt: '2026-03-02T08:00:00.000Z',
        },
      ]);
    });

    it('finds nothing for a message with no status, even when an inbound message has the same id', async () => {
      const inbound = loadEvents('other-types').find((event) => event.type === 'message.inbound' && event.provider === 'smsgateway24')!;
      await store.finish(store.historyItemOf(inbound), { statusChanged: false, previousStatus: null });
      expect(await store.readMessage('smsgateway24', inbound.messageId!)).toBeUndefined();
      expect(await store.readMessage('webcom', 'never-sent')).toBeUndefined();
    });

    it('reads every page of a long history', async () => {
      // ~20 kB per item: the history spans several 1 MB query pages.
      const big = { padding: 'p'.repeat(20_000) };
      const events = Array.from({ length: 80 }, (_, index) =>
        statusEvent({
          eventId: index.toString(16).padStart(32, '0'),
          occurredAt: new Date(Date.UTC(2024, 4, 14, 7, 30, index)).toISOString(),
          raw: big,
        }),
      );
      for (const event of events) await apply(event);
      const stored = await store.readMessage('webcom', '4102');
      expect(stored?.history.map((entry) => entry.eventId)).toEqual(events.map((event) => event.eventId));
    });
  });
});
