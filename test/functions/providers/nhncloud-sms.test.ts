import { webhookRequest } from '../../../functions/providers/common';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import {
  DLR_STATUSES,
  MESSAGE_RESULT_STATUSES,
  messageResultKey,
  nhncloudSms,
  withoutTrailingCommas,
} from '../../../functions/providers/nhncloud-sms';
import type { NormalizeContext, Normalized, WebhookRequest } from '../../../functions/providers/types';
import { ValidationError } from '../../../functions/core/errors';
import { eventIdOf } from '../../../functions/core/ids';

const FIXTURES = path.join(__dirname, '../../events/nhncloud-sms');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const fixtureJson = (name: string): any => JSON.parse(fixture(name));

const context: NormalizeContext = { receivedAt: '2024-06-01T00:00:00.000Z', timeZone: nhncloudSms.defaultTimeZone };

const request = (body: string): WebhookRequest =>
  webhookRequest({ body, headers: { 'content-type': 'application/json;charset=UTF-8' }, contentType: 'application/json' });

const normalize = (body: string | object, ctx: NormalizeContext = context): Normalized =>
  nhncloudSms.normalize(request(typeof body === 'string' ? body : JSON.stringify(body)), ctx);
const eventsOf = (body: string | object, ctx?: NormalizeContext): NormalizedEvent[] => normalize(body, ctx).events;

/** A fixture with its first hook changed: each test changes one thing. */
/** `body` with only its hook at `index` left. */
function alone(body: object, index: number): object {
  const hooks = (body as { hooks: unknown[] }).hooks;
  return { ...body, hooks: [hooks[index]] };
}

function withHook(name: string, change: (hook: any) => void, index = 0): object {
  const body = fixtureJson(name);
  change(body.hooks[index]);
  return body;
}

