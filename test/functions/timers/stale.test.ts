import { NormalizedEventSchema } from '../../../functions/events/schema';
import { rankOf, supersedes } from '../../../functions/events/status';
import { ConfigurationError } from '../../../functions/core/errors';
import type { HistoryItem, StateItem } from '../../../functions/store/items';
import {
  duePartitionKey,
  dueSortKey,
  hoursBetween,
  parseStaleHoursByProvider,
  STALE_PROVIDER_STATUS,
  staleEventIdOf,
  staleEventOf,
  staleTimerOf,
  timerItemOf,
} from '../../../functions/timers';
import { TIMERS } from '../../../lib/pipeline-settings';

const NOW = new Date('2026-03-02T09:20:00.000Z');
const first = { pk: 'MSG#twilio#SM1', provider: 'twilio', messageId: 'SM1', final: false } as HistoryItem;
const state = {
  pk: 'MSG#twilio#SM1',
  sk: 'STATE',
  provider: 'twilio',
  messageId: 'SM1',
  channel: 'sms',
  eventId: 'a'.repeat(32),
  status: 'sent',
  final: false,
  rank: 40,
  providerStatus: 'sent',
  occurredAt: NOW.toISOString(),
  receivedAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  previousStatus: null,
  previousEventId: null,
} satisfies StateItem;

describe('the stale timer', () => {
  it("falls due the provider's window after the message's first status, in the partition of that hour", () => {
    const timer = staleTimerOf(first, NOW, { defaultHours: 72 })!;
    expect(timer).toEqual({
      kind: 'stale',
      subject: 'MSG#twilio#SM1',
      dueAt: '2026-03-05T09:20:00.000Z',
      provider: 'twilio',
      messageId: 'SM1',
      data: { staleAfterHours: 72 },
    });
    const item = timerItemOf(timer);
    expect([item.pk, item.sk]).toEqual(['DUE#2026-03-05T09', 'stale#MSG#twilio#SM1']);
    expect(item.expiresAt).toBe(Date.parse('2026-03-05T09:20:00.000Z') / 1000 + TIMERS.retentionDays * 86_400);
    expect(staleTimerOf(first, NOW, { defaultHours: 72, byProvider: { twilio: 6 } })?.dueAt).toBe('2026-03-02T15:20:00.000Z');
  });

  it('is not started for a window of 0 or a first status that is already final', () => {
    expect(staleTimerOf(first, NOW, { defaultHours: 72, byProvider: { twilio: 0 } })).toBeUndefined();
    expect(staleTimerOf(first, NOW, { defaultHours: 0 })).toBeUndefined();
    expect(staleTimerOf({ ...first, final: true }, NOW, { defaultHours: 72 })).toBeUndefined();
  });

  it('is not started by a report on one part: the multipart message gets its own with its rolled-up status', () => {
    expect(staleTimerOf({ ...first, part: { ref: 'SM1', index: 2, total: 3 } }, NOW, { defaultHours: 72 })).toBeUndefined();
  });

  it('ends in a schema-valid unknown final event whose id is the same in every sweep', () => {
    const timer = timerItemOf(staleTimerOf(first, NOW, { defaultHours: 72 })!);
    const event = staleEventOf(state, timer, new Date('2026-03-05T09:30:00.000Z'));
    expect(NormalizedEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      eventId: staleEventIdOf('twilio', 'SM1'),
      type: 'message.status',
      status: 'unknown',
      final: true,
      providerStatus: STALE_PROVIDER_STATUS,
      occurredAt: '2026-03-05T09:20:00.000Z',
      data: { staleAfterHours: 72, lastStatus: 'sent', lastEventId: state.eventId },
    });
    expect(staleEventOf(state, timer, new Date('2026-03-06T00:00:00.000Z')).eventId).toBe(event.eventId);
    expect(staleEventIdOf('twilio', 'SM2')).not.toBe(event.eventId);
    // Rank 50: above every non-final, below a real outcome.
    expect(rankOf(event as { status: 'unknown'; final: true })).toBe(50);
    const ordered = { ...event, status: 'unknown' as const, final: true };
    expect(supersedes(ordered, { ...state, status: 'sent' })).toBe(true);
    expect(supersedes({ ...state, status: 'delivered', final: true }, ordered)).toBe(true);
    expect(supersedes({ ...state, status: 'sent', final: false }, ordered)).toBe(false);
  });
});

describe('hour partitions', () => {
  it('lists every UTC hour between two times, both ends included', () => {
    expect(hoursBetween(new Date('2026-03-02T22:59:59.999Z'), new Date('2026-03-03T01:00:00.000Z')).map(duePartitionKey)).toEqual([
      'DUE#2026-03-02T22',
      'DUE#2026-03-02T23',
      'DUE#2026-03-03T00',
      'DUE#2026-03-03T01',
    ]);
    expect(hoursBetween(NOW, new Date(NOW.getTime() - 1))).toEqual([]);
    expect(dueSortKey('reassembly', 'INBOUND#x#1')).toBe('reassembly#INBOUND#x#1');
    // A subject too long for a sort key (1,024 bytes) is hashed, still one key per subject.
    const long = `MSG#twilio#${'€'.repeat(1024)}`;
    expect(dueSortKey('stale', long)).toMatch(/^stale##[0-9a-f]{32}$/);
    expect(dueSortKey('stale', long)).toBe(dueSortKey('stale', long));
    expect(dueSortKey('stale', `${long}x`)).not.toBe(dueSortKey('stale', long));
  });
});

describe('STALE_AFTER_HOURS_BY_PROVIDER', () => {
  it('reads a JSON object of hours per provider, empty when unset', () => {
    expect(parseStaleHoursByProvider(undefined)).toEqual({});
    expect(parseStaleHoursByProvider(' ')).toEqual({});
    expect(parseStaleHoursByProvider('{"webcom":24,"kannel":0}')).toEqual({ webcom: 24, kannel: 0 });
  });

  it('names what is wrong', () => {
    expect(() => parseStaleHoursByProvider('24')).toThrow(
      new ConfigurationError('STALE_AFTER_HOURS_BY_PROVIDER must be a JSON object {"<provider>": hours}'),
    );
    expect(() => parseStaleHoursByProvider('{')).toThrow('is not JSON');
    expect(() => parseStaleHoursByProvider('{"Web Com":1}')).toThrow('"Web Com" is not a provider id');
    expect(() => parseStaleHoursByProvider('{"webcom":-1}')).toThrow('STALE_AFTER_HOURS_BY_PROVIDER.webcom: -1 must be a number of hours, 0 or more');
  });
});
