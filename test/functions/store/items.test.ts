import type { NormalizedEvent } from '../../../functions/events/schema';
import { UnapplicableEventError } from '../../../functions/store/errors';
import { assertApplicable, canonicalTime, eventJsonWithin, expiresAtOf, toHistoryItem } from '../../../functions/store/items';
import { loadEvents } from '../consume/support';

const [accepted] = loadEvents('smsgateway24-every-step');

describe('store items', () => {
  it('keep opt-outs and country blocks for ever, whatever the TTL, and let everything else expire', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    const of = (type: NormalizedEvent['type'], extra: Partial<NormalizedEvent> = {}): NormalizedEvent => ({ ...accepted, type, ...extra });
    expect(
      toHistoryItem(of('recipient.unsubscribed', { recipient: { raw: '+821012345678', e164: '+821012345678' } }), now, 400).expiresAt,
    ).toBeUndefined();
    expect(toHistoryItem(of('country.blocked', { data: { countryCode: '82' } }), now, 400).expiresAt).toBeUndefined();
    expect(toHistoryItem(accepted, now, 400).expiresAt).toBe(expiresAtOf(now, 400));
    expect(toHistoryItem(of('message.inbound'), now, 400).expiresAt).toBe(expiresAtOf(now, 400));
  });

  it('write times in one fixed-width form, so text order is time order', () => {
    expect(canonicalTime('2024-05-14T07:30:00Z')).toBe('2024-05-14T07:30:00.000Z');
    expect(canonicalTime('2024-05-14T07:30:00.5Z')).toBe('2024-05-14T07:30:00.500Z');
    expect(canonicalTime('2024-05-14T07:30:00Z') > canonicalTime('2024-05-14T07:29:59.999Z')).toBe(true);
  });

  it('keep the whole event when it fits, and only raw out (null) when it does not', () => {
    expect(eventJsonWithin(accepted, 10_000)).toEqual({ json: JSON.stringify(accepted), rawOmitted: false, dataOmitted: false });
    const big: NormalizedEvent = { ...accepted, raw: { text: 'x'.repeat(20_000) } };
    const { json, rawOmitted, dataOmitted } = eventJsonWithin(big, 10_000);
    expect([rawOmitted, dataOmitted]).toEqual([true, false]);
    expect(JSON.parse(json)).toEqual({ ...accepted, raw: null });
  });

  it('leave data out as well when the event is still too large without raw, and stay within the limit', () => {
    const big: NormalizedEvent = { ...accepted, data: { body: 'x'.repeat(20_000) }, raw: { text: 'x'.repeat(20_000) } };
    const { json, rawOmitted, dataOmitted } = eventJsonWithin(big, 10_000);
    expect([rawOmitted, dataOmitted]).toEqual([true, true]);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(10_000);
    expect(JSON.parse(json)).toEqual({ ...accepted, data: { omitted: true }, raw: null });
  });

  it('expire items ttlDays later, or never for 0', () => {
    const now = new Date('2026-03-02T09:00:00.500Z');
    expect(expiresAtOf(now, 400)).toBe(Math.floor(now.getTime() / 1000) + 400 * 86_400);
    expect(expiresAtOf(now, 0)).toBeUndefined();
  });

  it('refuse a message status that lacks what ordering needs', () => {
    for (const field of ['messageId', 'status', 'final'] as const) {
      const { [field]: _dropped, ...event } = accepted;
      expect(() => assertApplicable(event as NormalizedEvent)).toThrow(UnapplicableEventError);
    }
    expect(() => assertApplicable(accepted)).not.toThrow();
    expect(() => assertApplicable(loadEvents('other-types')[0])).not.toThrow();
  });

  it('rank an unmapped status below every known one', () => {
    const unmapped = loadEvents('nhncloud-sms-result-and-dlrs').find((event) => event.status === 'unknown' && event.final === false)!;
    expect(toHistoryItem(unmapped, new Date(), 0).rank).toBe(0);
    expect(toHistoryItem(accepted, new Date(), 0).rank).toBe(10);
  });
});
