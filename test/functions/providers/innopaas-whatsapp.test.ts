import { webhookRequest } from '../../../functions/providers/common';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import {
  INNOPAAS_MO_MESSAGE_TYPES,
  INNOPAAS_WHATSAPP_STATUSES,
  MAX_DATA_BODY_BYTES,
  innopaasWhatsapp,
} from '../../../functions/providers/innopaas-whatsapp';
import type { NormalizeContext } from '../../../functions/providers/types';
import { validationErrorOf } from '../../support/errors';

const FIXTURES = join(__dirname, '../../events/innopaas-whatsapp');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
interface Envelope {
  id: string;
  type: string;
  eventTime: string;
  body: Record<string, unknown> & { errorData?: object };
}
const envelope = (name: string) => JSON.parse(fixture(name)) as Envelope;
/** The valid fixtures that are one envelope each (a list of envelopes has its own tests). */
const validFixtures = readdirSync(FIXTURES).filter(
  (name) => name.endsWith('.json') && !name.startsWith('invalid-') && !Array.isArray(JSON.parse(fixture(name))),
);

const context: NormalizeContext = { receivedAt: '2025-01-01T00:00:00.000Z', timeZone: innopaasWhatsapp.defaultTimeZone };

const normalize = (body: string, ctx: NormalizeContext = context) =>
  innopaasWhatsapp.normalize(webhookRequest({ body, contentType: 'application/json' }), ctx);

const only = (body: string, ctx?: NormalizeContext): NormalizedEvent => {
  const { events } = normalize(body, ctx);
  expect(events).toHaveLength(1);
  return events[0];
};
const event = (name: string) => only(fixture(name));

/** A fixture with some body fields replaced. */
const withBody = (name: string, fields: Record<string, unknown>) => {
  const item = envelope(name);
  return JSON.stringify({ ...item, body: { ...item.body, ...fields } });
};

const errorOf = (body: string) => validationErrorOf(() => normalize(body));

