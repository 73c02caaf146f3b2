import { adapterRequestOf } from '../../local/fixtures';
import type { NormalizedEvent } from '../../functions/events/schema';
import { providers, providerIds } from '../../functions/providers';
import { loadFixtures, providerScenarios, type Callback } from '../../local/scenarios';
import { orderedOf, permutations, winnerOf } from '../support/order';
import { STATUS_TABLE } from '../../functions/events/status';
import { reassembled, rollUp } from '../../functions/consume/multipart';

const START = new Date('2025-03-01T08:00:00.000Z');

function normalize(provider: string, callback: Callback): NormalizedEvent[] {
  const adapter = providers[provider as keyof typeof providers];
  return adapter.normalize(adapterRequestOf(callback), { receivedAt: '2025-03-01T09:00:00.000Z', timeZone: adapter.defaultTimeZone }).events;
}

describe('simulator scripts', () => {
  it('cover every provider of the registry', () => {
    expect(Object.keys(providerScenarios).sort()).toEqual([...providerIds].sort());
  });

  it('skip invalid fixtures', () => {
    for (const provider of providerIds) {
      const names = loadFixtures(provider).map((fixture) => fixture.name);
      expect(names.filter((name) => name.startsWith('invalid-'))).toEqual([]);
      expect(names.length).toBeGreaterThan(0);
    }
  });

  describe.each(providerIds)('%s', (provider) => {
    const script = providerScenarios[provider].script(loadFixtures(provider), 1234567, START);
    const events = script.callbacks.map((callback) => normalize(provider, callback));

    const statuses = events.flat().filter((event) => event.type === 'message.status');
    const inboundParts = events.flat().filter((event) => event.type === 'message.inbound');

    it('sends callbacks the adapter reads as statuses of one message (or of its parts), and inbound parts of one reply', () => {
      expect(script.callbacks.length).toBeGreaterThanOrEqual(2);
      for (const batch of events) expect(batch).toHaveLength(1);
      for (const event of statuses) expect(event.part?.ref ?? event.messageId).toBe(script.messageId);
      expect(statuses.length + inboundParts.length).toBe(script.callbacks.length);
      for (const part of inboundParts) expect(part.part).toBeDefined();
      expect(new Set(events.map((batch) => batch[0].eventId)).size).toBe(script.callbacks.length);
    });

    it('ends in the expected status whatever the order (each part in every order, rolled up)', () => {
      const byPart = new Map<number, NormalizedEvent[]>();
      for (const event of statuses) byPart.set(event.part?.index ?? 0, [...(byPart.get(event.part?.index ?? 0) ?? []), event]);
      const winners = [...byPart.entries()].map(([index, group]) => {
        const ends = new Set(permutations(group.map((event) => orderedOf(event))).map((order) => winnerOf(order)?.status));
        expect(ends.size).toBe(1);
        const status = [...ends][0]!;
        return { part: { index }, status, final: STATUS_TABLE[status].final, occurredAt: START.toISOString() };
      });
      const total = statuses[0]?.part?.total;
      const status = total ? rollUp(winners, total)?.status : winners[0]?.status;
      expect(status).toBe(script.expectedStatus);
    });

    it('sends the parts of an inbound reply that reassemble into one complete message', () => {
      if (inboundParts.length === 0) return;
      const whole = reassembled('simulated', inboundParts, START, 3_600_000);
      expect(whole?.data?.reassembly).toMatchObject({ complete: true, missing: [] });
    });

    it('repeats the same event ids for the same seed and uses a new message for another', () => {
      const again = providerScenarios[provider].script(loadFixtures(provider), 1234567, START);
      expect(again.callbacks.map((callback) => normalize(provider, callback)[0].eventId)).toEqual(events.map((batch) => batch[0].eventId));
      const other = providerScenarios[provider].script(loadFixtures(provider), 1234568, START);
      expect(other.messageId).not.toBe(script.messageId);
    });
  });
});
