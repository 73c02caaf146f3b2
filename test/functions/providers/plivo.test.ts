import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { parseForm } from '../../../functions/origin/form';
import { webhookRequest } from '../../../functions/providers/common';
import {
  PLIVO_MA_V2_HEADER,
  PLIVO_STATUSES,
  PLIVO_V2_HEADER,
  PLIVO_V2_NONCE_HEADER,
  PLIVO_V3_HEADER,
  PLIVO_V3_NONCE_HEADER,
  partOf,
  plivo,
  plivoSignature,
  plivoV3Base,
} from '../../../functions/providers/plivo';
import type { NormalizeContext } from '../../../functions/providers/types';
import type { OutgoingRequest } from '../../../functions/origin/types';
import { validationErrorOf } from '../../support/errors';
import { invalidFixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { faultyClient, ingestHarness, jsonBody, useIngestSuite } from '../ingest/harness';
import { OPTIONS, arrived, outgoing } from '../origin/support';

const FIXTURES = join(__dirname, '../../events/plivo');
const RECEIVED_AT = '2024-05-02T10:01:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: plivo.defaultTimeZone };
const FORM = 'application/x-www-form-urlencoded';

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').trim();
const normalizeForm = (body: string) => plivo.normalize(webhookRequest({ body, contentType: FORM }), CONTEXT).events;
const normalizeQuery = (query: string) => plivo.normalize(webhookRequest({ method: 'GET', body: '', rawQuery: query }), CONTEXT).events;
const only = (body: string) => {
  const events = normalizeForm(body);
  expect(events).toHaveLength(1);
  return events[0];
};
const withField = (name: string, field: string, value: string) =>
  fixture(name).replace(new RegExp(`(^|&)${field}=[^&]*`), `$1${field}=${encodeURIComponent(value)}`);

describe('plivo adapter', () => {
  describe('fixtures', () => {
    it.each(validFixtures('plivo').map((f) => [f.name, f] as const))('%s normalizes to one schema-valid event', (_name, f) => {
      const events = f.method === 'GET' ? normalizeQuery(f.body) : normalizeForm(f.body);
      expect(events).toHaveLength(1);
      expect(NormalizedEventSchema.safeParse(events[0]).success).toBe(true);
      expect(events[0].provider).toBe('plivo');
    });

    it.each([
      ['invalid-missing-message-uuid.form', 'MessageUUID'],
      ['invalid-inbound-missing-from.form', 'From'],
      ['invalid-repeated-status.form', 'Status'],
    ])('%s is refused naming %s', (name, field) => {
      expect(validationErrorOf(() => normalizeForm(fixture(name))).field).toBe(field);
    });

    it('has a test for every invalid fixture', () => {
      expect(invalidFixtures('plivo')).toHaveLength(3);
    });
  });

  describe('status callbacks', () => {
    it('reads a delivered SMS: units, price, network, sequence, and its zone-less times kept raw and not trusted', () => {
      const event = only(fixture('status-delivered.form'));
      expect(event).toMatchObject({
        type: 'message.status',
        channel: 'sms',
        messageId: 'db3ce55a-7f1d-11e1-8ea7-1231380bc196',
        status: 'delivered',
        final: true,
        providerStatus: 'delivered',
        recipient: { raw: '14155550002', e164: '+14155550002' },
        sender: { raw: '14155550001', e164: '+14155550001' },
        segments: 1,
        price: { amount: '0.00500', currency: 'USD' },
        network: { mcc: '310', mnc: '260' },
        data: {
          sequence: 3,
          errorCode: '000',
          totalRate: '0.00500',
          parentMessageUuid: 'db3ce55a-7f1d-11e1-8ea7-1231380bc196',
          messageTime: '2024-05-02 10:00:01.123456',
          queuedTime: '2024-05-02 10:00:01.234567',
          sentTime: '2024-05-02 10:00:02.345678',
          deliveryReportTime: '2024-05-02 10:00:05.456789',
        },
      });
      // No zone is stated, so none is assumed: the receipt time stands.
      expect(event.occurredAt).toBe(RECEIVED_AT);
      expect(event.occurredAtRaw).toBeUndefined();
      expect(event.error).toBeUndefined();
    });

    it('reads the same callback sent as a GET query', () => {
      expect(normalizeQuery(fixture('status-delivered.query'))[0]).toMatchObject({
        status: 'delivered',
        messageId: '5f6e7d8c-7f1d-11e1-8ea7-1231380bc196',
      });
    });

    it.each([
      ['status-undelivered.form', 'undelivered', '70'],
      ['status-failed.form', 'failed', '900'],
      ['status-rejected.form', 'rejected', '30'],
    ])('%s carries its ErrorCode as the error', (name, status, code) => {
      expect(only(fixture(name))).toMatchObject({ status, error: { code } });
    });

    it('keeps a part of a long SMS linked to its first part', () => {
      expect(only(fixture('status-multipart-part-2.form'))).toMatchObject({
        messageId: 'c5d6e7f8-7f1d-11e1-8ea7-1231380bc196',
        part: { ref: 'db3ce55a-7f1d-11e1-8ea7-1231380bc196', index: 2, total: 3 },
        data: { parentMessageUuid: 'db3ce55a-7f1d-11e1-8ea7-1231380bc196', partInfo: '2 of 3' },
      });
      expect(partOf('p', '3/3')).toEqual({ ref: 'p', index: 3, total: 3 });
      expect(partOf('p', 'reserved')).toBeUndefined();
      expect(partOf('p', '4 of 3')).toBeUndefined();
      expect(partOf(undefined, '1 of 2')).toBeUndefined();
      // A message in one part is no part of anything: recorded and published as before.
      expect(partOf('p', '1 of 1')).toBeUndefined();
    });

    it('reads a WhatsApp read receipt with its conversation', () => {
      expect(only(fixture('status-read-whatsapp.form'))).toMatchObject({
        channel: 'whatsapp',
        status: 'read',
        data: { conversationOrigin: 'utility', conversationId: 'd1f2e3a4b5c6d7e8f9a0b1c2d3e4f5a6' },
      });
    });

    it('gives each callback of one message its own event id, and a retry the same', () => {
      const ids = ['status-queued.form', 'status-sent.form', 'status-delivered.form'].map((name) => only(fixture(name)).eventId);
      expect(new Set(ids).size).toBe(3);
      expect(only(fixture('status-delivered.form')).eventId).toBe(ids[2]);
    });
  });

  describe('statuses', () => {
    it.each(Object.entries(PLIVO_STATUSES))('maps %s to %s', (status, canonical) => {
      expect(only(withField('status-delivered.form', 'Status', status))).toMatchObject({
        status: canonical,
        final: STATUS_TABLE[canonical].final,
        providerStatus: status,
      });
    });

    it('keeps an unlisted status as unknown, non-final', () => {
      expect(only(fixture('status-unlisted.form'))).toMatchObject({ status: 'unknown', final: false, providerStatus: 'accepted' });
    });

    it('sets no error for ErrorCode 000 or on a success', () => {
      expect(only(withField('status-undelivered.form', 'ErrorCode', '000')).error).toBeUndefined();
      expect(only(withField('status-delivered.form', 'ErrorCode', '70')).error).toBeUndefined();
    });
  });

  describe('inbound', () => {
    it('reads an inbound SMS (form and GET alike)', () => {
      expect(only(fixture('inbound-sms.form'))).toMatchObject({
        type: 'message.inbound',
        messageId: '2e7b1c8a-7f1e-11e1-8ea7-1231380bc196',
        sender: { e164: '+14155550002' },
        recipient: { e164: '+14155550001' },
        data: { text: 'Hello, is this still available?' },
      });
      expect(normalizeQuery(fixture('inbound-sms.query'))[0]).toMatchObject({ type: 'message.inbound', data: { text: 'STOP' } });
    });

    it('reads an inbound MMS with its media in order', () => {
      expect(only(fixture('inbound-mms.form'))).toMatchObject({
        channel: 'mms',
        price: { amount: '0.01000', currency: 'USD' },
        data: {
          media: [
            { url: 'https://media.plivo.com/Account/MAXXXX/Message/4a9d3e0c/Media/1.jpg', contentType: 'image/jpeg' },
            { url: 'https://media.plivo.com/Account/MAXXXX/Message/4a9d3e0c/Media/2.png', contentType: 'image/png' },
          ],
        },
      });
    });
  });
});

describe('plivo signatures', () => {
  const verify = async (request: OutgoingRequest, key: string, overrides = {}) =>
    (await plivoSignature.verify(arrived(request, overrides), { signingKeys: [key] }, OPTIONS)).ok;

  describe('V2 (published vectors)', () => {
    // Source: plivo/plivo-node @ 4889b056, test/utils.js; plivo/plivo-python @ 8779d2c4, tests/resources/test_signature.py.
    const v2 = (nonce: string, header = PLIVO_V2_HEADER) =>
      outgoing({ url: 'https://answer.url', headers: { [header]: 'ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc=', [PLIVO_V2_NONCE_HEADER]: nonce } });
    test('the published valid vector verifies, in X-Plivo-Signature-V2 and in X-Plivo-Signature-Ma-V2', async () => {
      expect(await verify(v2('12345'), 'my_auth_token')).toBe(true);
      expect(await verify(v2('12345', PLIVO_MA_V2_HEADER), 'my_auth_token')).toBe(true);
    });
    test('the published invalid vectors do not (another token; another token and nonce)', async () => {
      expect(await verify(v2('12345'), 'my_auth_tokens')).toBe(false);
      expect(await verify(v2('123456'), 'my_auth_tokens')).toBe(false);
    });
    test('either of V2 and Ma-V2 matching is enough', async () => {
      const both = v2('12345');
      const request = { ...both, headers: { ...both.headers, [PLIVO_MA_V2_HEADER]: 'bm90IGl0' } };
      expect(await verify(request, 'my_auth_token')).toBe(true);
    });
  });

  describe('V3 (DERIVED vectors: Plivo publishes none)', () => {
    // Derived: HMAC-SHA256('my_auth_token', base + '.' + '12345') in base64, each base string written out by hand from
    // plivo-node @ 4889b056 lib/utils/v3Security.js (construct_get_url / construct_post_url), computed once and pinned.
    const form = parseForm('Status=delivered&From=14155550001&MessageUUID=abc');
    test.each([
      [
        'POST with a query',
        'POST',
        'https://example.com/webhooks/plivo?x=1',
        form,
        'https://example.com/webhooks/plivo?x=1.From14155550001MessageUUIDabcStatusdelivered',
        'PXkb/BdJp2/YE4n7JWhbmSNAhgGPpDd1d+lN3gwh+ZQ=',
      ],
      [
        'POST without a query',
        'POST',
        'https://example.com/webhooks/plivo',
        form,
        'https://example.com/webhooks/plivo?From14155550001MessageUUIDabcStatusdelivered',
        'sJKd3OLoymf5zp4V/EnvQE9YSR0/jHCGQljG6R/p08E=',
      ],
      [
        'GET',
        'GET',
        'https://example.com/webhooks/plivo?Status=delivered&From=14155550001&MessageUUID=abc',
        [],
        'https://example.com/webhooks/plivo?From=14155550001&MessageUUID=abc&Status=delivered',
        'MEcnFUz88zBmuM2HXEAO4ERPGdIaYZHvvC4FOk3Nkag=',
      ],
    ] as const)("%s: the base string is plivo-node's, and the derived signature verifies", async (_name, method, url, params, base, signature) => {
      expect(plivoV3Base(method, url, params)[0]).toBe(base);
      const request = outgoing({
        method,
        url,
        headers: { 'content-type': FORM, [PLIVO_V3_HEADER]: signature, [PLIVO_V3_NONCE_HEADER]: '12345' },
        body: method === 'GET' ? Buffer.alloc(0) : Buffer.from('Status=delivered&From=14155550001&MessageUUID=abc'),
      });
      expect(await verify(request, 'my_auth_token')).toBe(true);
      expect(await verify(request, 'my_auth_tokens')).toBe(false);
      // Several comma-separated signatures (one per active token): any match is enough.
      const several = { ...request, headers: { ...request.headers, [PLIVO_V3_HEADER]: `bm90IGl0,${signature}` } };
      expect(await verify(several, 'my_auth_token')).toBe(true);
      // A changed parameter value breaks it.
      const changed = {
        ...request,
        url: url.replace('delivered', 'delivereD'),
        body: Buffer.from(request.body.toString('utf8').replace('delivered', 'delivereD')),
      };
      expect(await verify(changed, 'my_auth_token')).toBe(false);
    });

    test('a present V3 decides: a wrong V3 beside a right V2 is refused', async () => {
      const request = outgoing({
        url: 'https://answer.url',
        headers: {
          [PLIVO_V2_HEADER]: 'ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc=',
          [PLIVO_V2_NONCE_HEADER]: '12345',
          [PLIVO_V3_HEADER]: 'bm90IGl0',
          [PLIVO_V3_NONCE_HEADER]: '12345',
        },
      });
      expect(await verify(request, 'my_auth_token')).toBe(false);
    });
  });
});

describe('plivo through the ingest handler', () => {
  const suite = useIngestSuite();
  const formCall = (body = fixture('status-delivered.form')) => ({ provider: 'plivo', contentType: FORM, body });
  const withoutV3 = (request: OutgoingRequest): OutgoingRequest => ({
    ...request,
    headers: { ...request.headers, [PLIVO_V3_HEADER]: '', [PLIVO_V3_NONCE_HEADER]: '' },
  });

  it('accepts a signed form POST (V3 and V2 present) and queues its event', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, 'plivo');
    const response = await handler(await signedWebhookEvent(formCall()));
    expect(response.statusCode).toBe(200);
    expect(jsonBody(response)).toEqual({ ok: true, accepted: 1 });
    const [message] = await events(1);
    expect(JSON.parse(message.Body!) as NormalizedEvent).toMatchObject({ provider: 'plivo', status: 'delivered' });
  });

  it('accepts V2 alone, as Plivo documents it for messaging', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'plivo');
    expect((await handler(await signedWebhookEvent(formCall(), { tamper: withoutV3 }))).statusCode).toBe(200);
  });

  it('accepts a signed GET callback', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, 'plivo');
    const response = await handler(await signedWebhookEvent({ provider: 'plivo', method: 'GET', body: fixture('status-delivered.query') }));
    expect(response.statusCode).toBe(200);
    expect((JSON.parse((await events(1))[0].Body!) as NormalizedEvent).messageId).toBe('5f6e7d8c-7f1d-11e1-8ea7-1231380bc196');
  });

  const wrongKey = { credentials: { signingKeys: ['not-the-dev-auth-token'] } };
  it.each([
    ['signed with another Auth Token', { material: wrongKey }],
    [
      'with one byte of a signed parameter changed (V3)',
      { tamper: (r: OutgoingRequest) => ({ ...r, body: Buffer.from(r.body.toString('utf8').replace('Status=delivered', 'Status=delivereD')) }) },
    ],
    [
      'with one byte of the signed URL changed (V2 alone)',
      { tamper: (r: OutgoingRequest) => withoutV3({ ...r, url: r.url.replace('/webhooks/plivo', '/webhooks/plivo/x') }) },
    ],
    [
      'with another nonce (V2 alone)',
      { tamper: (r: OutgoingRequest) => withoutV3({ ...r, headers: { ...r.headers, [PLIVO_V2_NONCE_HEADER]: 'another' } }) },
    ],
    ['without any signature header', { tamper: (r: OutgoingRequest) => withoutV3({ ...r, headers: { ...r.headers, [PLIVO_V2_HEADER]: '' } }) }],
  ])('refuses a request %s with 401, queuing nothing', async (_name, options) => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'plivo');
    const response = await handler(await signedWebhookEvent(formCall(), options as object));
    expect(response.statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('signs no timestamp: an old signed request still verifies, and its retry is the same event (de-duplicated downstream)', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, 'plivo');
    const event = await signedWebhookEvent(formCall(), { now: Date.UTC(2020, 0, 1) });
    expect((await handler(event)).statusCode).toBe(200);
    expect((await handler(event)).statusCode).toBe(200);
    const ids = (await events(2)).map((message) => (JSON.parse(message.Body!) as NormalizedEvent).eventId);
    expect(ids[0]).toBe(ids[1]);
  });

  it('answers 503 when the queue refuses the event, so Plivo may retry', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'plivo', { sqs: faultyClient(suite.sqs.endpoint, () => 'fail') });
    expect((await handler(await signedWebhookEvent(formCall()))).statusCode).toBe(503);
  });

  it('answers 400 naming the field for a signed but invalid callback', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'plivo');
    const response = await handler(await signedWebhookEvent(formCall(fixture('invalid-missing-message-uuid.form'))));
    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toMatchObject({ error: 'invalid_body', field: 'MessageUUID' });
  });
});
