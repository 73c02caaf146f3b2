/**
 * Vonage SMS API: the `sig` scheme against Vonage's published vectors, every fixture, every DLR status and err-code,
 * and the refusals through the ingest handler (signed with the dev credentials by the scheme itself).
 */
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { encodeForm } from '../../../functions/origin/form';
import type { OutgoingRequest } from '../../../functions/origin/types';
import { webhookRequest } from '../../../functions/providers/common';
import type { NormalizeContext } from '../../../functions/providers/types';
import {
  VONAGE_DLR_ERRORS,
  VONAGE_DLR_STATUSES,
  vonageSignature,
  vonageSignatureOf,
  vonageSignedString,
  vonageSms,
} from '../../../functions/providers/vonage-sms';
import { adapterRequestOf } from '../../../local/fixtures';
import { validationErrorOf } from '../../support/errors';
import { fixtures, invalidFixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { arrived, outgoing, OPTIONS } from '../origin/support';
import { faultyClient, ingestHarness, jsonBody, useIngestSuite } from '../ingest/harness';

const RECEIVED_AT = '2026-01-01T00:00:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: 'UTC' };
const GET = 'GET';

const normalizeQuery = (query: string, context: NormalizeContext = CONTEXT) =>
  vonageSms.normalize(adapterRequestOf({ method: 'GET', body: query }), context);
const only = (query: string, context?: NormalizeContext): NormalizedEvent => {
  const { events } = normalizeQuery(query, context);
  expect(events).toHaveLength(1);
  return events[0];
};
const fixtureNamed = (name: string) => fixtures('vonage-sms').find((fixture) => fixture.name === name)!;
const dlr = (fields: Record<string, string>) =>
  only(
    encodeForm({
      msisdn: '447700900000',
      to: 'AcmeInc',
      messageId: '0A0000001234567B',
      status: 'delivered',
      'err-code': '0',
      'message-timestamp': '2020-01-01 12:00:00',
      ...fields,
    }),
  );

describe('sig: Vonage published vectors', () => {
  // Source: Vonage/vonage-node-sdk @ babd2d8c, packages/sms/__tests__/__dataSets__/signature.ts (the data set of
  // verifySignature; algorithm in packages/sms/lib/sms.ts). Signature secret "my_secret_key_for_testing".
  const secret = 'my_secret_key_for_testing';
  const params = {
    'message-timestamp': '2013-11-21 15:27:30',
    messageId: '020000001B0FE827',
    msisdn: '14843472194',
    text: 'Test again',
    timestamp: '1385047698',
    to: '13239877404',
    type: 'text',
  };
  const signedString =
    '&message-timestamp=2013-11-21 15:27:30&messageId=020000001B0FE827&msisdn=14843472194&text=Test again&timestamp=1385047698&to=13239877404&type=text';
  const vectors = [
    ['md5hash', 'd2e7b1dc968737c5998ad624e02f90b7'],
    ['md5hmac', 'DDEBD46008C2D4E93CCE578A332A52D5'],
    ['sha1hmac', '27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A'],
    ['sha256hmac', 'DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330'],
    [
      'sha512hmac',
      'E0D3C650F8C9D1A5C174D10DDDBFB003E561F59B265616208B0487C5D819481CD3C311D59CF6165ECD1139622D5BA3A256C0D763AC4A9AD9144B5A426B94FE82',
    ],
  ] as const;
  // The vector's own time, so its signed timestamp is fresh.
  const at = 1385047698 * 1000;
  const url = (sig: string) => `https://hooks.example.com/webhooks/vonage-sms?${encodeForm({ ...params, sig })}`;
  const verifies = async (request: OutgoingRequest, key: string, now = at) =>
    (await vonageSignature.verify(arrived(request, { now }), { signingKeys: [key] }, OPTIONS)).ok;

  it('builds the published signed string', () => {
    expect(vonageSignedString({ ...params, sig: 'ignored' })).toBe(signedString);
  });

  it.each(vectors)('%s: computes the published sig', (method, sig) => {
    expect(vonageSignatureOf(params, secret, method)).toBe(sig.toLowerCase());
  });

  it.each(vectors)('%s: a GET carrying the published sig verifies (upper or lower case), one bit flipped does not', async (_method, sig) => {
    const get = (value: string) => outgoing({ method: GET, url: url(value), headers: {}, body: Buffer.alloc(0) });
    expect(await verifies(get(sig), secret)).toBe(true);
    expect(await verifies(get(sig.toLowerCase()), secret)).toBe(true);
    const flipped = sig.slice(0, -1) + (sig.at(-1) === '0' ? '1' : '0');
    expect(await verifies(get(flipped), secret)).toBe(false);
  });

  it.each(vectors)('%s: the same parameters as a form body and as JSON verify too', async (_method, sig) => {
    const form = outgoing({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(encodeForm({ ...params, sig })) });
    const json = outgoing({ body: Buffer.from(JSON.stringify({ ...params, sig })) });
    expect(await verifies(form, secret)).toBe(true);
    expect(await verifies(json, secret)).toBe(true);
  });

  it('refuses the published sig with another secret, a changed value, or a key pinned to another method', async () => {
    const sha256 = vectors[3][1];
    const get = (query: string) =>
      outgoing({ method: GET, url: `https://hooks.example.com/webhooks/vonage-sms?${query}`, headers: {}, body: Buffer.alloc(0) });
    expect(await verifies(get(encodeForm({ ...params, sig: sha256 })), 'another secret')).toBe(false);
    expect(await verifies(get(encodeForm({ ...params, text: 'Test again!', sig: sha256 })), secret)).toBe(false);
    expect(await verifies(get(encodeForm({ ...params, sig: sha256 })), `sha512hmac:${secret}`)).toBe(false);
    expect(await verifies(get(encodeForm({ ...params, sig: sha256 })), `sha256hmac:${secret}`)).toBe(true);
    // md5hash is refused when the key is pinned to md5hmac, though both give 32 hex digits.
    expect(await verifies(get(encodeForm({ ...params, sig: vectors[0][1] })), `md5hmac:${secret}`)).toBe(false);
  });

  it('refuses the published request once its signed timestamp is stale, and a repeated parameter', async () => {
    const request = outgoing({ method: GET, url: url(vectors[3][1]), headers: {}, body: Buffer.alloc(0) });
    const stale = await vonageSignature.verify(arrived(request, { now: at + 301_000 }), { signingKeys: [secret] }, OPTIONS);
    expect(stale).toMatchObject({ ok: false, reason: 'timestamp_out_of_tolerance', header: 'timestamp' });
    const repeated = outgoing({ method: GET, url: `${url(vectors[3][1])}&type=binary`, headers: {}, body: Buffer.alloc(0) });
    expect(await verifies(repeated, secret)).toBe(false);
  });

  it('reads the parameters only where the adapter reads them: a signed query does not cover a body beside it', async () => {
    const signedQuery = url(vectors[3][1]);
    const body = (text: string, contentType: string) =>
      outgoing({ url: signedQuery, headers: { 'content-type': contentType }, body: Buffer.from(text) });
    expect(await verifies(body('{"messageId":"forged","status":"delivered"}', 'application/json'), secret)).toBe(false);
    expect(await verifies(body('{"messageId":"forged","status":"delivered"}', 'text/plain'), secret)).toBe(false);
    expect(await verifies(body('messageId=forged&status=delivered', 'application/x-www-form-urlencoded'), secret)).toBe(false);
  });

  it('replaces & and = inside values with _ (derived: the documented rule, no published vector has one)', () => {
    expect(vonageSignedString({ text: 'a=b&c', b: '1' })).toBe('&b=1&text=a_b_c');
  });
});

describe('fixtures', () => {
  it.each(validFixtures('vonage-sms').map((fixture) => [fixture.name, fixture] as const))(
    '%s normalizes to schema-valid events',
    (_name, fixture) => {
      const { events } = vonageSms.normalize(adapterRequestOf(fixture), CONTEXT);
      expect(events).toHaveLength(1);
      for (const event of events) expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
      expect(events[0].raw).not.toHaveProperty('sig');
    },
  );

  it.each([
    ['invalid-dlr-message-id-missing.query', 'messageId'],
    ['invalid-inbound-concat-part-over-total.form', 'concat-part'],
    ['invalid-message-timestamp.json', 'message-timestamp'],
    ['invalid-repeated-status.form', 'status'],
    ['invalid-not-an-object.json', undefined],
  ])('%s is refused naming %s', (name, field) => {
    expect(invalidFixtures('vonage-sms').map((fixture) => fixture.name)).toContain(name);
    expect(validationErrorOf(() => vonageSms.normalize(adapterRequestOf(fixtureNamed(name)), CONTEXT)).field).toBe(field);
  });

  it('reads the documented DLR sample: status, price in EUR, MCC/MNC, UTC time, scts kept raw', () => {
    const event = vonageSms.normalize(adapterRequestOf(fixtureNamed('dlr-delivered.json')), { receivedAt: RECEIVED_AT, timeZone: 'Asia/Tokyo' })
      .events[0];
    expect(event).toMatchObject({
      type: 'message.status',
      channel: 'sms',
      messageId: '0A0000001234567B',
      status: 'delivered',
      final: true,
      providerStatus: 'delivered',
      recipient: { raw: '447700900000', e164: '+447700900000' },
      sender: { raw: 'AcmeInc' },
      price: { amount: '0.03330000', currency: 'EUR' },
      network: { mcc: '123', mnc: '45' },
      // UTC by Vonage's docs, whatever zone the deployment gives zone-less times.
      occurredAt: '2020-01-01T12:00:00.000Z',
      occurredAtRaw: '2020-01-01 12:00:00',
      data: { scts: '2001011400', errCode: '0', clientRef: 'my-personal-reference', apiKey: 'abcd1234' },
    });
    expect(event.error).toBeUndefined();
    expect(event.raw).not.toHaveProperty('timestamp');
    expect(event.raw).not.toHaveProperty('nonce');
  });

  it('never takes the zone-less scts as the time', () => {
    const event = dlr({ scts: '2001011400', 'message-timestamp': '' });
    expect(event.occurredAt).toBe(RECEIVED_AT);
    expect(event.occurredAtRaw).toBeUndefined();
    expect(event.data).toMatchObject({ scts: '2001011400' });
  });

  it('reads a DLR sent as a GET, a form or JSON the same way', () => {
    const get = only(fixtureNamed('dlr-delivered.query').body);
    const json = vonageSms.normalize(
      webhookRequest({
        body: JSON.stringify(Object.fromEntries(new URLSearchParams(fixtureNamed('dlr-delivered.query').body))),
        contentType: 'application/json',
      }),
      CONTEXT,
    ).events[0];
    const form = vonageSms.normalize(
      webhookRequest({ body: fixtureNamed('dlr-delivered.query').body, contentType: 'application/x-www-form-urlencoded' }),
      CONTEXT,
    ).events[0];
    expect(json).toEqual(get);
    expect(form).toEqual(get);
    expect(get.network).toEqual({ mcc: '234', mnc: '10' });
  });

  it('keeps a 3-digit MNC, and leaves out a malformed network code or price', () => {
    expect(only(fixtureNamed('dlr-buffered.query').body).network).toEqual({ mcc: '310', mnc: '260' });
    const odd = dlr({ 'network-code': 'abc', price: 'n/a' });
    expect(odd.network).toBeUndefined();
    expect(odd.price).toBeUndefined();
    expect(odd.data).toMatchObject({ networkCode: 'abc', price: 'n/a' });
    expect(dlr({ 'message-price': '0.0075' }).price).toEqual({ amount: '0.0075', currency: 'EUR' });
  });

  it('reads one part of a multipart inbound SMS', () => {
    const event = vonageSms.normalize(adapterRequestOf(fixtureNamed('inbound-concat-part.json')), CONTEXT).events[0];
    expect(event).toMatchObject({
      type: 'message.inbound',
      messageId: '0A0000000123ABCD1',
      sender: { raw: '447700900001', e164: '+447700900001' },
      recipient: { raw: '447700900000', e164: '+447700900000' },
      part: { ref: '1', index: 2, total: 3 },
      occurredAt: '2020-01-01T12:00:00.000Z',
      data: { type: 'text', text: 'Hello world', keyword: 'HELLO', apiKey: 'abcd1234' },
    });
  });

  it('reads unicode and binary inbound messages, values with & and = intact', () => {
    expect(vonageSms.normalize(adapterRequestOf(fixtureNamed('inbound-unicode.form')), CONTEXT).events[0]).toMatchObject({
      data: { type: 'unicode', text: 'Привет = hi & bye', keyword: 'ПРИВЕТ' },
    });
    const binary = only(fixtureNamed('inbound-binary.query').body);
    expect(binary).toMatchObject({ data: { type: 'binary', data: '48656c6c6f', udh: '050003CC0201' } });
    expect(binary.part).toBeUndefined();
  });

  it('keeps a callback of another shape as provider.unknown, with the same id on a retry', () => {
    const first = only(fixtureNamed('unknown-callback.query').body);
    expect(first).toMatchObject({ type: 'provider.unknown', raw: { event: 'number-changed' } });
    expect(only(fixtureNamed('unknown-callback.query').body).eventId).toBe(first.eventId);
  });
});

describe('statuses and error codes', () => {
  it.each(Object.entries(VONAGE_DLR_STATUSES))('maps %s to %s', (status, canonical) => {
    expect(dlr({ status })).toMatchObject({ status: canonical, final: STATUS_TABLE[canonical].final, providerStatus: status });
  });

  it('keeps a status it does not know as unknown, non-final', () => {
    expect(dlr({ status: 'partially_delivered' })).toMatchObject({ status: 'unknown', final: false, providerStatus: 'partially_delivered' });
  });

  it.each(Object.entries(VONAGE_DLR_ERRORS).filter(([code]) => code !== '0'))('err-code %s is an error: %s', (code, message) => {
    expect(dlr({ status: 'failed', 'err-code': code }).error).toEqual({ code, message });
  });

  it('err-code 0 is no error; an unlisted code still travels', () => {
    expect(dlr({ 'err-code': '0' }).error).toBeUndefined();
    expect(dlr({ status: 'failed', 'err-code': '77' }).error).toEqual({ code: '77' });
  });

  it('gives each receipt of a message its own id, and a retry the same one', () => {
    const accepted = only(fixtureNamed('dlr-accepted.query').body);
    const delivered = only(fixtureNamed('dlr-delivered.query').body);
    expect(accepted.eventId).not.toBe(delivered.eventId);
    expect(only(fixtureNamed('dlr-delivered.query').body).eventId).toBe(delivered.eventId);
  });

  it('catalogs the DLR with its table and the inbound SMS', () => {
    expect(vonageSms.catalog.map((entry) => [entry.providerEvent, entry.type])).toEqual([
      ['delivery-receipt', 'message.status'],
      ['inbound-sms', 'message.inbound'],
    ]);
    expect(vonageSms.catalog[0].statuses).toBe(VONAGE_DLR_STATUSES);
    expect(vonageSms.methods).toEqual(['GET', 'POST']);
  });
});

describe('through the ingest handler', () => {
  const suite = useIngestSuite();
  const query = () => fixtureNamed('dlr-delivered.query').body;
  const call = (body = query()) => ({ provider: 'vonage-sms', method: 'GET' as const, body });
  const withQuery = (request: OutgoingRequest, change: (params: URLSearchParams) => void): OutgoingRequest => {
    const url = new URL(request.url);
    change(url.searchParams);
    return { ...request, url: url.toString() };
  };

  it.each(validFixtures('vonage-sms').map((fixture) => [fixture.name, fixture] as const))(
    'accepts %s signed as Vonage signs it',
    async (_name, fixture) => {
      const { handler, events } = await ingestHarness(suite.sqs.client, 'vonage-sms');
      const response = await handler(
        await signedWebhookEvent({ provider: 'vonage-sms', method: fixture.method, contentType: fixture.contentType, body: fixture.body }),
      );
      expect(response.statusCode).toBe(200);
      expect(jsonBody(response)).toEqual({ ok: true, accepted: 1 });
      expect(await events(1)).toHaveLength(1);
    },
  );

  it.each([
    ['a wrong key', { material: { credentials: { signingKeys: ['not-the-signature-secret'] } } }],
    ['a changed value', { tamper: (request: OutgoingRequest) => withQuery(request, (params) => params.set('status', 'failed')) }],
    ['a stale timestamp', { now: Date.now() - 10 * 60_000 }],
    ['no sig', { tamper: (request: OutgoingRequest) => withQuery(request, (params) => params.delete('sig')) }],
    ['no timestamp', { tamper: (request: OutgoingRequest) => withQuery(request, (params) => params.delete('timestamp')) }],
  ])('refuses %s with 401 and queues nothing', async (_name, options) => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'vonage-sms');
    const response = await handler(await signedWebhookEvent(call(), options));
    expect(response.statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('refuses a changed byte of a signed JSON body with 401', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'vonage-sms');
    const body = fixtureNamed('dlr-delivered.json').body;
    const tamper = (request: OutgoingRequest) => ({
      ...request,
      body: Buffer.from(request.body.toString('utf8').replace('0.03330000', '0.03330001')),
    });
    expect((await handler(await signedWebhookEvent({ provider: 'vonage-sms', contentType: 'application/json', body }, { tamper }))).statusCode).toBe(
      401,
    );
    expect((await handler(await signedWebhookEvent({ provider: 'vonage-sms', contentType: 'application/json', body }))).statusCode).toBe(200);
  });

  it('checks the api-key against `accounts` when the credentials list them', async () => {
    const secret = 'accounts-test-signature-secret';
    const material = { credentials: { signingKeys: [secret] } };
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'vonage-sms', {
      document: { 'vonage-sms': { signingKeys: [secret], accounts: ['abcd1234'] } },
    });
    expect((await handler(await signedWebhookEvent(call(), { material }))).statusCode).toBe(200);
    const other = query().replace('api-key=abcd1234', 'api-key=ffff0000');
    expect((await handler(await signedWebhookEvent(call(other), { material }))).statusCode).toBe(401);
    expect(await eventsDepth()).toBe(1);
  });

  it("answers the dashboard's empty URL check 200 as a ping, storing nothing", async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'vonage-sms');
    const response = await handler(await signedWebhookEvent(call(''), { material: { credentials: {} } }));
    expect(response.statusCode).toBe(200);
    expect(jsonBody(response)).toEqual({ ok: true, ping: true });
    expect(await eventsDepth()).toBe(0);
  });

  it('answers 503 when the queue does not take the event, so Vonage sends it again', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'vonage-sms', { sqs: faultyClient(suite.sqs.endpoint, () => 'fail') });
    const response = await handler(await signedWebhookEvent(call()));
    expect(response.statusCode).toBe(503);
  });
});
