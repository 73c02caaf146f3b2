import * as fc from 'fast-check';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { NormalizedEvent } from '../../../functions/events/schema';
import { CANONICAL_STATUSES, STATUS_TABLE, supersedes, UNMAPPED_STATUS } from '../../../functions/events/status';
import { createStatusStore, partitionKeyOf, publicationSortKey, toHistoryItem, type StatusStore } from '../../../functions/store';
import { dynamoEngines, startDynamo, type TestDynamo } from '../../support/dynamodb';
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

  const apply = async (event: NormalizedEvent) => store.applyState((await store.record(event)).item);

  describe('the state condition', () => {
    // Times that are equal as instants but not as text, and a fraction that sorts before "Z" as text.
    const times = ['2024-05-14T07:30:00Z', '2024-05-14T07:30:00.000Z', '2024-05-14T07:30:00.5Z', '2024-05-14T07:30:01.000Z'];
    const ordered = fc.record({
      status: fc.oneof(fc.constantFrom(...CANONICAL_STATUSES).map((status) => ({ status, final: STATUS_TABLE[status].final })), fc.constant(UNMAPPED_STATUS)),
      occurredAt: fc.constantFrom(...times),
      eventId: fc.constantFrom(hex('a'), hex('b'), hex('c')),
    });

    it('lets an event replace the state exactly when supersedes says so', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(ordered, ordered, async (current, candidate) => {
          const messageId = `prop-${++run}`;
          const first = statusEvent({ messageId, eventId: current.eventId, ...current.status, occurredAt: current.occurredAt });
          const second = statusEvent({ messageId, eventId: candidate.eventId, ...candidate.status, occurredAt: candidate.occurredAt });
          expect((await store.applyState(toHistoryItem(first, NOW, 0))).applied).toBe(true);
          const write = await store.applyState(toHistoryItem(second, NOW, 0));
          const expected = supersedes({ ...second, status: second.status!, final: second.final! }, { ...first, status: first.status!, final: first.final! });
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
      const write = await apply(statusEvent({ eventId: hex('b'), status: 'delivered', final: true, providerStatus: 'deliver', occurredAt: '2024-05-14T07:31:15.000Z' }));
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
      await apply(statusEvent({ eventId: hex('b'), status: 'delivered', final: true, providerStatus: undefined, occurredAt: '2024-05-14T07:31:00.000Z' }));
      const state = await store.readState('webcom', '4102');
      expect(state).not.toHaveProperty('providerStatus');
      expect(state).not.toHaveProperty('error');
    });

    it('expires ttlDays after the write, or never when ttlDays is 0', async () => {
      await apply(statusEvent({ eventId: hex('a') }));
      expect((await store.readState('webcom', '4102'))?.expiresAt).toBe(Math.floor(NOW.getTime() / 1000) + 30 * 86_400);
      const keepForever = createStatusStore({ dynamodb: dynamo.client, tableName, ttlDays: 0, now: () => clock });
      const { item } = await keepForever.record(statusEvent({ eventId: hex('b'), messageId: 'other' }));
      await keepForever.applyState(item);
      expect(await keepForever.readState('webcom', 'other')).not.toHaveProperty('expiresAt');
      expect(item.expiresAt).toBeUndefined();
    });
  });

  describe('the history item', () => {
    it('is written once: a later copy of the event reads back the first', async () => {
      const first = statusEvent({ eventId: hex('a'), occurredAt: '2026-03-02T08:00:00.000Z', receivedAt: '2026-03-02T08:00:00.000Z' });
      expect((await store.record(first)).created).toBe(true);
      const again = await store.record({ ...first, occurredAt: '2026-03-02T08:01:00.000Z', receivedAt: '2026-03-02T08:01:00.000Z' });
      expect(again.created).toBe(false);
      expect(again.item).toMatchObject({ receivedAt: '2026-03-02T08:00:00.000Z', occurredAt: '2026-03-02T08:00:00.000Z' });
      expect(JSON.parse(again.item.event)).toEqual(first);
    });

    it('keeps the first outcome settled', async () => {
      const { item } = await store.record(statusEvent({ eventId: hex('a') }));
      expect(await store.settle(item, { statusChanged: true, previousStatus: null })).toEqual({ statusChanged: true, previousStatus: null });
      expect(await store.settle(item, { statusChanged: false, previousStatus: 'sent' })).toEqual({ statusChanged: true, previousStatus: null });
    });

    it('records an event too large for one item without its raw part', async () => {
      const event = statusEvent({ eventId: hex('a'), raw: { text: 'x'.repeat(360_000) } });
      const { item } = await store.record(event);
      const stored = JSON.parse(item.event);
      expect(stored.raw).toBeNull();
      expect(stored.eventId).toBe(event.eventId);
    });

    it('records every other event type in its own partition', async () => {
      for (const event of loadEvents('other-types')) {
        expect((await store.record(event)).created).toBe(true);
        const { Items } = await dynamo.client.send(
          new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: partitionKeyOf(event) } } }),
        );
        expect(Items?.map((item) => item.eventId?.S)).toEqual([event.eventId]);
      }
    });
  });

  describe('the claim to publish', () => {
    const outcome = { statusChanged: true, previousStatus: null };

    it('goes to one delivery while it lasts, and says when the refused one is another copy of the same message', async () => {
      const { item } = await store.record(statusEvent({ eventId: hex('a') }));
      expect(await store.claim(item, outcome, 'message-1', 60)).toMatchObject({ claimed: true });
      expect(await store.claim(item, outcome, 'message-2', 60)).toEqual({ claimed: false, heldBySelf: false });
      expect(await store.claim(item, outcome, 'message-1', 60)).toEqual({ claimed: false, heldBySelf: true });
    });

    it('is taken over once it has expired', async () => {
      const { item } = await store.record(statusEvent({ eventId: hex('a') }));
      await store.claim(item, outcome, 'message-1', 60);
      clock = new Date(NOW.getTime() + 61_000);
      const takeover = await store.claim(item, { statusChanged: false, previousStatus: 'sent' }, 'message-2', 60);
      expect(takeover).toEqual({ claimed: true, publication: expect.objectContaining({ claimedBy: 'message-2', outcome }) });
    });

    it('is refused to everyone once the event is published', async () => {
      const { item } = await store.record(statusEvent({ eventId: hex('a') }));
      await store.claim(item, outcome, 'message-1', 60);
      await store.markPublished(item);
      expect((await store.claim(item, outcome, 'message-1', 60)).claimed).toBe(false);
      clock = new Date(NOW.getTime() + 3_600_000);
      expect((await store.claim(item, outcome, 'message-2', 60)).claimed).toBe(false);
    });
  });

  describe('the publication item', () => {
    const outcome = { statusChanged: true, previousStatus: null };

    it('holds the outcome, claim and publishedAt, so the history item is written once and never rewritten', async () => {
      const event = statusEvent({ eventId: hex('a'), raw: { text: 'x'.repeat(1500) } });
      const { item } = await store.record(event);
      await store.claim(item, outcome, 'message-1', 60);
      await store.markPublished(item);
      const { Items = [] } = await dynamo.client.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: item.pk } } }),
      );
      const history = Items.find((stored) => stored.sk?.S === item.sk);
      const publication = Items.find((stored) => stored.sk?.S === publicationSortKey(event.eventId));
      expect(Object.keys(history ?? {}).sort()).toEqual(Object.keys(item).filter((key) => item[key as keyof typeof item] !== undefined).sort());
      expect(Object.keys(publication ?? {}).sort()).toEqual(['claimExpiresAt', 'claimedBy', 'eventId', 'expiresAt', 'outcome', 'pk', 'publishedAt', 'sk']);
      // Small: an update of it is billed 1 write unit, where the history item with the event JSON would bill 2.
      expect(JSON.stringify(publication).length).toBeLessThan(1024);
      expect(item.event.length).toBeGreaterThan(1024);
    });

    it('is read back with a later copy of the event, so the copy continues from what was done', async () => {
      const event = statusEvent({ eventId: hex('a') });
      const { item } = await store.record(event);
      expect((await store.record(event)).publication).toBeUndefined();
      await store.claim(item, outcome, 'message-1', 60);
      await store.markPublished(item);
      const again = await store.record(event);
      expect(again).toMatchObject({ created: false, publication: { outcome, claimedBy: 'message-1', publishedAt: expect.any(String) } });
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
        { eventId: hex('a'), status: 'sending', providerStatus: 'send', occurredAt: '2024-05-14T07:30:00.000Z', receivedAt: '2026-03-02T08:00:00.000Z' },
        { eventId: hex('b'), status: 'sent', providerStatus: 'send', occurredAt: '2024-05-14T07:30:00.000Z', receivedAt: '2026-03-02T08:00:00.000Z' },
        { eventId: hex('c'), status: 'delivered', providerStatus: 'send', occurredAt: '2024-05-14T07:31:15.000Z', receivedAt: '2026-03-02T08:00:00.000Z' },
      ]);
    });

    it('finds nothing for a message with no status, even when an inbound message has the same id', async () => {
      const inbound = loadEvents('other-types').find((event) => event.type === 'message.inbound' && event.provider === 'smsgateway24')!;
      await store.record(inbound);
      expect(await store.readMessage('smsgateway24', inbound.messageId!)).toBeUndefined();
      expect(await store.readMessage('webcom', 'never-sent')).toBeUndefined();
    });

    it('reads every page of a long history', async () => {
      // ~20 kB per item: the history spans several 1 MB query pages.
      const big = { padding: 'p'.repeat(20_000) };
      const events = Array.from({ length: 80 }, (_, index) =>
        statusEvent({ eventId: index.toString(16).padStart(32, '0'), occurredAt: new Date(Date.UTC(2024, 4, 14, 7, 30, index)).toISOString(), raw: big }),
      );
      for (const event of events) await apply(event);
      const stored = await store.readMessage('webcom', '4102');
      expect(stored?.history.map((entry) => entry.eventId)).toEqual(events.map((event) => event.eventId));
    });
  });
});

