import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import type { OutgoingRequest } from '../../../functions/origin/types';
import { webhookRequest } from '../../../functions/providers/common';
import { MESSAGEBIRD_SIGNATURE_HEADER, MESSAGEBIRD_STATUSES, messagebird, messagebirdSignature } from '../../../functions/providers/messagebird';
import { recipientMessageIdOf } from '../../../functions/providers/recipients';
import type { NormalizeContext } from '../../../functions/providers/types';
import { validationErrorOf } from '../../support/errors';
import { invalidFixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { faultyClient, ingestHarness, jsonBody, useIngestSuite } from '../ingest/harness';
import { OPTIONS, arrived, outgoing } from '../origin/support';
import { MESSAGEBIRD_REFERENCE_CASES, MESSAGEBIRD_REFERENCE_SECRET } from './messagebird-jwt-reference';

const FIXTURES = join(__dirname, '../../events/messagebird');
const RECEIVED_AT = '2024-05-02T10:10:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: messagebird.defaultTimeZone };
const JSON_TYPE = 'application/json';

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').trim();
const normalizeQuery = (query: string) => messagebird.normalize(webhookRequest({ method: 'GET', body: '', rawQuery: query }), CONTEXT).events;
const normalizeJson = (body: string) => messagebird.normalize(webhookRequest({ body, contentType: JSON_TYPE }), CONTEXT).events;
const only = (query: string) => {
  const events = normalizeQuery(query);
  expect(events).toHaveLength(1);
  return events[0];
};
const withField = (name: string, field: string, value: string) =>
  fixture(name).replace(new RegExp(`(^|&)${field}=[^&]*`), `$1${field}=${encodeURIComponent(value)}`);

describe('messagebird adapter', () => {
  describe('fixtures', () => {
    it.each(validFixtures('messagebird').map((f) => [f.name, f] as const))('%s normalizes to one schema-valid event', (_name, f) => {
      const events = f.method === 'GET' ? normalizeQuery(f.body) : normalizeJson(f.body);
      expect(events).toHaveLength(1);
      expect(NormalizedEventSchema.safeParse(events[0]).success).toBe(true);
      expect(events[0].provider).toBe('messagebird');
    });

    it.each([
      ['invalid-status-missing-id.query', 'id'],
      ['invalid-status-datetime.query', 'statusDatetime'],
    ])('%s is refused naming %s', (name, field) => {
      expect(validationErrorOf(() => normalizeQuery(fixture(name))).field).toBe(field);
    });

    it('refuses a JSON body that is not an object, or nested too deep', () => {
      expect(validationErrorOf(() => normalizeJson(fixture('invalid-not-an-object.json'))).message).toBe('expected object');
      expect(validationErrorOf(() => normalizeJson(fixture('invalid-nested-too-deep.json'))).message).toMatch(/nested deeper/);
    });

    it('has a test for every invalid fixture', () => {
      expect(invalidFixtures('messagebird')).toHaveLength(4);
    });
  });

  describe('status reports', () => {
    it('reads a delivered report: per-recipient message id, price, network, reason, time', () => {
      const event = only(fixture('status-delivered.query'));
      expect(event).toMatchObject({
        type: 'message.status',
        channel: 'sms',
        messageId: recipientMessageIdOf('efa6405d518d4c0c88cce11f7db775fb', '31612345678'),
        status: 'delivered',
        final: true,
        providerStatus: 'delivered',
        recipient: { raw: '31612345678', e164: '+31612345678' },
        price: { amount: '0.07', currency: 'EUR' },
        network: { mcc: '204', mnc: '08' },
        occurredAt: '2024-05-02T10:00:03.000Z',
        occurredAtRaw: '2024-05-02T10:00:03+00:00',
        data: { messagebirdId: 'efa6405d518d4c0c88cce11f7db775fb', reference: 'order-1234', statusReason: 'successfully delivered', ported: '0' },
      });
      expect(event.messageId).not.toMatch(/\d{7,}/);
      expect(event.error).toBeUndefined();
    });

    it('reads the same report as flat JSON', () => {
      expect(normalizeJson(fixture('status-delivered-json.json'))[0]).toMatchObject({
        status: 'delivered',
        messageId: recipientMessageIdOf('0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d', '31612345679'),
        price: { amount: '0.075', currency: 'EUR' },
        network: { mcc: '204', mnc: '04' },
      });
    });

    it('gives a failed or expired report its reason as the error', () => {
      expect(only(fixture('status-delivery-failed.query'))).toMatchObject({
        status: 'undelivered',
        error: { code: '1', message: 'unknown subscriber' },
      });
      expect(only(fixture('status-expired.query'))).toMatchObject({ status: 'expired', error: { code: '103', message: 'expired' } });
    });

    it('gives each report of one recipient its own event id, a retry the same, and every recipient its own message', () => {
      const ids = ['status-scheduled.query', 'status-sent.query', 'status-buffered.query', 'status-delivered.query'].map(
        (name) => only(fixture(name)).eventId,
      );
      expect(new Set(ids).size).toBe(4);
      expect(only(fixture('status-sent.query')).eventId).toBe(ids[1]);
      const other = only(withField('status-delivered.query', 'recipient', '31600000001'));
      expect(other.messageId).not.toBe(only(fixture('status-delivered.query')).messageId);
    });
  });

  describe('statuses', () => {
    it.each(Object.entries(MESSAGEBIRD_STATUSES))('maps %s to %s', (status, canonical) => {
      expect(only(withField('status-delivered.query', 'status', status))).toMatchObject({
        status: canonical,
        final: STATUS_TABLE[canonical].final,
        providerStatus: status,
      });
    });

    it('keeps an unlisted status as unknown, non-final', () => {
      expect(only(withField('status-delivered.query', 'status', 'deleted'))).toMatchObject({ status: 'unknown', final: false });
    });
  });

  it('reads an inbound SMS', () => {
    expect(only(fixture('inbound-sms.query'))).toMatchObject({
      type: 'message.inbound',
      messageId: '3b9a7c2e1f0d4e5a9b8c7d6e5f4a3b2c',
      sender: { e164: '+31612345678' },
      recipient: { e164: '+3197012345678' },
      occurredAt: '2024-05-02T10:05:00.000Z',
      data: { body: 'STOP' },
    });
  });

  it('keeps a Bird channels event, whose payloads are not documented, as provider.unknown', () => {
    expect(normalizeJson(fixture('bird-channels-event.json'))[0]).toMatchObject({
      type: 'provider.unknown',
      data: { service: 'channels', event: 'sms.outbound' },
    });
  });
});

describe('MessageBird-Signature-JWT', () => {
  const verdict = async (request: OutgoingRequest, secret: string, now: number) =>
    messagebirdSignature.verify(arrived(request, { now }), { signingKeys: [secret] }, OPTIONS);
  const referenceRequest = (reference: (typeof MESSAGEBIRD_REFERENCE_CASES)[number]) =>
    outgoing({
      method: reference.method,
      url: reference.url,
      headers: { [MESSAGEBIRD_SIGNATURE_HEADER]: reference.token },
      body: Buffer.from(reference.payload ?? ''),
    });

  test('the published suite has its 44 cases, 24 valid and 20 invalid', () => {
    expect(MESSAGEBIRD_REFERENCE_CASES).toHaveLength(44);
    expect(MESSAGEBIRD_REFERENCE_CASES.filter((reference) => reference.valid)).toHaveLength(24);
  });

  // Source: messagebird/messagebird-nodejs @ 2d8b7de1, lib/testdata/webhook-signature-jwt-reference.json (in ./messagebird-jwt-reference.ts).
  test.each(MESSAGEBIRD_REFERENCE_CASES.map((reference) => [reference.name, reference] as const))(
    'published case "%s" gives its verdict',
    async (_name, reference) => {
      const result = await verdict(referenceRequest(reference), reference.secret ?? MESSAGEBIRD_REFERENCE_SECRET, Date.parse(reference.timestamp));
      expect(result.ok).toBe(reference.valid);
    },
  );

  test('the clock tolerance is 5 s: a token 4 s before its nbf passes, 6 s before does not', async () => {
    const reference = MESSAGEBIRD_REFERENCE_CASES.find((candidate) => candidate.name === 'Valid JWT with no URL parameters or payload - POST')!;
    const nbf = Date.parse(reference.timestamp);
    expect((await verdict(referenceRequest(reference), MESSAGEBIRD_REFERENCE_SECRET, nbf - 4_000)).ok).toBe(true);
    expect((await verdict(referenceRequest(reference), MESSAGEBIRD_REFERENCE_SECRET, nbf - 6_000)).ok).toBe(false);
    expect((await verdict(referenceRequest(reference), MESSAGEBIRD_REFERENCE_SECRET, nbf + 60_000 + 6_000)).ok).toBe(false);
  });

  test('round trip: what the scheme signs verifies, with and without a body, and not with another key', async () => {
    const now = Date.UTC(2026, 0, 1);
    for (const body of ['', 'id=1&status=delivered']) {
      const signed = await messagebirdSignature.sign(
        outgoing({ url: 'https://hooks.example.com/webhooks/messagebird?a=2&b=1', body: Buffer.from(body), now }),
        {
          credentials: { signingKeys: ['k1'] },
        },
      );
      expect((await verdict(signed, 'k1', now)).ok).toBe(true);
      expect((await verdict(signed, 'k2', now)).ok).toBe(false);
    }
  });
});

describe('messagebird through the ingest handler', () => {
  const suite = useIngestSuite();
  const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
  const harness = () => ingestHarness(suite.sqs.client, 'messagebird', { now: () => new Date(NOW) });
  const getCall = () => ({ provider: 'messagebird', method: 'GET' as const, body: fixture('status-delivered.query') });
  const jsonCall = () => ({ provider: 'messagebird', contentType: JSON_TYPE, body: fixture('status-delivered-json.json') });

  it.each([
    ['a GET status report', getCall],
    ['a JSON status report', jsonCall],
  ])('accepts %s signed with the JWT and queues its event', async (_name, call) => {
    const { handler, events } = await harness();
    const response = await handler(await signedWebhookEvent(call(), { now: NOW }));
    expect(response.statusCode).toBe(200);
    expect(jsonBody(response)).toEqual({ ok: true, accepted: 1 });
    expect(JSON.parse((await events(1))[0].Body!) as NormalizedEvent).toMatchObject({ provider: 'messagebird', status: 'delivered' });
  });

  const otherKey = { credentials: { signingKeys: ['not-the-dev-signing-key'] } };
  const reordered = (request: OutgoingRequest): OutgoingRequest => {
    const [base, query] = request.url.split('?');
    return { ...request, url: `${base}?${query.split('&').reverse().join('&')}` };
  };
  it.each([
    ['signed with another key', getCall, { material: otherKey }],
    [
      'with one byte of the query changed',
      getCall,
      { tamper: (r: OutgoingRequest) => ({ ...r, url: r.url.replace('status=delivered', 'status=delivereD') }) },
    ],
    ['with its query reordered', getCall, { tamper: reordered }],
    [
      'with one byte of the body changed',
      jsonCall,
      { tamper: (r: OutgoingRequest) => ({ ...r, body: Buffer.from(r.body.toString('utf8').replace('delivered', 'delivereD')) }) },
    ],
    ['whose token expired (signed two minutes ago)', jsonCall, { now: NOW - 120_000 }],
    [
      'without the signature header',
      jsonCall,
      { tamper: (r: OutgoingRequest) => ({ ...r, headers: { ...r.headers, [MESSAGEBIRD_SIGNATURE_HEADER]: '' } }) },
    ],
  ])('refuses a request %s with 401, queuing nothing', async (_name, call, options) => {
    const { handler, eventsDepth } = await harness();
    const response = await handler(await signedWebhookEvent(call(), { now: NOW, ...(options as object) }));
    expect(response.statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('answers 503 when the queue refuses the event, so MessageBird retries the report', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'messagebird', {
      now: () => new Date(NOW),
      sqs: faultyClient(suite.sqs.endpoint, () => 'fail'),
    });
    expect((await handler(await signedWebhookEvent(getCall(), { now: NOW }))).statusCode).toBe(503);
  });

  it('answers 400 naming the field for a signed but invalid report', async () => {
    const { handler } = await harness();
    const response = await handler(
      await signedWebhookEvent({ provider: 'messagebird', method: 'GET', body: fixture('invalid-status-missing-id.query') }, { now: NOW }),
    );
    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toMatchObject({ error: 'invalid_body', field: 'id' });
  });
});
