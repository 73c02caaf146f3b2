import { createHash } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { NormalizedEvent } from '../../../functions/events/schema';
import { decodeEventJson, encodeEvent, EVENT_FORM_VERSION } from '../../../functions/store/eventCodec';
import { EVENT_DICTIONARY_V1 } from '../../../functions/store/eventDictionaryV1';
import { MAX_STORED_EVENT_BYTES, recordedEvent, storedEventOf, toHistoryItem, type HistoryItem } from '../../../functions/store/items';
import { fixtureEvents, typicalDeliveryReports } from '../../support/fixture-events';
import { providerIds } from '../../../functions/providers';
import { loadFixtures } from '../../../local/fixtures';
import { loadEvents } from '../consume/support';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const [accepted] = loadEvents('smsgateway24-every-step');

/** Bytes of deterministic noise (SHAKE-256 of `seed`) as base64: text that does not compress much. */
const noise = (bytes: number, seed = 'noise') => createHash('shake256', { outputLength: bytes }).update(seed).digest('base64');

/**
 * An item's size as DynamoDB bills a write (developer guide, "Item sizes"): each attribute's UTF-8 name plus its
 * value; a string its UTF-8 bytes, a binary its bytes, a number about one byte per two digits plus one, a Boolean or
 * null 1, a map or list 3 plus 1 per element plus its elements (and a map's keys).
 */
function billedBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.B !== undefined) return value.B.length;
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + billedBytes(element), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((sum, [key, element]) => sum + 1 + Buffer.byteLength(key) + billedBytes(element), 0);
  throw new Error(`no size rule for ${Object.keys(value).join()}`);
}
const itemBytes = (item: object) =>
  Object.entries(marshall(item, { removeUndefinedValues: true })).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + billedBytes(value),
    0,
  );

/** The history item as the consumer's last write puts it: with the outcome and when it was published. */
const finishedItem = (event: NormalizedEvent) => ({
  ...toHistoryItem(event, NOW, 400),
  outcome: { statusChanged: true, previousStatus: 'undelivered' },
  publishedAt: NOW.toISOString(),
});

describe('the stored form of a recorded event', () => {
  it('reads back every event of every provider fixture as it was', () => {
    let events = 0;
    for (const provider of providerIds) {
      for (const fixture of loadFixtures(provider)) {
        for (const event of fixtureEvents(provider, fixture)) {
          const item = toHistoryItem(event, NOW, 400);
          expect(item.event).toBeInstanceOf(Uint8Array);
          expect((item.event as Uint8Array)[0]).toBe(EVENT_FORM_VERSION);
          expect(recordedEvent(item)).toEqual(event);
          events += 1;
        }
      }
    }
    expect(events).toBeGreaterThan(300);
  });

  it('keeps the typical delivery report of every provider in a history item under 1 KB: one write unit', () => {
    const reports = typicalDeliveryReports();
    expect(new Set(reports.map(({ provider }) => provider))).toEqual(new Set(providerIds));
    for (const { provider, fixture, events } of reports) {
      for (const event of events) {
        const asText = itemBytes({ ...finishedItem(event), event: JSON.stringify(event) });
        const stored = itemBytes(finishedItem(event));
        // Named in the message, so a failure says which provider's report grew and by how much.
        expect({ report: `${provider}/${fixture.name}`, bytes: stored, fits: stored <= 1024 }).toEqual({
          report: `${provider}/${fixture.name}`,
          bytes: stored,
          fits: true,
        });
        expect(stored).toBeLessThan(asText);
      }
    }
  });

  it('still reads the JSON text that items written before the compressed form carry', () => {
    const old: Pick<HistoryItem, 'event'> = { event: JSON.stringify(accepted) };
    expect(recordedEvent(old)).toEqual(accepted);
  });

  it('reads a version 1 item written today, byte for byte, whatever the encoder becomes', () => {
    // encodeEvent of this event when version 1 was published; a decoder or dictionary change that breaks it breaks
    // every version 1 item in every table.
    const event: NormalizedEvent = {
      schemaVersion: 1,
      eventId: '0123456789abcdef0123456789abcdef',
      provider: 'twilio',
      channel: 'sms',
      type: 'message.status',
      messageId: 'SM0123456789abcdef0123456789abcdef',
      status: 'delivered',
      final: true,
      providerStatus: 'delivered',
      occurredAt: '2026-03-02T09:00:00.000Z',
      receivedAt: '2026-03-02T09:00:00.000Z',
      raw: { MessageStatus: 'delivered' },
    };
    const published = Buffer.from(PUBLISHED_V1, 'base64');
    expect(published[0]).toBe(1);
    expect(recordedEvent({ event: published })).toEqual(event);
  });

  it('refuses a version it does not know, naming it, rather than guess', () => {
    const stored = Buffer.from(encodeEvent(JSON.stringify(accepted)));
    stored[0] = 2;
    expect(() => decodeEventJson(stored)).toThrow('stored form version 2');
    expect(() => decodeEventJson(new Uint8Array(0))).toThrow('without a stored event');
  });

  it('has a dictionary that never changes (a new one is a new version)', () => {
    expect(EVENT_DICTIONARY_V1.length).toBe(9440);
    expect(createHash('sha256').update(EVENT_DICTIONARY_V1).digest('hex')).toBe(DICTIONARY_V1_SHA256);
  });

  it('bounds what is stored, not the JSON: a large event that compresses well is kept whole', () => {
    const repetitive: NormalizedEvent = { ...accepted, raw: { text: 'delivered '.repeat(40_000) } };
    expect(JSON.stringify(repetitive).length).toBeGreaterThan(MAX_STORED_EVENT_BYTES);
    expect(recordedEvent({ event: storedEventOf(repetitive) })).toEqual(repetitive);
  });

  it('leaves raw out, then data, when the stored form would still be over the bound', () => {
    const noisy: NormalizedEvent = { ...accepted, raw: { text: noise(400_000) } };
    const withoutRaw = storedEventOf(noisy);
    expect(withoutRaw.length).toBeLessThanOrEqual(MAX_STORED_EVENT_BYTES);
    expect(recordedEvent({ event: withoutRaw })).toEqual({ ...accepted, raw: null });
    const noisier: NormalizedEvent = { ...noisy, data: { body: noise(400_000, 'data') } };
    expect(recordedEvent({ event: storedEventOf(noisier) })).toEqual({ ...accepted, raw: null, data: { omitted: true } });
  });
});

const PUBLISHED_V1 = 'AcMfbQaGRsYmpmbmFpaJSckpqWnofNRohU7Ckhe5wb5EWEZG9COrRAsiIzNdA2NdA6MQA0srAwMrAwM9AwODKMyAw60Okm9wVxO1tQA=';
const DICTIONARY_V1_SHA256 = 'b3e1ed05809df952a753ef0685e3ba59d1f9fbbb85a81c3fa3e235c7dbb3c5a5';
