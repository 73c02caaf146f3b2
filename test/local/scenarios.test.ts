import { adapterRequestOf } from '../../local/fixtures';
import type { NormalizedEvent } from '../../functions/events/schema';
import { providers, providerIds } from '../../functions/providers';
import { loadFixtures, providerScenarios, type Callback } from '../../local/scenarios';
import { orderedOf, permutations, winnerOf } from '../support/order';

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

    it('sends callbacks the adapter reads as statuses of one message', () => {
      expect(script.callbacks.length).toBeGreaterThanOrEqual(2);
      for (const batch of events) {
        expect(batch).toHaveLength(1);
        expect(batch[0]).toMatchObject({ type: 'message.status', messageId: script.messageId });
      }
      expect(new Set(events.map((batch) => batch[0].eventId)).size).toBe(script.callbacks.length);
    });

    it('ends in the expected status whatever the order', () => {
      for (const order of permutations(events.map(([event]) => orderedOf(event)))) expect(winnerOf(order)?.status).toBe(script.expectedStatus);
    });

    it('repeats the same event ids for the same seed and uses a new message for another', () => {
      const again = providerScenarios[provider].script(loadFixtures(provider), 1234567, START);
      expect(again.callbacks.map((callback) => normalize(provider, callback)[0].eventId)).toEqual(events.map((batch) => batch[0].eventId));
      const other = providerScenarios[provider].script(loadFixtures(provider), 1234568, START);
      expect(other.messageId).not.toBe(script.messageId);
    });
  });
});
