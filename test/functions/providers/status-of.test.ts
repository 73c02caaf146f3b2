/**
 * Every adapter's `statusOf` gives a recorded status event the status `normalize` gave it: the guarantee that lets
 * `npm run ops -- renormalize` change a stored status only where a mapping changed. Checked on every valid fixture
 * and every simulator script, as the event comes back from the store, and again without its `raw` item.
 */
import type { NormalizedEvent } from '../../../functions/events/schema';
import { providerIds, providers } from '../../../functions/providers';
import { recordedEvent, toHistoryItem } from '../../../functions/store/items';
import { adapterRequestOf } from '../../../local/fixtures';
import { loadFixtures, providerScenarios } from '../../../local/scenarios';

const RECEIVED_AT = '2025-03-01T09:00:00.000Z';

/** The message.status events of every valid fixture and of the simulator's script, as the adapter makes them. */
function statusEvents(provider: (typeof providerIds)[number]): Array<{ from: string; event: NormalizedEvent }> {
  const adapter = providers[provider];
  const context = { receivedAt: RECEIVED_AT, timeZone: adapter.defaultTimeZone };
  const calls = [
    ...loadFixtures(provider).map((fixture) => ({ from: fixture.name, call: fixture })),
    ...providerScenarios[provider]
      .script(loadFixtures(provider), 7, new Date(RECEIVED_AT))
      .callbacks.map((call, index) => ({ from: `script ${index}`, call })),
  ];
  return calls.flatMap(({ from, call }) =>
    adapter
      .normalize(adapterRequestOf(call), context)
      .events.filter((event) => event.type === 'message.status')
      .map((event) => ({ from, event })),
  );
}

/** The event as the store gives it back. */
const stored = (event: NormalizedEvent): NormalizedEvent => recordedEvent(toHistoryItem(event, new Date(RECEIVED_AT), 0));

describe.each(providerIds)('%s statusOf', (provider) => {
  const adapter = providers[provider];
  const events = statusEvents(provider);

  it('has status events to check', () => {
    expect(events.length).toBeGreaterThan(0);
  });

  it('gives every recorded status event the status normalize gave it, with or without its raw item', () => {
    for (const { from, event } of events) {
      const expected = { from, status: event.status, final: event.final };
      expect({ from, ...adapter.statusOf(stored(event)) }).toEqual(expected);
      expect({ from, ...adapter.statusOf(stored({ ...event, raw: null })) }).toEqual(expected);
    }
  });

  it('derives the status from what the provider said, not from the status the event was stored with', () => {
    for (const { from, event } of events) {
      const wrong = event.status === 'failed' ? ({ status: 'delivered', final: true } as const) : ({ status: 'failed', final: true } as const);
      expect({ from, ...adapter.statusOf(stored({ ...event, ...wrong })) }).toEqual({ from, status: event.status, final: event.final });
    }
  });

  it('cannot tell the status of an event without a provider status', () => {
    const [{ event }] = events;
    const { providerStatus: _, ...without } = event;
    // NHN reads a result code without a message status; it still needs the envelope's event to choose the table.
    if (provider !== 'nhncloud-sms') expect(adapter.statusOf(stored(without))).toBeUndefined();
    else expect(adapter.statusOf(stored({ ...without, data: {} }))).toBeUndefined();
  });
});
