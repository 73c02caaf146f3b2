/**
 * Vonage Messages API: the JWT scheme with Vonage's published HS256 vectors, every fixture, status and channel, and
 * the ingest handler's answers (an unsigned callback gets a 5xx so Vonage retries it signed).
 */
import { SignJWT } from 'jose';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { sha256Hex } from '../../../functions/origin/compare';
import type { OutgoingRequest } from '../../../functions/origin/types';
import { webhookRequest } from '../../../functions/providers/common';
import type { NormalizeContext } from '../../../functions/providers/types';
import { VONAGE_CHANNELS, VONAGE_MESSAGES_STATUSES, vonageMessages, vonageMessagesJwt } from '../../../functions/providers/vonage-messages';
import { adapterRequestOf } from '../../../local/fixtures';
import { validationErrorOf } from '../../support/errors';
import { fixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { arrived, flipByte, outgoing, OPTIONS } from '../origin/support';
import { faultyClient, ingestHarness, jsonBody, useIngestSuite } from '../ingest/harness';

const RECEIVED_AT = '2026-01-01T00:00:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: 'UTC' };
const DEV_SECRET = 'dev-vonage-messages-signature-secret-0123456789';

const fixtureNamed = (name: string) => fixtures('vonage-messages').find((fixture) => fixture.name === name)!;
const only = (body: string): NormalizedEvent => {
  const { events } = vonageMessages.normalize(webhookRequest({ body, contentType: 'application/json' }), CONTEXT);
  expect(events).toHaveLength(1);
  return events[0];
};
const status = (fields: Record<string, unknown>) =>
  only(JSON.stringify({ ...JSON.parse(fixtureNamed('status-sms-delivered.json').body), ...fields }));

async function token(secret: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

describe('the JWT scheme', () => {
  // Source: Vonage/vonage-python-sdk @ 445cab80, jwt/tests/test_verify_jwt.py: valid with the first secret, invalid
  // with "asdf". It carries no payload_hash (no published vector binds a body).
  const PUBLISHED =
    'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPbmxpbmUgSldUIEJ1aWxkZXIiLCJpYXQiOjE2OTc2MzQ2ODAsImV4cCI6MzMyNTQ1NDA4MjgsImF1ZCI6IiIsInN1YiI6IiJ9.88vJc3I2HhuqEDixHXVhc9R30tA6U_HQHZTC29y6CGM';
  const request = (authorization: string, body = '{"status":"delivered"}') =>
    arrived(outgoing({ headers: { 'content-type': 'application/json', authorization }, body: Buffer.from(body) }));
  const verify = (authorization: string, secret: string, body?: string) =>
    vonageMessagesJwt.verify(request(authorization, body), { signingKeys: [secret] }, OPTIONS);

  it('the published token verifies with its secret, and is then refused only for lacking payload_hash', async () => {
    expect(await verify(`Bearer ${PUBLISHED}`, 'qwertyuiopasdfghjklzxcvbnm123456')).toEqual({
      ok: false,
      reason: 'signature_mismatch',
      header: 'authorization',
      detail: 'claim payload_hash does not match the request',
    });
  });

  it('the published token does not verify with the published wrong secret', async () => {
    expect(await verify(`Bearer ${PUBLISHED}`, 'asdf')).toEqual({ ok: false, reason: 'signature_mismatch', header: 'authorization' });
  });

  // Derived: no published vector carries payload_hash; this one is built from Vonage's documented claims.
  it('a token whose payload_hash is the body’s SHA-256 verifies; over another body it does not', async () => {
    const body = '{"status":"delivered"}';
    const signed = await token(DEV_SECRET, { iat: Math.floor(Date.now() / 1000), jti: 'a1', payload_hash: sha256Hex(body) });
    expect(await verify(`Bearer ${signed}`, DEV_SECRET, body)).toEqual({ ok: true });
    expect(await verify(`Bearer ${signed}`, DEV_SECRET, `${body} `)).toMatchObject({
      ok: false,
      detail: 'claim payload_hash does not match the request',
    });
    // Without "Bearer " it is a wrong credential, not an unsigned callback.
    expect(await verify(signed, DEV_SECRET, body)).toMatchObject({ ok: false, reason: 'signature_mismatch', detail: 'not a bearer token' });
  });

  it('refuses another algorithm than HS256', async () => {
    const body = '{}';
    const hs512 = await new SignJWT({ payload_hash: sha256Hex(body) })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new TextEncoder().encode(DEV_SECRET));
    expect(await verify(`Bearer ${hs512}`, DEV_SECRET, body)).toMatchObject({ ok: false });
  });
});

describe('fixtures', () => {
  it.each(validFixtures('vonage-messages').map((fixture) => [fixture.name, fixture] as const))(
    '%s normalizes to one schema-valid event',
    (_name, fixture) => {
      const { events } = vonageMessages.normalize(adapterRequestOf(fixture), CONTEXT);
      expect(events).toHaveLength(1);
      expect(NormalizedEventSchema.safeParse(events[0]).success).toBe(true);
    },
  );

  it.each([
    ['invalid-status-uuid-missing.json', 'message_uuid'],
    ['invalid-timestamp.json', 'timestamp'],
    ['invalid-inbound-channel-missing.json', 'channel'],
    ['invalid-not-an-object.json', undefined],
  ])('%s is refused naming %s', (name, field) => {
    expect(validationErrorOf(() => vonageMessages.normalize(adapterRequestOf(fixtureNamed(name)), CONTEXT)).field).toBe(field);
  });

  it('reads an SMS status with price, network and segments', () => {
    expect(only(fixtureNamed('status-sms-delivered.json').body)).toMatchObject({
      type: 'message.status',
      channel: 'sms',
      messageId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
      status: 'delivered',
      final: true,
      recipient: { raw: '447700900000', e164: '+447700900000' },
      sender: { raw: '447700900001', e164: '+447700900001' },
      price: { amount: '0.0333', currency: 'EUR' },
      network: { mcc: '123', mnc: '45' },
      segments: 2,
      occurredAt: '2020-01-01T14:00:00.000Z',
      data: { channel: 'sms', clientRef: 'abc123', networkCode: '12345' },
    });
  });

  it('reads a rejection’s error', () => {
    expect(only(fixtureNamed('status-sms-rejected.json').body)).toMatchObject({
      status: 'rejected',
      error: { code: '1000', message: expect.stringContaining('Throttled') },
      sender: { raw: 'AcmeInc' },
    });
  });

  it('maps every channel of ours, and keeps a callback from another channel as provider.unknown', () => {
    expect(only(fixtureNamed('status-viber-delivered.json').body).channel).toBe('viber');
    expect(only(fixtureNamed('status-rcs-delivered.json').body).channel).toBe('rcs');
    expect(only(fixtureNamed('status-mms-delivered.json').body)).toMatchObject({ channel: 'mms', price: { amount: '0.0200', currency: 'USD' } });
    const messenger = only(fixtureNamed('status-messenger-delivered.json').body);
    expect(messenger).toMatchObject({
      type: 'provider.unknown',
      messageId: '11111111-2222-3333-4444-0123456789ab',
      data: { channel: 'messenger', status: 'delivered' },
    });
    expect(only(fixtureNamed('inbound-messenger-text.json').body)).toMatchObject({
      type: 'provider.unknown',
      data: { channel: 'messenger', messageType: 'text' },
    });
    expect(VONAGE_CHANNELS).toMatchObject({ sms: 'sms', mms: 'mms', rcs: 'rcs', whatsapp: 'whatsapp', viber_service: 'viber' });
  });

  it.each([
    ['inbound-sms-text.json', 'sms', { messageType: 'text', text: 'Hello From Vonage!', keyword: 'HELLO', numMessages: 2 }],
    [
      'inbound-mms-image.json',
      'mms',
      { messageType: 'image', mediaUrl: 'https://api.nexmo.com/v3/media/aaaaaaaa-bbbb-cccc-dddd-0123456789ab', caption: 'Check out this image' },
    ],
    ['inbound-whatsapp-text.json', 'whatsapp', { text: 'Hello From Vonage!', profileName: 'Jane Smith' }],
    ['inbound-whatsapp-image.json', 'whatsapp', { messageType: 'image', mediaUrl: 'https://api-eu.nexmo.com/v3/media/1234', caption: 'Here you go' }],
    ['inbound-whatsapp-location.json', 'whatsapp', { location: { lat: 51.5216317, long: -0.0937589 } }],
    [
      'inbound-whatsapp-reply.json',
      'whatsapp',
      { reply: { id: 'row1', title: '9am' }, context: { message_uuid: 'dddddddd-eeee-ffff-0000-0123456789ab' } },
    ],
    ['inbound-whatsapp-button.json', 'whatsapp', { button: { payload: 'CONFIRM_YES', text: 'Yes' } }],
    ['inbound-viber-text.json', 'viber', { text: 'Hi from Viber' }],
    ['inbound-rcs-text.json', 'rcs', { text: 'Hi from RCS' }],
  ])('reads %s as an inbound %s message', (name, channel, data) => {
    const event = only(fixtureNamed(name).body);
    expect(event).toMatchObject({ type: 'message.inbound', channel, data });
    expect(event.messageId).toBe(JSON.parse(fixtureNamed(name).body).message_uuid);
  });

  it('keeps a body of another shape as provider.unknown', () => {
    expect(only(fixtureNamed('unknown-shape.json').body).type).toBe('provider.unknown');
  });
});

describe('statuses', () => {
  it.each(Object.entries(VONAGE_MESSAGES_STATUSES))('maps %s to %s', (providerStatus, canonical) => {
    expect(status({ status: providerStatus })).toMatchObject({ status: canonical, final: STATUS_TABLE[canonical].final, providerStatus });
  });

  it('keeps a status it does not know as unknown, non-final', () => {
    expect(only(fixtureNamed('status-unlisted.json').body)).toMatchObject({ status: 'unknown', final: false, providerStatus: 'deleted' });
  });

  it('gives each status its own id and a retry the same one', () => {
    const submitted = only(fixtureNamed('status-sms-submitted.json').body);
    const delivered = only(fixtureNamed('status-sms-delivered.json').body);
    expect(submitted.eventId).not.toBe(delivered.eventId);
    expect(only(fixtureNamed('status-sms-delivered.json').body).eventId).toBe(delivered.eventId);
  });
});

describe('through the ingest handler', () => {
  const suite = useIngestSuite();
  const body = () => fixtureNamed('status-sms-delivered.json').body;
  const call = (text = body()) => ({ provider: 'vonage-messages', contentType: 'application/json', body: text });
  const withAuthorization =
    (value: string | undefined) =>
    (request: OutgoingRequest): OutgoingRequest => {
      const headers: Record<string, string> = { ...request.headers };
      if (value === undefined) delete headers.authorization;
      else headers.authorization = value;
      return { ...request, headers };
    };

  it.each(validFixtures('vonage-messages').map((fixture) => [fixture.name, fixture] as const))(
    'accepts %s signed as Vonage signs it',
    async (_name, fixture) => {
      const { handler, events } = await ingestHarness(suite.sqs.client, 'vonage-messages');
      const response = await handler(await signedWebhookEvent(call(fixture.body)));
      expect(response.statusCode).toBe(200);
      expect(await events(1)).toHaveLength(1);
    },
  );

  it('answers an unsigned callback 503 with Retry-After, so Vonage retries it signed, and queues nothing', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'vonage-messages');
    const response = await handler(await signedWebhookEvent(call(), { tamper: withAuthorization(undefined) }));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('60');
    expect(jsonBody(response)).toMatchObject({ error: 'unsigned_callback' });
    expect(await eventsDepth()).toBe(0);
  });

  it.each([
    ['a wrong key', { material: { credentials: { signingKeys: ['not-the-signature-secret'] } } }],
    ['a changed byte', { tamper: (request: OutgoingRequest) => ({ ...request, body: flipByte(request.body, 3) }) }],
    ['a header that is not a bearer token', { tamper: withAuthorization('Basic dXNlcjpwYXNz') }],
  ])('refuses %s with 401 and queues nothing', async (_name, options) => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'vonage-messages');
    const response = await handler(await signedWebhookEvent(call(), options));
    expect(response.statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('refuses an expired token (stale) with 401', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'vonage-messages');
    const now = Math.floor(Date.now() / 1000);
    const expired = await token(DEV_SECRET, { iat: now - 3600, exp: now - 600, payload_hash: sha256Hex(body()) });
    const response = await handler(await signedWebhookEvent(call(), { tamper: withAuthorization(`Bearer ${expired}`) }));
    expect(response.statusCode).toBe(401);
  });

  it('answers 503, never a 4xx, when the event is not queued', async () => {
    const client = faultyClient(suite.sqs.endpoint, () => 'fail');
    const { handler } = await ingestHarness(suite.sqs.client, 'vonage-messages', { sqs: client });
    expect((await handler(await signedWebhookEvent(call()))).statusCode).toBe(503);
  });
});