function validationErrorOf(body: string | object): ValidationError {
  try {
    normalize(body);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const validFixtures = readdirSync(FIXTURES).filter((name) => !name.startsWith('invalid-'));

describe('every valid fixture', () => {
  test.each(validFixtures)('%s normalizes to schema-valid NHN SMS events', (name) => {
    const { events } = normalize(fixture(name));
    for (const event of events) {
      expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
      expect(event).toMatchObject({ provider: 'nhncloud-sms', channel: 'sms', receivedAt: context.receivedAt });
    }
  });

  test.each(validFixtures)('%s gives the same eventIds twice and distinct ones per hook', (name) => {
    const first = eventsOf(fixture(name)).map((event) => event.eventId);
    expect(eventsOf(fixture(name)).map((event) => event.eventId)).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });
});

describe('MESSAGE_RESULT_UPDATE', () => {
  const [delivered, failed] = eventsOf(fixture('message-result.json'));

  test('a COMPLETED hook with resultCode 1000 is delivered, with ids, parties and Seoul time in UTC', () => {
    expect(delivered).toMatchObject({
      eventId: eventIdOf('nhncloud-sms', '20240429205809GcSUXthVA00'),
      type: 'message.status',
      messageId: '20240429205802y0Tl7Gbz0e0:1',
      status: 'delivered',
      final: true,
      providerStatus: 'COMPLETED',
      recipient: { raw: '01012341234', e164: '+821012341234' },
      sender: { raw: '15446859' },
      occurredAt: '2024-04-29T11:58:04.000Z',
      occurredAtRaw: '2024-04-29T20:58:04',
    });
    expect(delivered.sender?.e164).toBeUndefined();
    expect(delivered.error).toBeUndefined();
  });

  test('envelope ids and the hook details are in data; raw is the hook as received', () => {
    expect(delivered.data).toEqual({
      hooksId: '20240429205809hooksAbCdE00',
      webhookConfigId: 'wc-3f9a1b',
      appKey: 'akb3dukdmdjsdSvgk',
      event: 'MESSAGE_RESULT_UPDATE',
      hookId: '20240429205809GcSUXthVA00',
      requestId: '20240429205802y0Tl7Gbz0e0',
      recipientSeq: 1,
      senderType: 'NORMAL_SMS',
      requestDate: '2024-04-29T20:58:02',
      receiveDate: '2024-04-29T20:58:04',
      resultCode: '1000',
      messageCount: 1,
      recipientGroupingKey: 'RecipientGroupingKey',
      senderGroupingKey: 'SenderGroupingKey',
      href: 'https://sms.api.nhncloudservice.com/sms/v2.4/appKeys/akb3dukdmdjsdSvgk/sender/sms/20240429205802y0Tl7Gbz0e0?recipientSeq=1',
    });
    expect(delivered.raw).toEqual(fixtureJson('message-result.json').hooks[0]);
  });

  test('absent fields are left out of the event and its data, and the keys keep their order', () => {
    const [event] = eventsOf(
      withHook('message-result.json', (hook) => {
        const absent = ['senderType', 'sendNo', 'receiveDate', 'messageCount', 'recipientGroupingKey', '_links'];
        for (const field of absent) delete hook[field];
        hook.senderGroupingKey = null;
      }),
    );
    expect(Object.keys(event)).toEqual([
      'schemaVersion',
      'eventId',
      'provider',
      'channel',
      'type',
      'messageId',
      'status',
      'final',
      'providerStatus',
      'recipient',
      'data',
      'raw',
      'occurredAt',
      'receivedAt',
      'occurredAtRaw',
    ]);
    expect(Object.keys(event.data ?? {})).toEqual([
      'hooksId',
      'webhookConfigId',
      'appKey',
      'event',
      'hookId',
      'requestId',
      'recipientSeq',
      'requestDate',
      'resultCode',
    ]);
  });

  test('a FAILED hook is failed, with the result code and its message as the error', () => {
    expect(failed).toMatchObject({
      messageId: '20240429205802y0Tl7Gbz0e0:2',
      status: 'failed',
      final: true,
      providerStatus: 'FAILED',
      error: { code: '3003', message: 'Error of recipient number type' },
    });
  });

  test('the deployment zone replaces Asia/Seoul for zone-less times', () => {
    const [event] = eventsOf(fixture('message-result.json'), { ...context, timeZone: 'UTC' });
    expect(event.occurredAt).toBe('2024-04-29T20:58:04.000Z');
  });

  test('a multi-hook request gives one event per hook, in order', () => {
    const events = eventsOf(fixture('message-result-multi-hook.json'));
    expect(events.map((event) => [event.messageId, event.status, event.recipient?.e164])).toEqual([
      ['20240501092955ReQuEsT0001:1', 'delivered', '+821022223333'],
      ['20240501092955ReQuEsT0001:2', 'undelivered', '+821044445555'],
      ['20240501092955ReQuEsT0001:3', 'delivered', '+14155550123'],
    ]);
    expect(events[1].error).toEqual({ code: '2003', message: 'Device power off' });
    expect(events[0].sender).toEqual({ raw: '0212345678', e164: '+82212345678' });
  });

  const everyStatus = eventsOf(fixture('message-result-every-status.json'));
  test.each([
    ['COMPLETED', '1000', 'delivered', true],
    ['COMPLETED', '3003', 'undelivered', true],
    ['FAILED', '3001', 'failed', true],
    ['CANCEL', undefined, 'failed', true],
    ['DUPLICATED', undefined, 'rejected', true],
    ['FAILED_AD', undefined, 'rejected', true],
    ['RESERVED', undefined, 'queued', false],
    ['SENDING', undefined, 'sending', false],
    ['RESEND_AD', undefined, 'sending', false],
  ])('%s with resultCode %s is %s (final %s)', (providerStatus, resultCode, status, final) => {
    const event = everyStatus.find((candidate) => candidate.providerStatus === providerStatus && candidate.data?.resultCode === resultCode);
    expect(event).toMatchObject({ status, final });
  });

  test('the every-status fixture and the pre-2024-05 fixture exercise every row of the mapping table', () => {
    const keyOf = (event: NormalizedEvent, withStatus: boolean) =>
      messageResultKey(withStatus ? event.providerStatus : undefined, event.data?.resultCode as string | undefined);
    const keys = [
      ...everyStatus.map((event) => keyOf(event, true)),
      ...eventsOf(fixture('message-result-before-2024-05-no-message-status.json')).map((event) => keyOf(event, false)),
    ];
    expect(new Set(keys)).toEqual(new Set(Object.keys(MESSAGE_RESULT_STATUSES)));
  });

  test('the error code is given when not delivered and the provider gave one, never for success', () => {
    expect(everyStatus.map((event) => event.error?.code)).toEqual([
      undefined,
      '3003',
      '3001',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(everyStatus[1].error).toEqual({ code: '3003', message: 'Error of recipient number type' });
  });

  test('a hook with no receiveDate takes its time from requestDate', () => {
    const reserved = everyStatus.find((event) => event.providerStatus === 'RESERVED');
    expect(reserved).toMatchObject({ occurredAt: '2024-06-01T02:59:59.000Z', occurredAtRaw: '2024-06-01T11:59:59' });
  });

  test('a hook with neither date occurred when it was received', () => {
    const [event] = eventsOf(
      withHook('message-result.json', (hook) => {
        delete hook.receiveDate;
        delete hook.requestDate;
      }),
    );
    expect(event.occurredAt).toBe(context.receivedAt);
    expect(event.occurredAtRaw).toBeUndefined();
  });

  test('an undocumented messageStatus is unknown and not final, kept verbatim', () => {
    const [event] = eventsOf(withHook('message-result.json', (hook) => (hook.messageStatus = 'PARTIALLY_DONE')));
    expect(event).toMatchObject({ type: 'message.status', status: 'unknown', final: false, providerStatus: 'PARTIALLY_DONE' });
  });

  test('a status named like an Object property is unknown, not a prototype lookup', () => {
    const [event] = eventsOf(withHook('message-result.json', (hook) => (hook.messageStatus = '__proto__')));
    expect(event).toMatchObject({ status: 'unknown', final: false });
  });

  test('ids, result codes and numbers sent as the other JSON type read the same', () => {
    const [event] = eventsOf(
      withHook('message-result.json', (hook) => {
        hook.requestId = 20240429205802;
        hook.recipientSeq = '01';
        hook.resultCode = 1000;
        hook.messageCount = '2';
        hook.recipientNo = 1012341234;
      }),
    );
    expect(event).toMatchObject({ messageId: '20240429205802:1', status: 'delivered', data: { resultCode: '1000', messageCount: 2 } });
    expect(event.recipient).toEqual({ raw: '1012341234' });
  });

  test('a COMPLETED hook without a resultCode is undelivered, as the mapping reads', () => {
    const [event] = eventsOf(withHook('message-result.json', (hook) => delete hook.resultCode));
    expect(event).toMatchObject({ status: 'undelivered', final: true });
    expect(event.error).toBeUndefined();
  });

  test('numbers already international stay international', () => {
    const [plus] = eventsOf(withHook('message-result.json', (hook) => (hook.recipientNo = '+14155550123')));
    const [zeros] = eventsOf(withHook('message-result.json', (hook) => (hook.recipientNo = '0014155550123')));
    expect(plus.recipient?.e164).toBe('+14155550123');
    expect(zeros.recipient?.e164).toBe('+14155550123');
  });
});

describe('every documented generation of MESSAGE_RESULT_UPDATE', () => {
  test('before 2024-05 (no messageStatus) the result code decides: 1000 delivered, 0 sending, others failed', () => {
    const events = eventsOf(fixture('message-result-before-2024-05-no-message-status.json'));
    expect(events.map((event) => [event.messageId, event.status, event.final, event.providerStatus])).toEqual([
      ['20240301101455zz9Yx8Wv7U0:1', 'delivered', true, '1000'],
      ['20240301101455zz9Yx8Wv7U0:2', 'failed', true, '3003'],
      ['20240301101455zz9Yx8Wv7U0:3', 'sending', false, '0'],
    ]);
    expect(events[1].error).toEqual({ code: '3003', message: 'Error of recipient number type' });
    expect(events[2].error).toBeUndefined();
  });

  test('before 2022-08 (no recipientNo) the event has no recipient and loses nothing else', () => {
    const [event] = eventsOf(fixture('message-result-before-2022-08-no-recipient-no.json'));
    expect(event).toMatchObject({ messageId: '20220601085958aA1bB2cC3d0:1', status: 'delivered', sender: { raw: '15446859' } });
    expect(event.recipient).toBeUndefined();
  });

  test('a FAILED hook without its resultCode (fixed by NHN on 2024-05-14) is failed, with no error code', () => {
    const [event] = eventsOf(fixture('message-result-failed-without-result-code.json'));
    expect(event).toMatchObject({ status: 'failed', final: true, providerStatus: 'FAILED' });
    expect(event.error).toBeUndefined();
  });

  test('a hook with neither messageStatus nor resultCode is kept as unknown, not final', () => {
    const [event] = eventsOf(withHook('message-result-before-2024-05-no-message-status.json', (hook) => delete hook.resultCode));
    expect(event).toMatchObject({ status: 'unknown', final: false });
  });

  test('the result-code rows are in the mapping table the docs are generated from', () => {
    expect(messageResultKey(undefined, '1000')).toBe('(no messageStatus) resultCode 1000');
    expect(MESSAGE_RESULT_STATUSES['(no messageStatus) other resultCode']).toBe('failed');
  });
});

describe('the doc example with its typos', () => {
  const [event] = eventsOf(fixture('message-result-doc-example.json'));

  test('a trailing comma, "Sms", _link and recipientGropuingKey are all read', () => {
    expect(event).toMatchObject({
      type: 'message.status',
      messageId: '20240429205802y0Tl7Gbz0e0:1',
      status: 'delivered',
      data: {
        webhookConfigId: 'String',
        recipientGroupingKey: 'RecipientGroupingKey',
        href: 'https://api-sms.cloud.toast.com/sms/v2.4/appKeys/{appKey}/sender/sms/20240429205802y0Tl7Gbz0e0?recipientSeq=1',
      },
    });
  });

  test('the correct spelling wins when both are sent', () => {
    const [both] = eventsOf(
      withHook('message-result.json', (hook) => {
        hook.recipientGropuingKey = 'typo';
        hook._link = { self: { href: 'https://example.invalid/typo' } };
      }),
    );
    expect(both.data).toMatchObject({ recipientGroupingKey: 'RecipientGroupingKey', href: expect.stringContaining('nhncloudservice') });
  });
});

describe('INTERNATIONAL_DELIVERY_RECEIPT', () => {
  test('a DELIVERED receipt is delivered, occurred when received, with the network in data', () => {
    const [event] = eventsOf(fixture('dlr.json'));
    expect(event).toMatchObject({
      eventId: eventIdOf('nhncloud-sms', '202409251600118GSDDYTwzX0'),
      type: 'message.status',
      messageId: '20240925160005UvxdDrJ4g20:1',
      status: 'delivered',
      final: true,
      providerStatus: 'DELIVERED',
      occurredAt: context.receivedAt,
      data: { networkCode: 'US-VIRTUAL-BANDWIDTH', errorCode: '0', hooksId: '202409251600118hooksQq000' },
    });
    expect(event.occurredAtRaw).toBeUndefined();
    expect(event.error).toBeUndefined();
    expect(event.recipient).toBeUndefined();
  });

  const everyDlr = eventsOf(fixture('dlr-every-status.json'));
  test.each([
    ['ACCEPTED', 'sent', false, undefined],
    ['BUFFERED', 'sent', false, undefined],
    ['DELIVERED', 'delivered', true, undefined],
    ['EXPIRED', 'expired', true, '4'],
    ['FAILED', 'failed', true, '1'],
    ['REJECTED', 'rejected', true, '2'],
    ['UNKNOWN', 'unknown', true, undefined],
  ])('%s is %s (final %s), error code %s', (dlrStatus, status, final, errorCode) => {
    const event = everyDlr.find((candidate) => candidate.providerStatus === dlrStatus);
    expect(event).toMatchObject({ status, final });
    expect(event?.error?.code).toBe(errorCode);
  });

  test('the fixture exercises every row of the DLR table', () => {
    expect(new Set(everyDlr.map((event) => event.providerStatus))).toEqual(new Set(Object.keys(DLR_STATUSES)));
  });

  test('an undocumented dlrStatus is unknown and not final', () => {
    const [event] = eventsOf(withHook('dlr.json', (hook) => (hook.dlrStatus = 'SKIPPED')));
    expect(event).toMatchObject({ status: 'unknown', final: false, providerStatus: 'SKIPPED' });
  });

  test('errorCode 0 sent as a number is no error', () => {
    const [event] = eventsOf(withHook('dlr.json', (hook) => (hook.errorCode = 0)));
    expect(event.error).toBeUndefined();
  });

  test('a receipt and a result for the same recipient share the messageId', () => {
    const [receipt] = eventsOf(fixture('dlr.json'));
    const [result] = eventsOf(
      withHook('message-result.json', (hook) => {
        hook.requestId = '20240925160005UvxdDrJ4g20';
      }),
    );
    expect(receipt.messageId).toBe(result.messageId);
    expect(receipt.eventId).not.toBe(result.eventId);
  });
});

describe('UNSUBSCRIBE', () => {
  test('an opt-out is recipient.unsubscribed with the 080 number, enterprise and its own offset time', () => {
    const [event] = eventsOf(fixture('unsubscribe.json'));
    expect(event).toMatchObject({
      type: 'recipient.unsubscribed',
      recipient: { raw: '01012341234', e164: '+821012341234' },
      occurredAt: '2020-09-09T02:25:10.000Z',
      occurredAtRaw: '2020-09-09T11:25:10.000+09:00',
      data: { unsubscribeNo: '08012341234', enterpriseName: 'NHN Cloud', event: 'UNSUBSCRIBE' },
    });
    expect(event.messageId).toBeUndefined();
    expect(event.status).toBeUndefined();
  });

  test('an offset time does not depend on the zone setting', () => {
    const [event] = eventsOf(fixture('unsubscribe.json'), { ...context, timeZone: 'America/New_York' });
    expect(event.occurredAt).toBe('2020-09-09T02:25:10.000Z');
  });
});

describe('CONVERSION_BLOCK', () => {
  test('a blocked country is country.blocked at blockedDateTime', () => {
    const [event] = eventsOf(fixture('country-block.json'));
    expect(event).toMatchObject({
      type: 'country.blocked',
      occurredAt: '2024-05-28T00:00:00.000Z',
      occurredAtRaw: '2024-05-28T09:00:00.000+09:00',
      data: { countryCode: '1', event: 'CONVERSION_BLOCK' },
    });
    expect(event.status).toBeUndefined();
  });

  test('the May 2024 doc variant with createdDateTime is read the same way', () => {
    const [event] = eventsOf(fixture('country-block-may-2024.json'));
    expect(event).toMatchObject({
      type: 'country.blocked',
      occurredAt: '2024-05-28T00:00:00.000Z',
      data: { countryCode: 'NORMAL_SMS' },
    });
  });

  test('blockedDateTime wins over createdDateTime', () => {
    const [event] = eventsOf(withHook('country-block.json', (hook) => (hook.createdDateTime = '2020-01-01T00:00:00.000+09:00')));
    expect(event.occurredAt).toBe('2024-05-28T00:00:00.000Z');
  });
});

describe('events this adapter does not know', () => {
  test('an undocumented event gives one provider.unknown per hook, raw kept', () => {
    const body = fixtureJson('unknown-event.json');
    const events = eventsOf(body);
    expect(events).toHaveLength(2);
    for (const [index, event] of events.entries()) {
      expect(event).toMatchObject({ type: 'provider.unknown', raw: body.hooks[index], data: { event: 'SENDER_NUMBER_BLOCKED' } });
      expect(event.status).toBeUndefined();
    }
    expect(events[0].eventId).toBe(eventIdOf('nhncloud-sms', '20250101000000UnKnOwNhK01'));
    expect(events[0].eventId).not.toBe(events[1].eventId);
  });

  test('a hook without a hookId is identified by its content', () => {
    const body = fixtureJson('unknown-event.json');
    const before = eventsOf(body)[1].eventId;
    body.hooks[1].note = 'another hook';
    expect(eventsOf(body)[1].eventId).not.toBe(before);
  });

  test('a product other than SMS is provider.unknown even for a known event name', () => {
    const [event] = eventsOf(fixture('unknown-product.json'));
    expect(event).toMatchObject({ type: 'provider.unknown', data: { productName: 'EMAIL', event: 'MESSAGE_RESULT_UPDATE' } });
  });

  test('the product name is compared without regard to case', () => {
    const body = fixtureJson('message-result.json');
    body.productName = 'sms';
    expect(eventsOf(body)[0].type).toBe('message.status');
  });

  test.each(['constructor', '__proto__', 'toString', 'message_result_update'])('an event named %s is provider.unknown, not a 400', (name) => {
    const body = fixtureJson('message-result.json');
    body.event = name;
    expect(eventsOf(body).map((event) => event.type)).toEqual(['provider.unknown', 'provider.unknown']);
  });

  test('hooks of an unknown event need not be objects', () => {
    const body = { ...fixtureJson('unknown-event.json'), hooks: ['text', 42, null] };
    expect(eventsOf(body).map((event) => event.raw)).toEqual(['text', 42, null]);
  });
});

describe('the console verification request', () => {
  test('the doc placeholder body is a ping with no events', () => {
    expect(normalize(fixture('verification-ping.json'))).toEqual({ events: [], ping: true });
  });

  test.each([
    ['empty hooks', { hooks: [] }],
    ['null hooks', { hooks: null }],
    ['no hooks', { hooks: undefined }],
  ])('an envelope with %s is a ping', (_, change) => {
    expect(normalize({ ...fixtureJson('verification-ping-no-hooks.json'), ...change })).toEqual({ events: [], ping: true });
  });

  test('the placeholder body is a ping even when the rest of the envelope is missing', () => {
    expect(normalize({ appKey: 'String', hooks: [{ hookId: 'String' }] })).toEqual({ events: [], ping: true });
  });

  test('a placeholder appKey with a real hook is events, not a ping', () => {
    const body = { ...fixtureJson('message-result.json'), appKey: 'String' };
    expect(normalize(body)).toEqual({ events: expect.any(Array) });
    expect(eventsOf(body)).toHaveLength(2);
  });

  test('a placeholder appKey with a real but malformed hook is a 400, not a ping', () => {
    const body = { ...fixtureJson('invalid-missing-request-id.json'), appKey: 'String' };
    expect(validationErrorOf(body).field).toBe('hooks.0.requestId');
  });

  test('no request with a real hookId is ever taken for a ping', () => {
    const placeholderish = fc.constantFrom('String', 'string', 'STRING', '', 'akb3dukdmdjsdSvgk');
    const hookId = fc
      .oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 0 }))
      .filter((value) => typeof value !== 'string' || value.toLowerCase() !== 'string');
    fc.assert(
      fc.property(placeholderish, placeholderish, hookId, (appKey, hooksId, id) => {
        const body = { ...fixtureJson('message-result.json'), appKey, hooksId };
        body.hooks[0].hookId = id;
        const result = normalize(body);
        expect(result.ping).toBeUndefined();
        expect(result.events).toHaveLength(2);
      }),
    );
  });
});

describe('invalid bodies', () => {
  test.each([
    ['invalid-hooks-not-array.json', 'hooks'],
    ['invalid-missing-request-id.json', 'hooks.0.requestId'],
    ['invalid-recipient-seq.json', 'hooks.0.recipientSeq'],
    ['invalid-created-date-time.json', 'hooks.0.createdDateTime'],
    ['invalid-dlr-missing-status.json', 'hooks.0.dlrStatus'],
    ['invalid-request-id-lone-surrogate.json', 'hooks.0.requestId'],
  ])('%s is a ValidationError naming %s', (name, field) => {
    expect(validationErrorOf(fixture(name)).field).toBe(field);
  });

  test('a body that is not JSON is a ValidationError that does not quote it', () => {
    const error = validationErrorOf(fixture('invalid-not-json.json'));
    expect(error.field).toBeUndefined();
    expect(error.message).toBe('body is not valid JSON');
  });

  test.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"SMS"'],
    ['null', 'null'],
  ])('%s as the body is a ValidationError', (_, body) => {
    expect(validationErrorOf(body)).toBeInstanceOf(ValidationError);
  });

  test('empty envelope ids are left out of data rather than rejected', () => {
    const [event] = eventsOf({ ...fixtureJson('dlr.json'), hooksId: '', webhookConfigId: '' });
    expect(event.data).not.toHaveProperty('hooksId');
    expect(event.data).not.toHaveProperty('webhookConfigId');
    expect(event.data).toHaveProperty('appKey', 'akb3dukdmdjsdSvgk');
  });

  test('hooks that are not an array are named before the missing fields of the envelope', () => {
    expect(validationErrorOf({ appKey: 'akb3dukdmdjsdSvgk', hooks: { hookId: 'x' } }).field).toBe('hooks');
  });

  test('a missing productName is a ValidationError naming it', () => {
    const body = fixtureJson('message-result.json');
    delete body.productName;
    expect(validationErrorOf(body).field).toBe('productName');
  });

  test('a bad receiveDate is a ValidationError naming it', () => {
    const body = alone(
      withHook('message-result.json', (hook) => (hook.receiveDate = '29/04/2024')),
      0,
    );
    expect(validationErrorOf(body).field).toBe('hooks.0.receiveDate');
  });

  test('an absurdly long id is a ValidationError naming it', () => {
    const error = validationErrorOf(
      alone(
        withHook('message-result.json', (hook) => (hook.requestId = 'x'.repeat(10_000)), 1),
        1,
      ),
    );
    expect(error.field).toBe('hooks.0.requestId');
    expect(error.message).not.toContain('xxxx');
  });

  test('a malformed hook among good ones is kept as provider.unknown with its error; the good ones go through', () => {
    const events = eventsOf(fixtureJson('mixed-hooks-one-missing-request-id.json'));
    expect(events.map((event) => event.type)).toEqual(['message.status', 'provider.unknown']);
    expect(events[0]).toMatchObject({ messageId: '20240429205802y0Tl7Gbz0e0:1', status: 'delivered' });
    expect(events[1]).toMatchObject({
      data: { event: 'MESSAGE_RESULT_UPDATE', invalid: { field: 'hooks.1.requestId' } },
      raw: { hookId: '20240429205810HdTVYuiWB01' },
    });
    expect(eventsOf(fixtureJson('mixed-hooks-one-missing-request-id.json'))[1].eventId).toBe(events[1].eventId);
  });

  test('two requestIds that differ only in a lone surrogate are kept apart as provider.unknown, never merged', () => {
    const events = eventsOf(fixture('mixed-hooks-lone-surrogate-request-ids.json'));
    expect(events.map((event) => event.type)).toEqual(['message.status', 'provider.unknown', 'provider.unknown']);
    expect(events.map((event) => (event.data?.invalid as { field?: string } | undefined)?.field)).toEqual([
      undefined,
      'hooks.1.requestId',
      'hooks.2.requestId',
    ]);
    expect(events[1].eventId).not.toBe(events[2].eventId);
    expect(events[1].messageId).toBeUndefined();
  });

  test.each([
    ['message-result.json', 'hookId'],
    ['message-result.json', 'requestId'],
    ['message-result.json', 'recipientNo'],
    ['unsubscribe.json', 'recipientNo'],
    ['country-block.json', 'countryCode'],
  ])('%s: a lone surrogate in %s is a ValidationError naming it, without echoing it', (name, field) => {
    const error = validationErrorOf(
      alone(
        withHook(name, (hook) => (hook[field] = 'qa-ls-\ud800')),
        0,
      ),
    );
    expect(error.field).toBe(`hooks.0.${field}`);
    expect(error.message).toBe(`hooks.0.${field}: not well-formed Unicode (lone surrogate)`);
  });

  test('a lone surrogate in the envelope event name is a ValidationError naming it', () => {
    expect(validationErrorOf({ ...fixtureJson('unknown-event.json'), event: 'NEW_EVENT\udc00' }).field).toBe('event');
  });

  test('ids with well-formed surrogate pairs (emoji) are accepted', () => {
    const [event] = eventsOf(
      alone(
        withHook('message-result.json', (hook) => (hook.requestId = 'qa-\u{1F600}')),
        0,
      ),
    );
    expect(event.messageId).toBe('qa-\u{1F600}:1');
  });

  test('a request whose every hook is malformed is a 400 naming the first', () => {
    const body = withHook('message-result.json', (hook) => delete hook.requestId);
    delete (body as { hooks: Array<Record<string, unknown>> }).hooks[1].recipientSeq;
    expect(validationErrorOf(body).field).toBe('hooks.0.requestId');
  });

  test('more hooks than the cap is a ValidationError naming hooks', () => {
    const body = fixtureJson('dlr.json');
    body.hooks = Array.from({ length: 1001 }, (_, index) => ({ ...body.hooks[0], hookId: `h${index}` }));
    expect(validationErrorOf(body).field).toBe('hooks');
  });

  test('a negative or fractional recipientSeq is rejected, a digit string is not', () => {
    expect(validationErrorOf(withHook('dlr.json', (hook) => (hook.recipientSeq = -1))).field).toBe('hooks.0.recipientSeq');
    expect(validationErrorOf(withHook('dlr.json', (hook) => (hook.recipientSeq = '1.0'))).field).toBe('hooks.0.recipientSeq');
    expect(eventsOf(withHook('dlr.json', (hook) => (hook.recipientSeq = '7')))[0].messageId).toBe('20240925160005UvxdDrJ4g20:7');
  });
});

