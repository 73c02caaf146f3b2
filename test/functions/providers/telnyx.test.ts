import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verify as verifyBytes, createPublicKey } from 'node:crypto';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { ed25519PrivateKey, ed25519PublicKeyOf } from '../../../functions/origin/schemes/ed25519';
import { webhookRequest } from '../../../functions/providers/common';
import { recipientMessageIdOf } from '../../../functions/providers/recipients';
import { TELNYX_SIGNATURE_HEADER, TELNYX_STATUSES, TELNYX_TIMESTAMP_HEADER, telnyx, telnyxSignature } from '../../../functions/providers/telnyx';
import type { NormalizeContext } from '../../../functions/providers/types';
import { validationErrorOf } from '../../support/errors';
import { invalidFixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { faultyClient, ingestHarness, jsonBody, useIngestSuite } from '../ingest/harness';
import { OPTIONS, arrived, outgoing } from '../origin/support';

const FIXTURES = join(__dirname, '../../events/telnyx');
const RECEIVED_AT = '2019-12-09T21:40:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: telnyx.defaultTimeZone };
const JSON_TYPE = 'application/json';

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const fixtureObject = (name: string) => JSON.parse(fixture(name)) as { data: { payload: Record<string, unknown> } & Record<string, unknown> };
const normalize = (body: string) => telnyx.normalize(webhookRequest({ body, contentType: JSON_TYPE }), CONTEXT).events;
const only = (body: string) => {
  const events = normalize(body);
  expect(events).toHaveLength(1);
  return events[0];
};

/** The delivered fixture with its one recipient's status replaced. */
function withStatus(status: string): string {
  const body = fixtureObject('message-finalized-delivered.json');
  (body.data.payload.to as Array<Record<string, unknown>>)[0].status = status;
  return JSON.stringify(body);
}

describe('telnyx adapter', () => {
  describe('fixtures', () => {
    it.each(validFixtures('telnyx').map((f) => [f.name, f] as const))('%s normalizes to schema-valid events', (_name, f) => {
      const events = normalize(f.body);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
        expect(event.provider).toBe('telnyx');
      }
    });

    it.each([
      ['invalid-missing-event-type.json', 'data.event_type'],
      ['invalid-missing-payload-id.json', 'data.payload.id'],
      ['invalid-no-recipients.json', 'data.payload.to'],
      ['invalid-occurred-at.json', 'data.occurred_at'],
      ['invalid-received-without-sender.json', 'data.payload.from.phone_number'],
      ['invalid-recipient-without-status.json', 'data.payload.to.0.status'],
      ['invalid-not-json.json', undefined],
      ['invalid-nested-too-deep.json', undefined],
    ])('%s is refused naming %s', (name, field) => {
      expect(validationErrorOf(() => normalize(fixture(name))).field).toBe(field);
    });

    it('has a test for every invalid fixture', () => {
      expect(invalidFixtures('telnyx').map((f) => f.name)).toHaveLength(8);
    });
  });

  describe('outbound status', () => {
    it('reads a delivery receipt: status, parties, segments, price, carrier, time', () => {
      const event = only(fixture('message-finalized-delivered.json'));
      expect(event).toMatchObject({
        type: 'message.status',
        channel: 'sms',
        messageId: 'ac012cbf-5e07-4a3e-9d1e-5bb5b2a1e2f3',
        status: 'delivered',
        final: true,
        providerStatus: 'delivered',
        recipient: { raw: '+13125550002', e164: '+13125550002' },
        sender: { raw: '+13125550001', e164: '+13125550001' },
        segments: 1,
        price: { amount: '0.0051', currency: 'USD' },
        network: { carrier: 'T-MOBILE USA, INC.' },
        occurredAt: '2019-12-09T21:32:14.148Z',
        occurredAtRaw: '2019-12-09T21:32:14.148+00:00',
        data: { eventType: 'message.finalized', telnyxEventId: '4ee8c3a6-4995-4309-a3c6-38e3db9ea4be', lineType: 'Wireless', attempt: 1 },
      });
      expect(event.error).toBeUndefined();
      expect(event.raw).toEqual(fixtureObject('message-finalized-delivered.json'));
    });

    it('reads message.sent, whose cost is not rated yet, without a price', () => {
      const event = only(fixture('message-sent.json'));
      expect(event).toMatchObject({ status: 'sent', final: false, messageId: 'ac012cbf-5e07-4a3e-9d1e-5bb5b2a1e2f3' });
      expect(event.price).toBeUndefined();
    });

    it('gives a failed recipient the first error', () => {
      expect(only(fixture('message-finalized-delivery-failed.json'))).toMatchObject({
        status: 'undelivered',
        error: { code: '40008', message: 'Undeliverable' },
        data: { errors: [{ code: '40008', title: 'Undeliverable' }] },
      });
      expect(only(fixture('message-finalized-sending-failed.json'))).toMatchObject({ status: 'failed', error: { code: '40300' } });
    });

    it('makes one event per recipient of a group MMS, each with its own status and message id', () => {
      const events = normalize(fixture('message-finalized-group-mms.json'));
      const id = 'd4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f7a';
      expect(events.map((event) => [event.messageId, event.status, event.recipient?.e164, event.channel])).toEqual([
        [recipientMessageIdOf(id, '+13125550002'), 'delivered', '+13125550002', 'mms'],
        [recipientMessageIdOf(id, '+13125550003'), 'undelivered', '+13125550003', 'mms'],
        [recipientMessageIdOf(id, '+13125550004'), 'unknown', '+13125550004', 'mms'],
      ]);
      expect(new Set(events.map((event) => event.eventId)).size).toBe(3);
      // The message's cost is not any one recipient's price.
      for (const event of events) expect(event.price).toBeUndefined();
      expect(events[0].data).toMatchObject({ recipients: 3, messageCost: { amount: '0.0400', currency: 'USD' }, telnyxMessageId: id });
      // The delivered recipient carries no error; the failed ones the message's first.
      expect(events[0].error).toBeUndefined();
      expect(events[1].error).toEqual({ code: '40002', message: 'Blocked as spam - permanent' });
    });

    it('never puts a whole phone number in a message id', () => {
      for (const event of normalize(fixture('message-finalized-group-mms.json'))) expect(event.messageId).not.toMatch(/\d{7,}/);
    });

    it('keeps an invalid recipient as provider.unknown while the others go through', () => {
      const [good, bad] = normalize(fixture('mixed-recipients-one-invalid.json'));
      expect(good).toMatchObject({ type: 'message.status', status: 'delivered' });
      expect(bad).toMatchObject({ type: 'provider.unknown', data: { invalid: { field: 'data.payload.to.1.phone_number' } } });
      expect(NormalizedEventSchema.safeParse(bad).success).toBe(true);
    });

    it('gives a retried event the same ids, and another event of the same message new ones', () => {
      expect(only(fixture('message-finalized-delivered.json')).eventId).toBe(only(fixture('message-finalized-delivered.json')).eventId);
      expect(only(fixture('message-sent.json')).eventId).not.toBe(only(fixture('message-finalized-delivered.json')).eventId);
    });
  });

  describe('statuses', () => {
    it.each(Object.entries(TELNYX_STATUSES))('maps %s to %s', (status, canonical) => {
      expect(only(withStatus(status))).toMatchObject({ status: canonical, final: STATUS_TABLE[canonical].final, providerStatus: status });
    });

    it('maps every documented to[].status value', () => {
      expect(Object.keys(TELNYX_STATUSES).sort()).toEqual(
        ['queued', 'sending', 'sent', 'expired', 'sending_failed', 'delivery_unconfirmed', 'delivered', 'delivery_failed'].sort(),
      );
    });

    it('keeps an unknown status as unknown, non-final', () => {
      expect(only(withStatus('held_by_carrier'))).toMatchObject({ status: 'unknown', final: false, providerStatus: 'held_by_carrier' });
    });
  });

  describe('inbound', () => {
    it('reads an inbound SMS', () => {
      expect(only(fixture('message-received-sms.json'))).toMatchObject({
        type: 'message.inbound',
        channel: 'sms',
        messageId: '84cca175-9755-4859-b67f-4730d7f58aa3',
        sender: { e164: '+13125550002' },
        recipient: { e164: '+13125550001' },
        occurredAt: '2019-12-09T20:16:07.588Z',
        data: { text: 'Hello from Telnyx!', eventType: 'message.received' },
      });
    });

    it('reads an inbound group MMS with its media, every recipient and cc', () => {
      const event = only(fixture('message-received-mms.json'));
      expect(event).toMatchObject({
        channel: 'mms',
        price: { amount: '0.0100', currency: 'USD' },
        data: {
          subject: 'Photo',
          media: [{ url: 'https://media.telnyx.com/example/photo.jpg', content_type: 'image/jpeg', size: 48213 }],
          to: ['+13125550001', '+13125550005'],
        },
      });
      expect(event.data?.cc).toHaveLength(1);
    });
  });

  it('keeps an event type it does not know (schema drift such as message.delivered) as provider.unknown', () => {
    expect(only(fixture('unknown-event-type.json'))).toMatchObject({ type: 'provider.unknown', data: { eventType: 'message.delivered' } });
  });

  it('catalogs the three messaging events for SMS and MMS', () => {
    expect(telnyx.catalog.map((entry) => [entry.providerEvent, entry.type, entry.channel])).toEqual([
      ['message.sent', 'message.status', 'sms'],
      ['message.finalized', 'message.status', 'sms'],
      ['message.sent, message.finalized (type MMS)', 'message.status', 'mms'],
      ['message.received', 'message.inbound', 'sms'],
      ['message.received (MMS)', 'message.inbound', 'mms'],
    ]);
  });
});

