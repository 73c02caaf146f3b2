/**
 * InnoPaaS SMS status report push: JSON with the receiving credentials in the body, or the parent platform's GET
 * form answered `OK`. InnoPaaS signs nothing and no vector exists: the body credentials are compared as sent,
 * tested through the ingest handler below.
 */
import { NormalizedEventSchema } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { webhookRequest } from '../../../functions/providers/common';
import {
  ANY_OTHER_CODE,
  INNOPAAS_SMS_STATUSES,
  innopaasSms,
  innopaasSmsReply,
  innopaasSmsStatusKey,
} from '../../../functions/providers/innopaas-sms';
import type { NormalizeContext } from '../../../functions/providers/types';
import { adapterRequestOf } from '../../../local/fixtures';
import { validationErrorOf } from '../../support/errors';
import { invalidFixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { ingestHarness, useIngestSuite } from '../ingest/harness';

const PROVIDER = 'innopaas-sms';
const JSON_TYPE = 'application/json';
const RECEIVED_AT = '2024-01-15T10:35:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: innopaasSms.defaultTimeZone };

const fixture = (name: string) => validFixtures(PROVIDER).find((candidate) => candidate.name === name)!;
const fixtureObject = (name: string) => JSON.parse(fixture(name).body) as Record<string, unknown>;
const only = (body: Record<string, unknown>) => {
  const { events } = innopaasSms.normalize(webhookRequest({ body: JSON.stringify(body), contentType: JSON_TYPE }), CONTEXT);
  expect(events).toHaveLength(1);
  return events[0];
};
const normalizeFixture = (name: string) => innopaasSms.normalize(adapterRequestOf(fixture(name)), CONTEXT).events[0];

describe('innopaas-sms adapter', () => {
  describe('fixtures', () => {
    it.each(validFixtures(PROVIDER).map((f) => [f.name, f] as const))('%s: one schema-valid status event, no password in it', (_name, f) => {
      const { events } = innopaasSms.normalize(adapterRequestOf(f), CONTEXT);
      expect(events).toHaveLength(1);
      expect(NormalizedEventSchema.safeParse(events[0]).success).toBe(true);
      expect(JSON.stringify(events[0])).not.toContain('dev-innopaas-sms-password');
      expect(events[0].raw).not.toHaveProperty('pswd');
      expect(events[0].raw).not.toHaveProperty('receiver');
    });

    it.each([
      ['invalid-missing-msgid.json', 'msgid'],
      ['invalid-report-time.json', 'reportTime'],
      ['invalid-status-missing.json', 'status'],
      ['invalid-get-status-missing.query', 'status'],
    ])('%s is refused with a 400 naming %s', (name, field) => {
      const f = invalidFixtures(PROVIDER).find((candidate) => candidate.name === name)!;
      const error = validationErrorOf(() => innopaasSms.normalize(adapterRequestOf(f), CONTEXT));
      expect([error.statusCode, error.field]).toEqual([400, field]);
    });

    it('refuses a JSON body that is not one object', () => {
      for (const body of ['[{"msgid":"1","status":"DELIVRD"}]', '"DELIVRD"', 'msgid=1']) {
        expect(validationErrorOf(() => innopaasSms.normalize(webhookRequest({ body, contentType: JSON_TYPE }), CONTEXT)).statusCode).toBe(400);
      }
    });
  });

  describe('the JSON push', () => {
    it('reads the report: msgid:mobile, epoch-millisecond time, price, network, segments', () => {
      const event = normalizeFixture('status-delivered.json');
      expect(event).toMatchObject({
        type: 'message.status',
        channel: 'sms',
        messageId: '24011510301234567',
        status: 'delivered',
        final: true,
        providerStatus: 'DELIVRD',
        recipient: { raw: '6281234567890', e164: '+6281234567890' },
        occurredAt: '2024-01-15T10:31:00.000Z',
        occurredAtRaw: '1705314660000',
        segments: 1,
        price: { amount: '0.0350', currency: 'USD' },
        network: { mcc: '510', mnc: '10', carrier: 'Telkomsel' },
        data: { msgid: '24011510301234567', batchSeq: 'b-20240115-01', uid: 'order-42', notifyTime: '1705314661000' },
      });
      expect(event.error).toBeUndefined();
      expect(event.raw).toEqual({ ...fixtureObject('status-delivered.json'), receiver: undefined, pswd: undefined });
      expect(event.data).not.toHaveProperty('receiver');
    });

    it('reads numbers where strings are documented, a price among them', () => {
      expect(normalizeFixture('status-undelivered-numeric.json')).toMatchObject({
        messageId: '240115103012345',
        status: 'undelivered',
        occurredAt: '2024-01-15T10:33:00.000Z',
        price: { amount: '0.035', currency: 'USD' },
        network: { mcc: '510', mnc: '10' },
      });
    });

    it('gives a vendor failure code as the error and keeps a 00-prefixed number', () => {
      expect(normalizeFixture('status-failed.json')).toMatchObject({
        status: 'failed',
        final: true,
        error: { code: 'MK:0001', message: 'absent subscriber' },
        recipient: { raw: '0085291234567', e164: '+85291234567' },
        segments: 2,
        price: { amount: '0.0420', currency: 'USD' },
      });
    });

    it('uses notifyTime when reportTime is absent', () => {
      const { reportTime: _reportTime, ...rest } = fixtureObject('status-delivered.json');
      expect(only(rest)).toMatchObject({ messageId: '24011510301234567', occurredAt: '2024-01-15T10:31:01.000Z' });
    });

    it('keeps the reports of two numbers of one msgid as two events of that msgid, without a phone number in the id', () => {
      const first = only(fixtureObject('status-delivered.json'));
      const second = only({ ...fixtureObject('status-delivered.json'), mobile: '6281234567899' });
      expect(second.messageId).toBe(first.messageId);
      expect(second.eventId).not.toBe(first.eventId);
      expect(first.messageId).not.toContain('6281234567890');
    });

    it('keeps billing and network values it cannot read out of price and network, never refusing', () => {
      const event = only({
        ...fixtureObject('status-delivered.json'),
        fee: 'n/a',
        unitPrice: null,
        currency: 'dollars',
        mcc: '51',
        mnc: 'x',
        mnoName: null,
        smsNum: '0',
      });
      expect(event.price).toBeUndefined();
      expect(event.network).toBeUndefined();
      expect(event.segments).toBeUndefined();
      expect(event.status).toBe('delivered');
    });

    it('gives a repeated push the same event id and another status another', () => {
      const body = fixtureObject('status-delivered.json');
      expect(only({ ...body, notifyTime: '1705314721000' }).eventId).toBe(only(body).eventId);
      expect(only({ ...body, status: 'UNDELIV' }).eventId).not.toBe(only(body).eventId);
    });
  });

  describe('the GET form', () => {
    it('reads the query; its zone-less yyMMddHHmm times stay raw and occurredAt is the receipt time', () => {
      expect(normalizeFixture('status-get.query')).toMatchObject({
        messageId: '24011510301234570',
        status: 'delivered',
        occurredAt: RECEIVED_AT,
        data: { reportTime: '2401151031', notifyTime: '240115103105', batchSeq: 'b-20240115-02' },
      });
      expect(normalizeFixture('status-get.query').occurredAtRaw).toBeUndefined();
      expect(normalizeFixture('status-get-expired.query')).toMatchObject({ status: 'expired', messageId: '24011510301234571' });
    });
  });

  describe('statuses', () => {
    it.each(Object.entries(INNOPAAS_SMS_STATUSES))('maps %s to %s', (code, canonical) => {
      const sent = code === ANY_OTHER_CODE ? 'MN:0011' : code;
      expect(innopaasSmsStatusKey(sent)).toBe(code);
      expect(only({ ...fixtureObject('status-delivered.json'), status: sent })).toMatchObject({
        status: canonical,
        final: STATUS_TABLE[canonical].final,
        providerStatus: sent,
      });
    });

    it('treats every code but DELIVRD as a failure, as the docs say', () => {
      for (const code of ['UNKNOWN', 'ACCEPTD', 'ID:0012', '__proto__']) {
        expect(only({ ...fixtureObject('status-delivered.json'), status: code })).toMatchObject({ status: 'failed', final: true, error: { code } });
      }
    });

    it('catalogs the push with its table and proves origin by body credentials', () => {
      expect(innopaasSms.catalog[0].statuses).toBe(INNOPAAS_SMS_STATUSES);
      expect(innopaasSms).toMatchObject({ authentication: 'body-credentials', methods: ['GET', 'POST'] });
    });
  });

  it('replies a plain-text OK once queued, else a 503', () => {
    const event = normalizeFixture('status-delivered.json');
    expect(innopaasSmsReply({ normalized: { events: [event] }, queued: new Set([event.eventId]) })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'OK',
    });
    expect(innopaasSmsReply({ normalized: { events: [event] }, queued: new Set() }).statusCode).toBe(503);
  });
});