describe('trailing commas', () => {
  test.each([
    ['{"a":[1,2,],}', '{"a":[1,2]}'],
    ['{"a": {"b": 1 ,\n\t } , }', '{"a": {"b": 1 \n\t }  }'],
    ['{"a":"x,}","b":",]",}', '{"a":"x,}","b":",]"}'],
    ['{"a":"q\\",]",}', '{"a":"q\\",]"}'],
    ['{"a":1,"b":2}', '{"a":1,"b":2}'],
  ])('%j becomes %j, leaving commas inside strings alone', (input, output) => {
    expect(withoutTrailingCommas(input)).toBe(output);
  });

  test('a huge run of commas is handled in one pass', () => {
    const input = `[1${', '.repeat(300_000)}]`;
    expect(withoutTrailingCommas(input)).toBe(`[1${', '.repeat(299_999)} ]`);
  });

  test('a body that is still not JSON after the repair is a ValidationError', () => {
    expect(validationErrorOf('{"hooks": [,,]}')).toBeInstanceOf(ValidationError);
  });
});

describe('hostile keys', () => {
  test('__proto__, constructor and prototype keys neither pollute nor change the result', () => {
    const clean = eventsOf(fixture('message-result.json'));
    const hostile = fixture('message-result.json')
      .replace('"hooksId"', '"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "hooksId"')
      .replace('"senderType"', '"__proto__": {"polluted": "yes"}, "prototype": {"polluted": "yes"}, "senderType"');
    const events = eventsOf(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const withoutRaw = (list: NormalizedEvent[]) => list.map(({ raw: _raw, ...rest }) => rest);
    expect(withoutRaw(events)).toEqual(withoutRaw(clean));
    for (const event of events) expect(Object.getPrototypeOf(event.data)).toBe(Object.prototype);
  });
});

describe('the account an event names (appKey)', () => {
  const accountsOf = (body: string | object) => eventsOf(body).map((event) => nhncloudSms.accountOf?.(event));

  test.each(validFixtures.filter((name) => !name.startsWith('verification-')))('every event of %s names the envelope appKey', (name) => {
    const { appKey } = JSON.parse(withoutTrailingCommas(fixture(name)));
    const accounts = accountsOf(fixture(name));
    expect(accounts.length).toBeGreaterThan(0);
    expect(accounts).toEqual(accounts.map(() => appKey));
  });

  test('a hook kept as provider.unknown for its error still names the appKey', () => {
    const events = eventsOf(fixture('mixed-hooks-one-missing-request-id.json'));
    const invalid = events.find((event) => event.data?.invalid !== undefined)!;
    expect(invalid.type).toBe('provider.unknown');
    expect(nhncloudSms.accountOf?.(invalid)).toBe('akb3dukdmdjsdSvgk');
  });

  test('an appKey sent as a number names the account by its digits', () => {
    expect(accountsOf({ ...fixtureJson('dlr.json'), appKey: 12345 })).toEqual(['12345']);
  });

  test.each([
    ['no appKey', undefined],
    ['a null appKey', null],
    ['an empty appKey', ''],
  ])('an envelope with %s names no account', (_name, appKey) => {
    expect(accountsOf({ ...fixtureJson('dlr.json'), appKey })).toEqual([undefined]);
  });

  test('the placeholder appKey with a real hook is named as it is, so a list of our own refuses it', () => {
    expect(accountsOf({ ...fixtureJson('dlr.json'), appKey: 'String' })).toEqual(['String']);
  });

  test('the account is read from the event, never from a hook field of the same name', () => {
    const body = withHook('dlr.json', (hook) => {
      hook.appKey = 'from-the-hook';
    });
    expect(accountsOf(body)).toEqual(['akb3dukdmdjsdSvgk']);
  });
});

describe('reply and catalog', () => {
  test('every event queued is a 200 that counts them; one missing is a 503 to retry', () => {
    const normalized = normalize(fixture('message-result.json'));
    const ids = normalized.events.map((event) => event.eventId);
    const ok = nhncloudSms.reply({ normalized, queued: new Set(ids) });
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, accepted: 2 });
    expect(nhncloudSms.reply({ normalized, queued: new Set(ids.slice(1)) }).statusCode).toBe(503);
  });

  test('a ping is answered 200 as a ping', () => {
    const normalized = normalize(fixture('verification-ping.json'));
    const reply = nhncloudSms.reply({ normalized, queued: new Set() });
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ ok: true, ping: true });
  });

  test('the catalog lists the four documented events with their status tables', () => {
    expect(nhncloudSms.catalog).toEqual([
      { providerEvent: 'MESSAGE_RESULT_UPDATE', type: 'message.status', channel: 'sms', statuses: MESSAGE_RESULT_STATUSES },
      { providerEvent: 'INTERNATIONAL_DELIVERY_RECEIPT', type: 'message.status', channel: 'sms', statuses: DLR_STATUSES },
      { providerEvent: 'UNSUBSCRIBE', type: 'recipient.unsubscribed', channel: 'sms' },
      { providerEvent: 'CONVERSION_BLOCK', type: 'country.blocked', channel: 'sms' },
    ]);
  });

  test('the adapter authenticates with the console signature header and reads Seoul time', () => {
    expect(nhncloudSms).toMatchObject({
      id: 'nhncloud-sms',
      authentication: 'headers',
      credentialHeaders: ['X-Toast-Webhook-Signature'],
      defaultTimeZone: 'Asia/Seoul',
    });
  });
});