describe('telnyx Ed25519 signature (timestamp|body)', () => {
  // Published: RFC 8032 §7.1 TEST 1 (the Ed25519 primitive; Telnyx publishes no vector with a fixed key).
  const RFC8032_SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex').toString('base64');
  const RFC8032_PUBLIC = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
  const RFC8032_EMPTY_SIGNATURE =
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

  test('RFC 8032 TEST 1: the seed gives the published public key and the published signature of the empty message', () => {
    expect(ed25519PublicKeyOf(RFC8032_SEED)).toBe(RFC8032_PUBLIC);
    const publicKey = createPublicKey(ed25519PrivateKey(RFC8032_SEED));
    expect(verifyBytes(null, Buffer.alloc(0), publicKey, Buffer.from(RFC8032_EMPTY_SIGNATURE, 'hex'))).toBe(true);
  });

  // DERIVED (no Telnyx vector exists): the RFC 8032 TEST 1 key signing `1575926534|<body>`, computed once with
  // node:crypto from the algorithm Telnyx documents (telnyx-node src/lib/webhooks.ts) and pinned here.
  const DERIVED = {
    body: '{"data":{"event_type":"message.finalized","id":"4ee8c3a6-4995-4309-a3c6-38e3db9ea4be"}}',
    timestamp: '1575926534',
    signature: 'tjkelPhE7yK9mWQk6HdksLQl/J63+rkkRhB0UO5+3OIuD0yA8+DOzAc+w5SWelfuyyUX+ZoNFVzB54jIw/ZpDg==',
  };
  const derivedRequest = (overrides: { body?: string; timestamp?: string; signature?: string } = {}) =>
    arrived(
      outgoing({
        body: Buffer.from(overrides.body ?? DERIVED.body),
        headers: {
          'content-type': JSON_TYPE,
          [TELNYX_SIGNATURE_HEADER]: overrides.signature ?? DERIVED.signature,
          [TELNYX_TIMESTAMP_HEADER]: overrides.timestamp ?? DERIVED.timestamp,
        },
      }),
      { now: Number(DERIVED.timestamp) * 1000 },
    );
  const credentials = { signingKeys: [RFC8032_PUBLIC] };

  test('the derived vector verifies at its own time', async () => {
    expect(await telnyxSignature.verify(derivedRequest(), credentials, OPTIONS)).toEqual({ ok: true });
  });

  test.each([
    ['one byte of the body changed', { body: DERIVED.body.replace('finalized', 'finalizeD') }],
    ['another timestamp', { timestamp: String(Number(DERIVED.timestamp) + 1) }],
    [
      'one bit of the signature flipped',
      { signature: `${DERIVED.signature.slice(0, 10)}${DERIVED.signature[10] === 'A' ? 'B' : 'A'}${DERIVED.signature.slice(11)}` },
    ],
  ])('the derived vector with %s does not verify', async (_name, overrides) => {
    expect((await telnyxSignature.verify(derivedRequest(overrides), credentials, OPTIONS)).ok).toBe(false);
  });

  test('round trip: what the scheme signs with the dev seed verifies with the dev public key, and not with another key', async () => {
    const signing = JSON.parse(readFileSync(join(__dirname, '../../../config/signing.dev.json'), 'utf8')) as { telnyx: { privateKeys: string[] } };
    const devCredentials = JSON.parse(readFileSync(join(__dirname, '../../../config/credentials.dev.json'), 'utf8')) as {
      telnyx: { signingKeys: string[] };
    };
    expect(ed25519PublicKeyOf(signing.telnyx.privateKeys[0])).toBe(devCredentials.telnyx.signingKeys[0]);
    const signed = await telnyxSignature.sign(outgoing({ body: Buffer.from(fixture('message-sent.json')) }), {
      credentials: devCredentials.telnyx,
      privateKeys: signing.telnyx.privateKeys,
    });
    const request = arrived(signed, { now: signed.now });
    expect(await telnyxSignature.verify(request, devCredentials.telnyx, OPTIONS)).toEqual({ ok: true });
    expect((await telnyxSignature.verify(request, credentials, OPTIONS)).ok).toBe(false);
  });
});

