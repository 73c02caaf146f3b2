import { webhookRequest } from '../../../functions/providers/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NormalizedEventSchema } from '../../../functions/events/schema';
import { SMSGATEWAY24_STATUSES, smsgateway24 } from '../../../functions/providers/smsgateway24';
import type { NormalizeContext } from '../../../functions/providers/types';
import { ValidationError } from '../../../functions/core/errors';
import { validationErrorOf } from '../../support/errors';

const FIXTURES = join(__dirname, '../../events/smsgateway24');
const RECEIVED_AT = '2024-12-12T14:45:00.000Z';
const UTC: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: smsgateway24.defaultTimeZone };

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const fixtureObject = (name: string) => JSON.parse(fixture(name)) as Record<string, unknown>;
const normalize = (body: string, context: NormalizeContext = UTC) => smsgateway24.normalize(webhookRequest({ body }), context);
const only = (body: string, context?: NormalizeContext) => {
  const { events } = normalize(body, context);
  expect(events).toHaveLength(1);
  return events[0];
};
const status = (fields: Record<string, unknown>) => only(JSON.stringify({ ...fixtureObject('status-sim.json'), ...fields }));

describe('smsgateway24 adapter', () => {
  describe('valid fixtures', () => {
    it.each([
      ['status-sim.json', 'message.status'],
      ['status-channel-id.json', 'message.status'],
      ['status-failed-no-service.json', 'message.status'],
      ['incoming-text.json', 'message.inbound'],
      ['incoming-text-numeric-address.json', 'message.inbound'],
      ['incoming-img.json', 'message.inbound'],
      ['help-article-test-delivery-status.json', 'provider.unknown'],
      ['help-article-test-incoming-sms.json', 'provider.unknown'],
    ])('%s normalizes to one schema-valid %s event', (name, type) => {
      const event = only(fixture(name));
      expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
      expect(event).toMatchObject({ provider: 'smsgateway24', type });
      expect(event.raw).toEqual(fixtureObject(name));
    });

    it('reads a delivery status with the old sim field', () => {
      expect(only(fixture('status-sim.json'))).toMatchObject({
        channel: 'sms',
        messageId: '84561234',
        status: 'delivered',
        final: true,
        providerStatus: '7',
        recipient: { raw: '+4915752982212', e164: '+4915752982212' },
        occurredAt: '2024-12-12T14:38:01.000Z',
        occurredAtRaw: '2024-12-12 14:38:01',
        data: { statusMessage: 'SMS has been Delivered', sim: 0, deviceId: '12345' },
      });
    });

    it('reads a delivery status with the current channel_id field, and an undelivered reason', () => {
      const event = only(fixture('status-channel-id.json'));
      expect(event).toMatchObject({
        messageId: '84561235',
        status: 'undelivered',
        final: true,
        error: { code: '8', message: 'SMS was NOT Delivered' },
        data: { channelId: '1', deviceId: '12345' },
      });
      expect(event.data).not.toHaveProperty('sim');
    });

    it('takes quoted ids and status codes, and derives no E.164 from a number without a + prefix', () => {
      expect(only(fixture('status-failed-no-service.json'))).toMatchObject({
        messageId: '84561236',
        status: 'failed',
        providerStatus: '10',
        error: { code: '10', message: 'SMS Not Sent - No Service' },
        recipient: { raw: '015752982212' },
      });
      expect(only(fixture('status-failed-no-service.json')).recipient).not.toHaveProperty('e164');
    });

    it('reads senttime in the configured zone', () => {
      const event = only(fixture('status-sim.json'), { receivedAt: RECEIVED_AT, timeZone: 'Europe/Berlin' });
      expect(event.occurredAt).toBe('2024-12-12T13:38:01.000Z');
    });

    it('falls back to the receipt time when senttime is empty, null or the MySQL zero date', () => {
      for (const senttime of ['', null, '0000-00-00 00:00:00']) {
        const event = status({ senttime });
        expect(event.occurredAt).toBe(RECEIVED_AT);
        expect(event.occurredAtRaw).toBeUndefined();
      }
    });

    it('reads an incoming text: sender, body, time from date', () => {
      expect(only(fixture('incoming-text.json'))).toMatchObject({
        type: 'message.inbound',
        channel: 'sms',
        messageId: '84561300',
        sender: { raw: '+4917642031984', e164: '+4917642031984' },
        occurredAt: '2024-12-12T14:40:02.000Z',
        occurredAtRaw: '2024-12-12 14:40:02',
        data: {
          type: 'text',
          body: 'STOP',
          internalId: '5512',
          dateSent: '2024-12-12T14:40:00.000Z',
          sim: 0,
          deviceId: '12345',
          deviceName: 'Pixel-6a-office',
        },
      });
    });

    it('keeps a numeric address as its digits, with no guessed country code', () => {
      const event = only(fixture('incoming-text-numeric-address.json'));
      expect(event.sender).toEqual({ raw: '4917642031984' });
      expect(event.data).toMatchObject({ type: 'text', body: 'Yes, please call me', sim: 1 });
    });

    it('reads an incoming image as WhatsApp with its URL', () => {
      const event = only(fixture('incoming-img.json'));
      expect(event).toMatchObject({
        channel: 'whatsapp',
        messageId: '84561302',
        occurredAt: '2024-12-12T14:41:10.000Z',
        data: { type: 'img', body: '', imgUrl: 'https://smsgateway24.s3.eu-central-1.amazonaws.com/incoming/84561302.jpg' },
      });
      expect(event.data).not.toHaveProperty('internalId');
    });

    it('takes the incoming time from date_sent when date is missing', () => {
      const body = { ...fixtureObject('incoming-text.json'), date: undefined };
      expect(only(JSON.stringify(body))).toMatchObject({ occurredAt: '2024-12-12T14:40:00.000Z', occurredAtRaw: '2024-12-12 14:40:00' });
    });

    it('keeps the help article test samples as provider.unknown, with their event name', () => {
      const event = only(fixture('help-article-test-delivery-status.json'));
      expect(event).toMatchObject({ type: 'provider.unknown', occurredAt: RECEIVED_AT, data: { event: 'delivery_status' } });
      expect(event.messageId).toBeUndefined();
      expect(event.status).toBeUndefined();
    });
  });

  describe('statuses', () => {
    it.each(Object.entries(SMSGATEWAY24_STATUSES))('maps status_id %s to %s', (statusId, canonical) => {
      const event = status({ status_id: Number(statusId) });
      expect(event).toMatchObject({
        status: canonical,
        providerStatus: statusId,
        final: !['accepted', 'queued', 'sending', 'sent'].includes(canonical),
      });
    });

    // A few of SmsGateway24's documented ids, read through the adapter (the table itself is the adapter's): its own
    // order puts 3 (queued) before 2 (sending), 8 is its one "not delivered", and its failures run up to 100 and 101.
    it.each([
      [1, 'accepted'],
      [3, 'queued'],
      [2, 'sending'],
      [7, 'delivered'],
      [8, 'undelivered'],
      [100, 'failed'],
    ])('reads the documented status_id %i as %s', (statusId, canonical) => {
      expect(status({ status_id: statusId }).status).toBe(canonical);
    });

    it.each([5, 4, 999])('keeps status_id %i as unknown, non-final', (statusId) => {
      expect(status({ status_id: statusId })).toMatchObject({ status: 'unknown', final: false, providerStatus: String(statusId) });
    });

    it('sets an error only on failures', () => {
      expect(status({ status_id: 6 }).error).toBeUndefined();
      expect(status({ status_id: 9, status_message: 'Generic failure' }).error).toEqual({ code: '9', message: 'Generic failure' });
      expect(status({ status_id: 101, status_message: null }).error).toEqual({ code: '101' });
    });

    it('catalogs both webhooks, statuses with the mapping table', () => {
      expect(smsgateway24.catalog.map((entry) => [entry.providerEvent, entry.type, entry.channel])).toEqual([
        ['webhook_for_statuses', 'message.status', 'sms'],
        ['webhook_incoming_sms (type text)', 'message.inbound', 'sms'],
        ['webhook_incoming_sms (type img)', 'message.inbound', 'whatsapp'],
      ]);
      expect(smsgateway24.catalog[0].statuses).toBe(SMSGATEWAY24_STATUSES);
      expect(smsgateway24).toMatchObject({ authentication: 'url-token', defaultTimeZone: 'UTC' });
    });
  });

  describe('invalid bodies', () => {
    it.each([
      ['invalid-status-sms-id-missing.json', 'sms_id'],
      ['invalid-status-id-not-a-number.json', 'status_id'],
      ['invalid-senttime.json', 'senttime'],
      ['invalid-inbound-sms-id-missing.json', 'sms_id'],
      ['invalid-sendto-lone-surrogate.json', 'sendto'],
    ])('%s is refused naming %s', (name, field) => {
      expect(validationErrorOf(() => normalize(fixture(name))).field).toBe(field);
    });

    it.each([['invalid-not-an-object.json', /expected object/]])('%s is refused: %s', (name, message) => {
      expect(validationErrorOf(() => normalize(fixture(name))).message).toMatch(message);
    });

    it('refuses a body that is not JSON, or JSON that is not an object', () => {
      for (const body of ['sms_id=1&status_id=7', '"text"', '42', 'null']) {
        expect(validationErrorOf(() => normalize(body))).toBeInstanceOf(ValidationError);
      }
    });

    it('refuses a lone surrogate in an incoming address naming it', () => {
      const body = { ...fixtureObject('incoming-text.json'), address: '+49176\ud80042031984' };
      expect(validationErrorOf(() => normalize(JSON.stringify(body))).message).toBe('address: not well-formed Unicode (lone surrogate)');
    });

    it('refuses a bad incoming date naming the field', () => {
      const body = { ...fixtureObject('incoming-text.json'), date_sent: 'yesterday' };
      expect(validationErrorOf(() => normalize(JSON.stringify(body))).field).toBe('date_sent');
    });

    it('refuses absurdly long values', () => {
      expect(validationErrorOf(() => status({ status_message: 'x'.repeat(1025) })).field).toBe('status_message');
      expect(validationErrorOf(() => status({ sendto: '1'.repeat(129) })).field).toBe('sendto');
      expect(validationErrorOf(() => status({ sms_id: '9'.repeat(21) })).field).toBe('sms_id');
      expect(validationErrorOf(() => status({ sms_id: -1 })).field).toBe('sms_id');
    });
  });

  describe('event ids', () => {
    it('are the same when the same body comes twice', () => {
      for (const name of ['status-sim.json', 'incoming-text.json', 'help-article-test-incoming-sms.json']) {
        expect(only(fixture(name)).eventId).toBe(only(fixture(name)).eventId);
      }
    });

    it('depend on sms_id and status_id only, whether sent as numbers or strings', () => {
      const base = status({});
      expect(status({ sms_id: '84561234', status_id: '7' }).eventId).toBe(base.eventId);
      expect(status({ senttime: '2024-12-12 14:39:00', status_message: 'other' }).eventId).toBe(base.eventId);
      expect(status({ status_id: 6 }).eventId).not.toBe(base.eventId);
      expect(status({ sms_id: 84561235 }).eventId).not.toBe(base.eventId);
    });

    it('differ between every fixture', () => {
      const names = [
        'status-sim.json',
        'status-channel-id.json',
        'status-failed-no-service.json',
        'incoming-text.json',
        'incoming-text-numeric-address.json',
        'incoming-img.json',
        'help-article-test-delivery-status.json',
        'help-article-test-incoming-sms.json',
      ];
      expect(new Set(names.map((name) => only(fixture(name)).eventId)).size).toBe(names.length);
    });

    it('never collide between a status and an inbound message with the same sms_id', () => {
      const inbound = only(JSON.stringify({ ...fixtureObject('incoming-text.json'), sms_id: 84561234 }));
      expect(inbound.eventId).not.toBe(status({}).eventId);
    });
  });

  describe('prototype pollution', () => {
    afterEach(() => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it.each(['status-sim.json', 'incoming-text.json'])('__proto__ and constructor keys in %s change nothing', (name) => {
      const plain = only(fixture(name));
      const hostile = only(fixture(name).replace('{', '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},'));
      expect({ ...hostile, raw: undefined }).toEqual({ ...plain, raw: undefined });
    });

    it('__proto__ keys in an unknown body are kept as data, not applied', () => {
      const hostile = only('{"__proto__":{"polluted":1},"event":"incoming_sms"}');
      expect(hostile).toMatchObject({ type: 'provider.unknown', data: { event: 'incoming_sms' } });
      expect(JSON.stringify(hostile.raw)).toBe('{"__proto__":{"polluted":1},"event":"incoming_sms"}');
    });

    it('a __proto__ key cannot pose as the status_id that picks the webhook', () => {
      const body = '{"__proto__":{"status_id":7},"address":"+4917642031984","sms_id":1,"date":"2024-12-12 14:40:02"}';
      expect(only(body).type).toBe('message.inbound');
    });
  });

  describe('form-encoded bodies (what a real integrator receives)', () => {
    const FORM = 'application/x-www-form-urlencoded';
    const fromForm = (name: string) => {
      const { events } = smsgateway24.normalize(webhookRequest({ body: fixture(name), contentType: FORM }), UTC);
      expect(events).toHaveLength(1);
      expect(NormalizedEventSchema.safeParse(events[0]).success).toBe(true);
      return events[0];
    };

    it('a form-encoded status reads as the JSON one, its unescaped + restored', () => {
      const event = fromForm('status-form-encoded.form');
      expect(event).toMatchObject({
        type: 'message.status',
        messageId: '84561234',
        status: 'delivered',
        recipient: { raw: '+4915752982212', e164: '+4915752982212' },
        occurredAt: '2024-12-12T14:38:01.000Z',
        data: { statusMessage: 'SMS has been Delivered', channelId: '0', deviceId: '12345' },
      });
    });

    it('gives the same eventId as the same report sent as JSON', () => {
      const json = status({ sms_id: 84561234, status_id: 7 });
      expect(fromForm('status-form-encoded.form').eventId).toBe(json.eventId);
    });

    it('a form-encoded incoming text keeps its sender in E.164 and its text with spaces', () => {
      expect(fromForm('incoming-text-form-encoded.form')).toMatchObject({
        type: 'message.inbound',
        sender: { raw: '+4917642031984', e164: '+4917642031984' },
        data: { body: 'STOP please', internalId: '5512', deviceName: 'Pixel' },
      });
    });

    it('an empty form value is absent: an image with no internal_id and no text', () => {
      const event = fromForm('incoming-img-form-encoded.form');
      expect(event).toMatchObject({ type: 'message.inbound', channel: 'whatsapp', sender: { e164: '+4917642031984' } });
      expect(event.data).not.toHaveProperty('internalId');
      expect(event.data).not.toHaveProperty('body');
    });
  });

  describe('reply', () => {
    it('answers 200 when the event was queued and 503 when it was not', () => {
      const normalized = normalize(fixture('status-sim.json'));
      expect(smsgateway24.reply({ normalized, queued: new Set([normalized.events[0].eventId]) }).statusCode).toBe(200);
      expect(smsgateway24.reply({ normalized, queued: new Set() }).statusCode).toBe(503);
    });
  });
});