describe('innopaas-sms through the ingest handler', () => {
  const suite = useIngestSuite();
  const post = { provider: PROVIDER, contentType: JSON_TYPE, body: fixture('status-delivered.json').body };
  const get = { provider: PROVIDER, method: 'GET' as const, body: fixture('status-get.query').body };
  const wrongPassword = { credentials: { bodyCredentials: [{ receiver: 'dev-innopaas-sms', pswd: 'not-the-password' }] } };

  it('accepts the JSON push and the GET form with the configured receiver and pswd, answering OK', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, PROVIDER);
    for (const call of [post, get]) {
      const response = await handler(await signedWebhookEvent(call));
      expect([response.statusCode, response.body]).toEqual([200, 'OK']);
    }
    const queued = await events(2);
    expect(queued).toHaveLength(2);
    for (const message of queued) expect(message.Body).not.toContain('dev-innopaas-sms-password');
    expect(suite.output.lines.join('\n')).not.toContain('dev-innopaas-sms-password');
  });

  it('keeps an invalid report on the rejected queue without the password it carried', async () => {
    const { handler, rejected } = await ingestHarness(suite.sqs.client, PROVIDER);
    const invalid = {
      provider: PROVIDER,
      contentType: JSON_TYPE,
      body: invalidFixtures(PROVIDER).find((f) => f.name === 'invalid-missing-msgid.json')!.body,
    };
    expect((await handler(await signedWebhookEvent(invalid))).statusCode).toBe(400);
    const [kept] = await rejected(1);
    const body = Buffer.from((JSON.parse(kept.Body!) as { bodyBase64: string }).bodyBase64, 'base64').toString('utf8');
    expect(body).toContain('"pswd": "***"');
    expect(body).not.toContain('dev-innopaas-sms-password');
    expect(body).toContain('"status": "DELIVRD"');
  });

  it('refuses a wrong password or no credentials with a 401, in the body or the query, and queues nothing', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, PROVIDER);
    const withoutCredentials = JSON.stringify({ ...fixtureObject('status-delivered.json'), receiver: undefined, pswd: undefined });
    const responses = [
      await handler(await signedWebhookEvent(post, { material: wrongPassword })),
      await handler(await signedWebhookEvent(get, { material: wrongPassword })),
      await handler(await signedWebhookEvent({ ...post, body: withoutCredentials }, { material: { credentials: {} } })),
      await handler(await signedWebhookEvent(get, { material: { credentials: {} } })),
    ];
    expect(responses.map((response) => response.statusCode)).toEqual([401, 401, 401, 401]);
    expect(suite.output.lines.join('\n')).not.toMatch(/not-the-password|dev-innopaas-sms-password/);
    expect(await eventsDepth()).toBe(0);
  });
});