describe('telnyx through the ingest handler', () => {
  const suite = useIngestSuite();
  const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
  const harness = () => ingestHarness(suite.sqs.client, 'telnyx', { now: () => new Date(NOW) });
  const call = (body = fixture('message-finalized-group-mms.json')) => ({ provider: 'telnyx', contentType: JSON_TYPE, body });

  it('queues one event per recipient of a correctly signed request and answers 200', async () => {
    const { handler, events } = await harness();
    const response = await handler(await signedWebhookEvent(call(), { now: NOW }));
    expect(response.statusCode).toBe(200);
    expect(jsonBody(response)).toEqual({ ok: true, accepted: 3 });
    const queued = (await events(3)).map((message) => JSON.parse(message.Body!) as NormalizedEvent);
    expect(queued.map((event) => event.status).sort()).toEqual(['delivered', 'undelivered', 'unknown']);
  });

  it('accepts a timestamp just inside the tolerance', async () => {
    const { handler } = await harness();
    expect((await handler(await signedWebhookEvent(call(), { now: NOW - 299_000 }))).statusCode).toBe(200);
  });

  const otherKey = {
    credentials: { signingKeys: ['11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='] },
    privateKeys: ['nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A='],
  };
  it.each([
    ['signed with another key', { material: otherKey }],
    [
      'one byte of the body changed',
      { tamper: (r: { body: Buffer }) => ({ ...r, body: Buffer.from(r.body.toString('utf8').replace('delivered', 'delivereD')) }) },
    ],
    ['a stale timestamp (301 s old)', { now: NOW - 301_000 }],
    ['a timestamp from the future (301 s ahead)', { now: NOW + 301_000 }],
    [
      'no signature header',
      { tamper: (r: { headers: Record<string, string> }) => ({ ...r, headers: { ...r.headers, [TELNYX_SIGNATURE_HEADER]: '' } }) },
    ],
    [
      'no timestamp header',
      { tamper: (r: { headers: Record<string, string> }) => ({ ...r, headers: { ...r.headers, [TELNYX_TIMESTAMP_HEADER]: '' } }) },
    ],
  ])('refuses a request %s with 401, queuing nothing', async (_name, options) => {
    const { handler, eventsDepth } = await harness();
    const event = await signedWebhookEvent(call(), { now: NOW, ...(options as object) });
    const response = await handler(event);
    expect(response.statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('answers 400 naming the field for a signed but invalid body', async () => {
    const { handler } = await harness();
    const response = await handler(await signedWebhookEvent(call(fixture('invalid-recipient-without-status.json')), { now: NOW }));
    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toMatchObject({ field: 'data.payload.to.0.status' });
  });

  it('answers 503, never a 4xx, when the queue does not take every event, so Telnyx retries', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'telnyx', {
      now: () => new Date(NOW),
      sqs: faultyClient(suite.sqs.endpoint, (event) => (event.body.status === 'undelivered' ? 'fail' : 'ok')),
    });
    const response = await handler(await signedWebhookEvent(call(), { now: NOW }));
    expect(response.statusCode).toBe(503);
    // The other recipients were queued; Telnyx's retry repeats their event ids, which the store de-duplicates.
    expect(await eventsDepth()).toBe(2);
  });

  it('queues the valid recipient and keeps the invalid one as a rejected record when a recipient is malformed', async () => {
    const { handler, events, eventsDepth, rejectedDepth } = await harness();
    const response = await handler(await signedWebhookEvent(call(fixture('mixed-recipients-one-invalid.json')), { now: NOW }));
    expect(response.statusCode).toBe(200);
    const types = (await events(1)).map((message) => (JSON.parse(message.Body!) as NormalizedEvent).type);
    expect(types).toEqual(['message.status']);
    expect([await eventsDepth(), await rejectedDepth()]).toEqual([1, 1]);
  });
});