describe('innopaas-whatsapp adapter', () => {
  it.each(validFixtures)('%s normalizes to a valid event that keeps the envelope as raw', (name) => {
    const normalized = event(name);
    expect(NormalizedEventSchema.safeParse(normalized).success).toBe(true);
    expect(normalized).toMatchObject({
      provider: 'innopaas-whatsapp',
      channel: 'whatsapp',
      occurredAtRaw: envelope(name).eventTime,
      receivedAt: context.receivedAt,
      data: { eventType: envelope(name).type },
      raw: envelope(name),
    });
  });

  describe('whatsapp_message_status_updated', () => {
    it.each([
      // fixture, status, final, providerStatus, occurredAt (local eventTimes read in Asia/Shanghai)
      ['message-status-sent.json', 'sent', false, 'sent', '2023-10-16T13:04:55.000Z'],
      ['message-status-delivered.json', 'delivered', true, 'delivered', '2023-10-16T13:04:57.644Z'],
      ['message-status-read.json', 'read', true, 'read', '2023-10-16T13:06:12.031Z'],
      ['message-status-failed.json', 'failed', true, 'failed', '2023-10-16T13:05:02.120Z'],
      ['message-status-smecl-failed.json', 'failed', true, 'SMECL:FAILED', '2023-10-16T13:05:30.000Z'],
      ['message-status-unlisted.json', 'unknown', false, 'deleted', '2023-10-16T13:05:50.000Z'],
    ])('%s is a message.status %s', (name, status, final, providerStatus, occurredAt) => {
      expect(event(name)).toMatchObject({
        type: 'message.status',
        messageId: '1713260697000123456',
        status,
        final,
        providerStatus,
        occurredAt,
        recipient: { raw: '8617606050819', e164: '+8617606050819' },
        data: { accountName: 'IW2267527', wabaId: '110129512080569', uid: 'batch-20231016-0001' },
      });
    });

    it.each(Object.entries(INNOPAAS_WHATSAPP_STATUSES))('status %s maps to %s', (providerStatus, canonical) => {
      const normalized = only(withBody('message-status-delivered.json', { status: providerStatus }));
      expect(normalized.status).toBe(canonical);
      expect(normalized.final).toBe(STATUS_TABLE[canonical].final);
    });

    it('keeps wamid and the conversation in data', () => {
      expect(event('message-status-delivered.json').data).toMatchObject({
        wamid: envelope('message-status-delivered.json').body.wamid,
        conversation: { initiateType: 'business_initiated', expireAt: '2023-10-17 13:04:57' },
      });
    });

    it('a failure takes its error from errorData and keeps errorData', () => {
      const failed = event('message-status-failed.json');
      expect(failed.error).toEqual({
        code: '131026',
        message: 'Message undeliverable: Message could not be delivered to the recipient',
      });
      // Kept whole, its code read as a string like every other id.
      expect(failed.data?.errorData).toEqual({ ...envelope('message-status-failed.json').body.errorData!, code: '131026' });
    });

    it('SMECL:FAILED takes code and details from errorData', () => {
      expect(event('message-status-smecl-failed.json').error).toEqual({ code: 'SMECL', message: 'fallback channel failed' });
    });

    it('an errorData list gives the error of its first entry', () => {
      expect(event('message-status-error-list.json').error).toEqual({ code: '131047', message: 'Re-engagement message' });
    });

    it('a non-failure ignores errorData for the error', () => {
      expect(only(withBody('message-status-failed.json', { status: 'read' })).error).toBeUndefined();
    });
  });

  describe('whatsapp_mo_message_received', () => {
    const moFixtures = validFixtures.filter((name) => name.startsWith('mo-') && name !== 'mo-unlisted-type.json');

    it('has one fixture per documented MO type', () => {
      expect(moFixtures.map((name) => envelope(name).body.type).sort()).toEqual(Object.keys(INNOPAAS_MO_MESSAGE_TYPES).sort());
    });

    it.each(moFixtures)('%s is a message.inbound with its per-type object in data', (name) => {
      const { body } = envelope(name);
      const type = body.type as string;
      const normalized = event(name);
      expect(normalized).toMatchObject({
        type: 'message.inbound',
        messageId: body.id,
        sender: { raw: '60173526233', e164: '+60173526233' },
        recipient: { raw: '6285234567899', e164: '+6285234567899' },
        data: {
          messageType: type,
          customerProfile: { name: 'Lee Jen Ling' },
          wamid: body.wamid,
          wabaId: '110129512080569',
          accountName: 'IW2267527',
          sendTime: '2023-02-22T12:00:00.000Z',
        },
      });
      expect(normalized).not.toHaveProperty('status');
      if (type !== 'unknown') expect(normalized.data?.[type]).toEqual(body[type]);
    });

    it('reads both eventTime forms to the same UTC clock', () => {
      // The MO fixtures alternate ISO-8601 UTC and Shanghai wall time, one second apart.
      const times = ['mo-reaction.json', 'mo-image.json', 'mo-audio.json'].map((name) => event(name).occurredAt);
      expect(times).toEqual(['2023-02-22T12:00:01.000Z', '2023-02-22T12:00:02.000Z', '2023-02-22T12:00:03.000Z']);
      expect(envelope('mo-image.json').eventTime).toBe('2023-02-22 20:00:02');
    });

    it('a text message carries its text', () => {
      expect(event('mo-text.json').data?.text).toEqual({ body: 'Hi, is my order shipped?' });
    });

    it('an unknown-type message carries its errors', () => {
      expect(event('mo-unknown.json').data?.errors).toEqual(envelope('mo-unknown.json').body.errors);
    });

    it('a reply carries the quoted message as context', () => {
      expect(event('mo-button.json').data?.context).toEqual(envelope('mo-button.json').body.context);
    });

    it('an MO type not in the documented list is still an inbound message, its content in raw', () => {
      const normalized = event('mo-unlisted-type.json');
      expect(normalized).toMatchObject({ type: 'message.inbound', messageId: '1628054473920003050', data: { messageType: 'ephemeral' } });
      expect(normalized.data).not.toHaveProperty('ephemeral');
      expect(normalized.raw).toEqual(envelope('mo-unlisted-type.json'));
    });

    it.each(['__proto__', 'constructor', 'hasOwnProperty'])('an MO type named %s is kept as a plain value', (type) => {
      const normalized = only(withBody('mo-text.json', { type }));
      expect(normalized.type).toBe('message.inbound');
      expect(normalized.data?.messageType).toBe(type);
      expect(Object.getPrototypeOf(normalized.data)).toBe(Object.prototype);
    });

    it('an absurdly long text is refused', () => {
      expect(errorOf(withBody('mo-text.json', { text: { body: 'x'.repeat(5000) } })).field).toBe('body.text.body');
    });
  });

  describe("the parent platform's MO contact shapes", () => {
    it.each(['parent-platform-mo-contact-array.json', 'parent-platform-mo-contact-object.json'])(
      '%s: a card under `contact` (array or object) lands in data.contacts as sent',
      (name) => {
        const { body } = envelope(name);
        expect(event(name)).toMatchObject({ type: 'message.inbound', data: { messageType: 'contacts', contacts: body.contact } });
      },
    );
  });

  describe('template status', () => {
    it('whatsapp_template_status_updated is a template.status with the template in data', () => {
      const normalized = event('template-status-updated.json');
      expect(normalized).toMatchObject({
        type: 'template.status',
        providerStatus: 'APPROVED',
        occurredAt: '2023-10-16T13:04:57.644Z',
        data: {
          templateId: '998961841525295',
          templateName: 'transland_common_otp',
          templateLanguage: 'en_US',
          category: 'AUTHENTICATION',
          templateStatus: 'APPROVED',
          reason: 'NONE',
          wabaId: '110129512080569',
        },
      });
      expect(normalized).not.toHaveProperty('messageId');
      expect(normalized).not.toHaveProperty('status');
    });

    it('the whatsapp_template_status_update spelling is the same event type', () => {
      expect(event('template-status-update.json')).toMatchObject({
        type: 'template.status',
        providerStatus: 'REJECTED',
        occurredAt: '2023-10-16T13:10:00.000Z',
        data: { templateId: '998961841525296', reason: 'INCORRECT_CATEGORY', eventType: 'whatsapp_template_status_update' },
      });
    });
  });

  it.each([
    ['account-review-updated.json', 'account.review', '2023-11-01T08:00:00.000Z'],
    ['phone-number-name-update.json', 'phone_number.name', '2023-11-02T02:30:00.000Z'],
  ])('%s is a %s event with its undocumented body kept', (name, type, occurredAt) => {
    const normalized = event(name);
    expect(normalized).toMatchObject({ type, occurredAt, data: { body: envelope(name).body } });
    expect(normalized).not.toHaveProperty('messageId');
  });

  it('an account review with any object body is accepted', () => {
    expect(only(withBody('account-review-updated.json', { nested: { anything: [1, 'two'] } })).type).toBe('account.review');
  });

  it('keeps an undocumented body over 16 KiB in raw only, with its size in data, so the event stays small', () => {
    const body = { note: 'x'.repeat(MAX_DATA_BODY_BYTES) };
    const normalized = only(JSON.stringify({ ...envelope('account-review-updated.json'), body }));
    expect(normalized.data).toEqual({ eventType: 'whatsapp_account_review_updated', bodyBytes: Buffer.byteLength(JSON.stringify(body)) });
    expect((normalized.raw as { body: unknown }).body).toEqual(body);
    const small = { note: 'x'.repeat(100) };
    expect(only(JSON.stringify({ ...envelope('account-review-updated.json'), body: small })).data).toMatchObject({ body: small });
  });

  it.each([
    ['a list', [{ decision: 'APPROVED' }]],
    ['a string', 'APPROVED'],
    ['no body', undefined],
  ])('an account review (body never published) with %s as its body is kept, not refused', (_, body) => {
    const normalized = only(JSON.stringify({ ...envelope('account-review-updated.json'), body }));
    expect(normalized.type).toBe('account.review');
    expect(normalized.data?.body).toEqual(body);
  });

  it.each([
    ['chat-mt-message.json', 'mt', '+6285234567899', '+60173526233', '2023-10-16T13:20:00.000Z'],
    ['chat-mo-message.json', 'mo', '+60173526233', '+6285234567899', '2023-10-16T13:21:00.000Z'],
  ])('%s is a chat.message with direction %s', (name, direction, sender, recipient, occurredAt) => {
    const { body } = envelope(name);
    expect(event(name)).toMatchObject({
      type: 'chat.message',
      occurredAt,
      sender: { e164: sender },
      recipient: { e164: recipient },
      data: { direction, messageType: 'text', context: body.context, wabaId: '110129512080569' },
    });
  });

  it('a chat event keeps wamid, conversationId and uid', () => {
    expect(event('chat-mt-message.json').data).toMatchObject({
      wamid: 'wamid.HBgLNjAxNzM1MjYyMzMVAgARGBJDSEFU',
      conversationId: 'conv-20231016-77',
      uid: 'agent-42',
    });
  });

  it('an unknown event type becomes provider.unknown with the raw envelope', () => {
    const normalized = event('unknown-type.json');
    expect(normalized).toMatchObject({
      type: 'provider.unknown',
      occurredAt: '2023-10-16T13:30:00.000Z',
      data: { eventType: 'whatsapp_template_quality_updated' },
      raw: envelope('unknown-type.json'),
    });
    expect(normalized).not.toHaveProperty('status');
  });

  it.each([
    ['unlisted-type-list-body.json', 'a list'],
    ['unlisted-type-string-body.json', 'a string'],
    ['unlisted-type-no-body.json', 'no body'],
  ])('%s: an unknown event type with %s as its body is kept as provider.unknown, not refused', (name) => {
    expect(event(name)).toMatchObject({ type: 'provider.unknown', data: { eventType: envelope(name).type }, raw: envelope(name) });
  });

  it.each([
    ['a list', []],
    ['a string', 'delivered'],
    ['null', null],
    ['no body', undefined],
  ])('a known event type with %s as its body is refused naming body', (_, body) => {
    const item = { ...envelope('message-status-delivered.json'), body };
    expect(errorOf(JSON.stringify(item)).message).toBe('body: expected object');
  });

  it.each(['__proto__', 'constructor', 'toString'])('an event type named %s becomes provider.unknown', (type) => {
    expect(only(JSON.stringify({ ...envelope('unknown-type.json'), type })).type).toBe('provider.unknown');
  });

  it('a Shanghai wall-clock eventTime follows the configured zone', () => {
    expect(only(fixture('message-status-sent.json'), { ...context, timeZone: 'UTC' }).occurredAt).toBe('2023-10-16T21:04:55.000Z');
  });

  it('an ISO-8601 UTC eventTime ignores the configured zone', () => {
    expect(only(fixture('message-status-delivered.json'), { ...context, timeZone: 'UTC' }).occurredAt).toBe('2023-10-16T13:04:57.644Z');
  });

  it('a list of envelopes becomes one event per envelope, in order', () => {
    const body = `[${fixture('message-status-sent.json')},${fixture('message-status-read.json')}]`;
    expect(normalize(body).events.map((e) => e.status)).toEqual(['sent', 'read']);
  });

  it.each([
    ['invalid-envelope-missing-id.json', 'id'],
    ['invalid-body-not-object.json', 'body'],
    ['invalid-event-time.json', 'eventTime'],
    ['invalid-status-missing-message-id.json', 'body.id'],
    ['invalid-status-type.json', 'body.status'],
    ['invalid-mo-missing-from.json', 'body.from'],
    ['invalid-template-missing-status.json', 'body.templateStatus'],
    ['invalid-chat-missing-to.json', 'body.to'],
    ['invalid-template-id-lone-surrogate.json', 'body.templateId'],
    ['invalid-event-time-past-year-9999.json', 'eventTime'],
  ])('%s is refused naming %s', (name, field) => {
    expect(errorOf(fixture(name)).field).toBe(field);
  });

  it.each([
    ['message-status-delivered.json', 'id'],
    ['message-status-delivered.json', 'sendPhone'],
    ['mo-text.json', 'id'],
    ['mo-text.json', 'from'],
    ['mo-text.json', 'to'],
    ['chat-mt-message.json', 'id'],
    ['chat-mt-message.json', 'conversationId'],
    ['chat-mt-message.json', 'to'],
  ])('%s: a lone surrogate in body.%s is refused naming it', (name, field) => {
    const error = errorOf(withBody(name, { [field]: 'wamid.\ud800' }));
    expect(error.field).toBe(`body.${field}`);
    expect(error.message).toBe(`body.${field}: not well-formed Unicode (lone surrogate)`);
  });

  it('a lone surrogate in the envelope id is refused naming it', () => {
    expect(errorOf(JSON.stringify({ ...envelope('message-status-read.json'), id: 'evt-\udc00' })).field).toBe('id');
  });

  it('an invalid envelope among valid ones is kept as provider.unknown, named by its index; the others go through', () => {
    const { events } = normalize(fixture('mixed-batch-one-invalid-envelope.json'));
    expect(events.map((e) => [e.type, e.status])).toEqual([
      ['message.status', 'sent'],
      ['provider.unknown', undefined],
      ['message.status', 'read'],
    ]);
    expect(events[1]).toMatchObject({
      channel: 'whatsapp',
      data: { invalid: { field: '1.eventTime' } },
      raw: JSON.parse(fixture('invalid-event-time.json')),
    });
    for (const e of events) expect(NormalizedEventSchema.safeParse(e).success).toBe(true);
    const reply = innopaasWhatsapp.reply({ normalized: { events }, queued: new Set(events.map((e) => e.eventId)) });
    expect(JSON.parse(reply.body)).toEqual({ ok: true, accepted: 3 });
  });

  it('a list whose every envelope is invalid is refused naming the first', () => {
    const body = `[${fixture('invalid-event-time.json')},${fixture('invalid-envelope-missing-id.json')}]`;
    expect(errorOf(body).field).toBe('0.eventTime');
  });

  it('an absurdly long message id is refused', () => {
    expect(errorOf(withBody('message-status-read.json', { id: '9'.repeat(300) })).field).toBe('body.id');
  });

  it('the same envelope twice yields the same eventId', () => {
    expect(event('message-status-read.json').eventId).toBe(event('message-status-read.json').eventId);
  });

  it('a provider retry of an envelope keeps its eventId', () => {
    const retried = JSON.stringify({ ...envelope('message-status-read.json'), eventTime: '2023-10-16T13:07:12.031Z' });
    expect(only(retried).eventId).toBe(event('message-status-read.json').eventId);
  });

  it('every fixture has its own eventId', () => {
    const ids = new Set(validFixtures.map((name) => event(name).eventId));
    expect(ids.size).toBe(validFixtures.length);
  });

  const objectBodyFixtures = validFixtures.filter((name) => fixture(name).includes('"body": {'));

  it.each(objectBodyFixtures)('%s: __proto__, constructor and prototype keys pollute nothing and change nothing', (name) => {
    const hostileKeys = '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},';
    const hostile = fixture(name).replace('{', `{${hostileKeys}`).replace('"body": {', `"body": {${hostileKeys}`);
    expect(hostile).toContain(`"body": {${hostileKeys}`);
    const clean = event(name);
    const normalized = only(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(normalized.data)).toBe(Object.prototype);
    // Undocumented bodies are kept whole: there the keys are data as sent, but never a prototype.
    const body = normalized.data?.body as Record<string, unknown> | undefined;
    if (body) expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    const comparable = (e: NormalizedEvent) => ({ ...e, raw: undefined, data: { ...e.data, body: undefined } });
    expect(comparable(normalized)).toEqual(comparable(clean));
  });

  it('hostile envelope keys beside a body that is not an object pollute nothing', () => {
    const hostile = fixture('unlisted-type-list-body.json').replace('{', '{"__proto__":{"polluted":"yes"},');
    expect(only(hostile).type).toBe('provider.unknown');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('replies 200 when every event was queued and 503 otherwise', () => {
    const normalized = normalize(fixture('mo-text.json'));
    const queued = innopaasWhatsapp.reply({ normalized, queued: new Set([normalized.events[0].eventId]) });
    expect(queued.statusCode).toBe(200);
    expect(JSON.parse(queued.body)).toEqual({ ok: true, accepted: 1 });
    expect(innopaasWhatsapp.reply({ normalized, queued: new Set() }).statusCode).toBe(503);
  });

  it('declares header credentials, the Shanghai zone and a catalog entry per documented event', () => {
    expect(innopaasWhatsapp).toMatchObject({
      id: 'innopaas-whatsapp',
      authentication: 'headers',
      credentialHeaders: ['UserName', 'Authorization'],
      defaultTimeZone: 'Asia/Shanghai',
    });
    expect(innopaasWhatsapp.catalog.map((entry) => [entry.providerEvent, entry.type])).toEqual([
      ['whatsapp_message_status_updated', 'message.status'],
      ['whatsapp_mo_message_received', 'message.inbound'],
      ['whatsapp_template_status_updated', 'template.status'],
      ['whatsapp_template_status_update', 'template.status'],
      ['whatsapp_account_review_updated', 'account.review'],
      ['whatsapp_phone_number_name_update', 'phone_number.name'],
      ['chat_mt_message_notify', 'chat.message'],
      ['chat_mo_message_notify', 'chat.message'],
    ]);
    expect(innopaasWhatsapp.catalog[0].statuses).toBe(INNOPAAS_WHATSAPP_STATUSES);
  });
});
