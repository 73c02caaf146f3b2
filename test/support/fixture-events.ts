/**
 * The events each provider's recorded fixtures normalize to, without sending them: through `normalize` for a provider
 * with an HTTP route, through `normalizeRecord` for one fed by EventBridge or SNS (AWS End User Messaging). For the
 * store's size tests, which need every provider's typical delivery report as the consumer would record it.
 */
import type { NormalizedEvent } from '../../functions/events/schema';
import { hasHttpRoute, providerIds, providers, type ProviderId } from '../../functions/providers';
import { sourceRecordsOf } from '../../functions/providers/records';
import { adapterRequestOf, DELIVERY_REPORT_FIXTURES, loadFixtures, type Fixture } from '../../local/fixtures';

/** The events `fixture` of `provider` normalizes to, received at `receivedAt`. */
export function fixtureEvents(provider: ProviderId, fixture: Fixture, receivedAt = '2026-03-02T09:00:00.000Z'): NormalizedEvent[] {
  const adapter = providers[provider];
  const context = { receivedAt, timeZone: adapter.defaultTimeZone };
  if (!hasHttpRoute(adapter) && adapter.normalizeRecord) {
    return sourceRecordsOf(JSON.parse(fixture.body)).flatMap((record) => adapter.normalizeRecord!(record, context).events);
  }
  return adapter.normalize(adapterRequestOf(fixture), context).events;
}

const isDeliveredReport = (events: readonly NormalizedEvent[]) =>
  events.length > 0 && events.every((event) => event.type === 'message.status' && event.status === 'delivered');

/**
 * Each registered provider's typical delivery report: its `DELIVERY_REPORT_FIXTURES` body, or for a provider that
 * has none (no HTTP route, or none chosen) every fixture of it that reports only deliveries. Empty for a provider
 * with neither, which the tests that use it refuse.
 */
export function typicalDeliveryReports(): Array<{ provider: ProviderId; fixture: Fixture; events: NormalizedEvent[] }> {
  return providerIds.flatMap((provider) => {
    const valid = loadFixtures(provider).map((fixture) => ({ provider, fixture, events: fixtureEvents(provider, fixture) }));
    const chosen = valid.filter(({ fixture }) => fixture.name === DELIVERY_REPORT_FIXTURES[provider]);
    return chosen.length > 0 ? chosen : valid.filter(({ events }) => isDeliveredReport(events));
  });
}
