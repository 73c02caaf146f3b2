import { EVENT_TYPES, type NormalizedEvent } from '../../../functions/events/schema';
import { messagePartitionKey, partitionKeyOf, RECORD_KINDS } from '../../../functions/store/keys';
import { loadEvents, SEQUENCES } from '../consume/support';

const otherTypes = loadEvents('other-types');
const byType = (type: NormalizedEvent['type'], provider?: string) =>
  otherTypes.find((event) => event.type === type && (provider === undefined || event.provider === provider))!;

describe('table keys', () => {
  it('put every status of one message in that message’s partition', () => {
    for (const name of SEQUENCES) {
      const events = loadEvents(name);
      const keys = new Set(events.map(partitionKeyOf));
      expect([...keys]).toEqual([messagePartitionKey(events[0].provider, events[0].messageId!)]);
    }
  });

  it('fit DynamoDB’s 2,048-byte partition key whatever the message id, and the lookup finds the same key', () => {
    const [first] = loadEvents(SEQUENCES[0]);
    const longest = { ...first, messageId: '€'.repeat(1024) };
    const key = partitionKeyOf(longest);
    expect(Buffer.byteLength(key, 'utf8')).toBeLessThanOrEqual(2048);
    expect(key).toBe(messagePartitionKey(first.provider, longest.messageId));
    expect(partitionKeyOf({ ...longest, messageId: `${'€'.repeat(1023)}x` })).not.toBe(key);
    // An ordinary id stays readable in the table.
    expect(partitionKeyOf(first)).toBe(`MSG#${first.provider}#${first.messageId}`);
  });

  it('give every copy of an event the same key, whatever its receipt time', () => {
    // Webcom `send` has no provider time: a retry's occurredAt is its own receivedAt.
    const [send] = loadEvents('webcom-viber-cascade');
    const retry = { ...send, occurredAt: '2026-03-02T09:00:00.000Z', receivedAt: '2026-03-02T09:00:00.000Z' };
    expect(partitionKeyOf(retry)).toBe(partitionKeyOf(send));
  });

  it('name the subject of each event type', () => {
    expect(partitionKeyOf(byType('message.inbound', 'smsgateway24'))).toBe('INBOUND#smsgateway24#84561300');
    expect(partitionKeyOf(byType('template.status'))).toBe('TEMPLATE#innopaas-whatsapp#998961841525295');
    expect(partitionKeyOf(byType('recipient.unsubscribed'))).toBe('OPTOUT#nhncloud-sms#+821012341234');
    expect(partitionKeyOf(byType('country.blocked'))).toBe('COUNTRY#nhncloud-sms#1');
  });

  it('fall back to the event id for events without a subject', () => {
    for (const type of ['account.review', 'phone_number.name', 'provider.unknown'] as const) {
      const event = byType(type);
      expect(partitionKeyOf(event)).toBe(`${RECORD_KINDS[type].prefix}#${event.provider}#${event.eventId}`);
    }
  });

  it('keep an opt-out of one number written two ways in one partition', () => {
    const optOut = byType('recipient.unsubscribed');
    const international = { ...optOut, recipient: { raw: '+82 10 1234 1234', e164: '+821012341234' } };
    expect(partitionKeyOf(international)).toBe(partitionKeyOf(optOut));
  });

  it('give each event type its own prefix, and state only to message statuses', () => {
    const prefixes = EVENT_TYPES.map((type) => RECORD_KINDS[type].prefix);
    expect(new Set(prefixes).size).toBe(EVENT_TYPES.length);
    expect(EVENT_TYPES.filter((type) => RECORD_KINDS[type].hasState)).toEqual(['message.status']);
  });
});
