import { encodeForm } from '../../../functions/origin/form';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { webhookRequest } from '../../../functions/providers/common';
import {
  EMPTY_TWIML,
  SIGNATURE_SETTINGS_HEADER,
  TWILIO_STATUSES,
  signatureAlgorithmOf,
  twilio,
  twilioSignature,
} from '../../../functions/providers/twilio';
import type { NormalizeContext } from '../../../functions/providers/types';
import { eventIdOf } from '../../../functions/core/ids';
import { adapterRequestOf } from '../../../local/fixtures';
import { providerRequest, signingMaterial } from '../../../local/provider-requests';
import { ingestHarness, useIngestSuite } from '../ingest/harness';
import {
  type TwilioFormVector,
  TWILIO_AUTH_TOKEN,
  TWILIO_CALL_PARAMS,
  TWILIO_FORM_VECTORS,
  TWILIO_INVALID,
  TWILIO_JSON_VECTORS,
  TWILIO_SIGNATURE,
  TWILIO_URL,
} from '../origin/published-vectors';
import { OPTIONS, arrived, flipped, formParamsOf, outgoing, withHeader } from '../origin/support';
import { validationErrorOf } from '../../support/errors';
import { orderedOf, permutations, winnerOf } from '../../support/order';
import { fixtures, invalidFixtures, signedWebhookEvent, validFixtures, type Fixture } from '../../support/requests';

const FORM = 'application/x-www-form-urlencoded';
const context: NormalizeContext = { receivedAt: '2025-03-01T09:00:00.000Z', timeZone: twilio.defaultTimeZone };
const fixture = (name: string): Fixture => fixtures('twilio').find((candidate) => candidate.name === name)!;
const eventsOf = (item: Fixture | { body: string; contentType?: string; method?: 'GET' | 'POST' }): NormalizedEvent[] =>
  twilio.normalize(adapterRequestOf(item), context).events;
const formOf = (pairs: Record<string, string>) => ({ body: encodeForm(pairs), contentType: FORM });

const keyed = (key: string) => ({ signingKeys: [key] });

describe('X-Twilio-Signature: the published vectors through the adapter scheme', () => {
  const formRequest = (url: string, params: Readonly<Record<string, string | string[]>>, signature: string, headers: Record<string, string> = {}) =>
    arrived(
      outgoing({
        url,
        headers: { 'content-type': FORM, 'x-twilio-signature': signature, ...headers },
        body: Buffer.from(encodeForm(formParamsOf(params))),
      }),
      {
        formParams: () => formParamsOf(params),
      },
    );
  const [, , , repeated] = TWILIO_FORM_VECTORS.find(([name]) => name === 'a repeated parameter')!;

  // The published vectors, with their sources: ../origin/published-vectors.ts.
  test.each([
    ...TWILIO_FORM_VECTORS,
    // The published repeated-parameter vector with its values sent in the other order: Twilio sorts them.
    [
      'a repeated parameter in the other order',
      TWILIO_URL,
      { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] },
      repeated,
    ] satisfies TwilioFormVector,
  ])('%s verifies, and with one bit flipped does not', async (_name, url, params, signature) => {
    expect((await twilioSignature.verify(formRequest(url, params, signature), keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(true);
    expect((await twilioSignature.verify(formRequest(url, params, flipped(signature)), keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(false);
    expect((await twilioSignature.verify(formRequest(url, params, signature), keyed('54321'), OPTIONS)).ok).toBe(false);
  });

  test.each(TWILIO_JSON_VECTORS)('JSON body, %s: verifies; a changed body byte does not', async (_name, url, body, signature) => {
    const request = arrived(
      outgoing({ url, body: Buffer.from(body), headers: { 'content-type': 'application/json', 'x-twilio-signature': signature } }),
    );
    expect((await twilioSignature.verify(request, keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(true);
    expect((await twilioSignature.verify({ ...request, body: Buffer.from(`${body} `) }, keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(false);
  });

  test('published invalid: a JSON body with no bodySHA256 in the URL', async () => {
    const { url, body, signature } = TWILIO_INVALID.jsonWithoutBodyHash;
    const request = arrived(
      outgoing({ url, body: Buffer.from(body), headers: { 'content-type': 'application/json', 'x-twilio-signature': signature } }),
    );
    expect((await twilioSignature.verify(request, keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(false);
  });

  test('published invalid: a query parameter added after signing (a proxy)', async () => {
    const { url, params, signature } = TWILIO_INVALID.queryAddedAfterSigning;
    expect((await twilioSignature.verify(formRequest(url, params, signature), keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(false);
  });

  describe('SharedKey (X-Twilio-Webhooks-Signature-Settings)', () => {
    // DERIVED, not published: Twilio publishes no SharedKey vector. Computed from the documented algorithm ("only the
    // hash changes; the signed string is still the full URL followed by the sorted POST parameters") as base64
    // HMAC-SHA256(key '12345', the URL + sorted parameters of Twilio's first published form vector), whose SHA-1
    // form is the published RSOYDt4T1cUTdK1PDd93/VVr8B8= (TWILIO_SIGNATURE).
    const DERIVED_SHA256 = '033hgUJA9M/hXIZsYjwkerEP/DBm35nEri5FhCYjA5s=';
    const url = TWILIO_URL;
    const settings = { [SIGNATURE_SETTINGS_HEADER]: 'key=KS5f2b3c4d5e6f708192a3b4c5d6e7f809,algorithm=HMAC_SHA256' };

    test('the derived HMAC-SHA256 signature verifies when the header names HMAC_SHA256, and not without the header', async () => {
      expect(
        (await twilioSignature.verify(formRequest(url, TWILIO_CALL_PARAMS, DERIVED_SHA256, settings), keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok,
      ).toBe(true);
      expect((await twilioSignature.verify(formRequest(url, TWILIO_CALL_PARAMS, DERIVED_SHA256), keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(false);
      expect(
        (await twilioSignature.verify(formRequest(url, TWILIO_CALL_PARAMS, flipped(DERIVED_SHA256), settings), keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok,
      ).toBe(false);
    });

    test('the SHA-1 signature is refused when the header names HMAC_SHA256 (no downgrade)', async () => {
      expect(
        (await twilioSignature.verify(formRequest(url, TWILIO_CALL_PARAMS, TWILIO_SIGNATURE, settings), keyed(TWILIO_AUTH_TOKEN), OPTIONS)).ok,
      ).toBe(false);
    });

    test('the second configured key (the SharedKey beside the Auth Token) is tried too', async () => {
      const request = formRequest(url, TWILIO_CALL_PARAMS, DERIVED_SHA256, settings);
      expect((await twilioSignature.verify(request, { signingKeys: ['the-auth-token', TWILIO_AUTH_TOKEN] }, OPTIONS)).ok).toBe(true);
    });

    test('an algorithm Twilio does not document is refused, naming the header', async () => {
      const request = formRequest(url, TWILIO_CALL_PARAMS, DERIVED_SHA256, { [SIGNATURE_SETTINGS_HEADER]: 'key=KS1,algorithm=HMAC_MD5' });
      expect(await twilioSignature.verify(request, keyed(TWILIO_AUTH_TOKEN), OPTIONS)).toMatchObject({
        ok: false,
        header: SIGNATURE_SETTINGS_HEADER,
      });
    });

    test.each([
      [undefined, 'sha1'],
      ['key=KS1,algorithm=HMAC_SHA256', 'sha256'],
      ['algorithm=HMAC_SHA1, key=KS1', 'sha1'],
      ['key=KS1', undefined],
      ['key=KS1,algorithm=hmac_sha256', undefined],
    ])('settings %p → %p', (header, algorithm) => {
      expect(signatureAlgorithmOf(header)).toBe(algorithm);
    });

    test('signing follows the header the request carries, so tools can send SharedKey traffic', async () => {
      const signed = await twilioSignature.sign(
        outgoing({ url, headers: { 'content-type': FORM, ...settings }, body: Buffer.from(encodeForm(TWILIO_CALL_PARAMS)) }),
        { credentials: keyed(TWILIO_AUTH_TOKEN) },
      );
      expect(signed.headers['x-twilio-signature']).toBe(DERIVED_SHA256);
    });
  });

  test('a missing signature header is refused as missing', async () => {
    const request = withHeader(formRequest('https://mycompany.com/myapp.php', TWILIO_CALL_PARAMS, 'x'), 'x-twilio-signature', undefined);
    expect(await twilioSignature.verify(request, keyed(TWILIO_AUTH_TOKEN), OPTIONS)).toMatchObject({ ok: false, reason: 'missing_signature' });
  });
});

describe('every fixture', () => {
  test.each(validFixtures('twilio').map((f) => [f.name, f] as const))('%s normalizes to schema-valid Twilio events', (_name, item) => {
    const events = eventsOf(item);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
      expect(event.provider).toBe('twilio');
    }
    expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);
    expect(eventsOf(item).map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
  });

  const INVALID: Record<string, string> = {
    'invalid-event-streams-bad-timestamp.json': '0.data.timestamp: not a recognised date-time',
    'invalid-event-streams-empty-list.json': 'body is an empty list',
    'invalid-event-streams-not-json.json': 'body is not valid JSON',
    'invalid-missing-message-sid.form': 'MessageSid: missing',
    'invalid-missing-status.form': 'MessageStatus: missing',
    'invalid-nested-too-deep.json': 'body is nested deeper than 64 levels',
    'invalid-num-segments.form': 'NumSegments: invalid format',
    'invalid-repeated-message-sid.form': 'MessageSid: expected string',
  };
  test('every invalid fixture has its expected answer', () => {
    expect(
      invalidFixtures('twilio')
        .map((f) => f.name)
        .sort(),
    ).toEqual(Object.keys(INVALID).sort());
  });
  test.each(Object.entries(INVALID))('%s is a 400: %s', (name, message) => {
    expect(validationErrorOf(() => eventsOf(fixture(name))).message).toBe(message);
  });
});

describe('status callbacks', () => {
  const base = {
    MessageSid: 'SM3a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d',
    AccountSid: 'AC1f3a9c2b7d4e5f60718293a4b5c6d7e8',
    From: '+15017122661',
    To: '+15558675310',
  };

  test.each(Object.entries(TWILIO_STATUSES))('%s is %s with its finality', (providerStatus, status) => {
    const [event] = eventsOf(formOf({ ...base, MessageStatus: providerStatus }));
    expect(event).toMatchObject({ type: 'message.status', status, final: STATUS_TABLE[status].final, providerStatus });
    expect(event.eventId).toBe(eventIdOf('twilio', base.MessageSid, providerStatus));
  });

  test('a status Twilio adds later is kept as unknown, non-final', () => {
    expect(eventsOf(fixture('status-unlisted.form'))[0]).toMatchObject({ status: 'unknown', final: false, providerStatus: 'pending_review' });
  });

  test('RawDlrDoneDate is kept as sent and never becomes occurredAt (it has no zone)', () => {
    const [event] = eventsOf(fixture('status-delivered.form'));
    expect(event.data).toMatchObject({ rawDlrDoneDate: '2412121438', accountSid: 'AC1f3a9c2b7d4e5f60718293a4b5c6d7e8' });
    expect(event.occurredAt).toBe(context.receivedAt);
    expect(event.occurredAtRaw).toBeUndefined();
    expect(event).toMatchObject({ segments: 2, recipient: { raw: '+15558675310', e164: '+15558675310' } });
  });

  test('a failure carries ErrorCode and ErrorMessage as its error; a delivered with an empty ErrorCode has none', () => {
    expect(eventsOf(fixture('status-failed.form'))[0].error).toEqual({ code: '30007', message: 'Message filtered' });
    expect(eventsOf(fixture('status-undelivered.form'))[0].error).toEqual({ code: '30003', message: 'Unreachable destination handset' });
    expect(eventsOf(fixture('status-delivered.form'))[0].error).toBeUndefined();
    const [warned] = eventsOf(formOf({ ...base, MessageStatus: 'sent', ErrorCode: '30034' }));
    expect(warned.error).toBeUndefined();
    expect(warned.data?.errorCode).toBe('30034');
  });

  test('channels: a whatsapp: address is WhatsApp, an MM sid is MMS, else SMS', () => {
    expect(eventsOf(fixture('status-whatsapp-read.form'))[0]).toMatchObject({
      channel: 'whatsapp',
      status: 'read',
      recipient: { raw: 'whatsapp:+15558675310', e164: '+15558675310' },
      data: { channel: { ChannelPrefix: 'whatsapp', ChannelToAddress: '+15558675310' } },
    });
    expect(eventsOf(fixture('status-mms-delivered.form'))[0].channel).toBe('mms');
    expect(eventsOf(fixture('status-sent.form'))[0].channel).toBe('sms');
    expect(eventsOf(formOf({ ...base, From: 'rcs:acme_agent', To: 'rcs:+15558675310', MessageStatus: 'read' }))[0].channel).toBe('rcs');
  });

  test('price when Twilio reports it, as the decimal it wrote', () => {
    expect(eventsOf(fixture('status-with-price.form'))[0].price).toEqual({ amount: '-0.00790', currency: 'USD' });
    expect(eventsOf(fixture('status-delivered.form'))[0].price).toBeUndefined();
  });

  test('NumSegments 0 (a Messaging Service before it picked a sender) is left out', () => {
    expect(eventsOf(formOf({ ...base, MessageStatus: 'accepted', NumSegments: '0' }))[0].segments).toBeUndefined();
  });

  test('a short code or alphanumeric sender keeps its raw form without E.164', () => {
    expect(eventsOf(formOf({ ...base, From: 'ACME', MessageStatus: 'sent' }))[0].sender).toEqual({ raw: 'ACME' });
  });

  test('raw is every parameter as sent, a repeated unread one as a list', () => {
    const [event] = eventsOf({ body: `${encodeForm(base)}&MessageStatus=sent&Extra=1&Extra=2`, contentType: FORM });
    expect(event.raw).toMatchObject({ ...base, MessageStatus: 'sent', Extra: ['1', '2'] });
  });

  test('Twilio "sent after delivered" (and any other order) converges on delivered, read after it on read', () => {
    const sid = 'SM0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f';
    const eventsOfStatuses = (statuses: string[]): NormalizedEvent[] =>
      statuses.map((providerStatus, i) => {
        const [event] = twilio.normalize(
          webhookRequest({ body: encodeForm({ ...base, MessageSid: sid, MessageStatus: providerStatus }), contentType: FORM }),
          { ...context, receivedAt: `2025-03-01T09:00:0${i}.000Z` },
        ).events;
        return event;
      });
    for (const order of permutations(eventsOfStatuses(['queued', 'sent', 'delivered']).map(orderedOf)))
      expect(winnerOf(order)?.status).toBe('delivered');
    for (const order of permutations(eventsOfStatuses(['sent', 'delivered', 'read']).map(orderedOf))) expect(winnerOf(order)?.status).toBe('read');
  });
});

describe('incoming messages', () => {
  test('an SMS: sender, recipient, text, geography', () => {
    const [event] = eventsOf(fixture('inbound-sms.form'));
    expect(event).toMatchObject({
      type: 'message.inbound',
      channel: 'sms',
      messageId: 'SM15c2b1a09d8e7f6a5b4c3d2e1f0a9b8c',
      sender: { raw: '+14155552671', e164: '+14155552671' },
      recipient: { raw: '+15017122661', e164: '+15017122661' },
      segments: 1,
      data: { body: 'Hello from the other side', numMedia: 0, geo: { FromCity: 'SAN FRANCISCO', ToCountry: 'US' } },
    });
  });

  test('an MMS lists its media with their types', () => {
    const [event] = eventsOf(fixture('inbound-mms.form'));
    expect(event.channel).toBe('mms');
    expect(event.data?.media).toEqual([
      { url: expect.stringMatching(/\/Media\/ME0a1b/), contentType: 'image/jpeg' },
      { url: expect.stringMatching(/\/Media\/ME1b2c/), contentType: 'image/png' },
    ]);
  });

  test("WhatsApp's fields: profile, WaId, button reply, location", () => {
    expect(eventsOf(fixture('inbound-whatsapp-button.form'))[0]).toMatchObject({
      channel: 'whatsapp',
      data: { whatsapp: { ProfileName: 'Sheena Nelson', WaId: '14155552671', ButtonText: 'Yes, confirm', ButtonPayload: 'confirm-order-1234' } },
    });
    expect(eventsOf(fixture('inbound-whatsapp-location.form'))[0].data?.whatsapp).toMatchObject({ Latitude: '37.7879277', Label: 'Twilio HQ' });
  });

  test('a GET with the fields in the query is the same incoming message', () => {
    const [event] = eventsOf(fixture('inbound-sms-get.query'));
    expect(event).toMatchObject({ type: 'message.inbound', messageId: 'SM7c28b7a6f5d4e3f2a1b0c9d8e7f6a5b4', data: { body: 'STOP' } });
  });
});

describe('Event Streams', () => {
  test('a status batch gives one event per CloudEvent, timed by its timestamp, with network and segments', () => {
    const events = eventsOf(fixture('event-streams-status-batch.json'));
    expect(events.map((event) => [event.status, event.occurredAt])).toEqual([
      ['queued', '2025-01-01T00:00:01.000Z'],
      ['sent', '2025-01-01T00:00:02.000Z'],
      ['delivered', '2025-01-01T00:00:03.000Z'],
    ]);
    expect(events[2]).toMatchObject({ segments: 1, network: { mcc: '310', mnc: '090' }, data: { rawDlrDoneDate: '2501010000' } });
  });

  test('the same fact from a callback and from Event Streams has one event id', () => {
    const [fromStream] = eventsOf(fixture('event-streams-status-batch.json')).slice(2);
    const [fromCallback] = eventsOf(formOf({ MessageSid: 'SM0000000000000000000000000000002', MessageStatus: 'delivered' }));
    expect(fromStream.eventId).toBe(fromCallback.eventId);
  });

  test('a batch with one invalid CloudEvent keeps it as provider.unknown with its error; the other goes through', () => {
    const [good, bad] = eventsOf(fixture('event-streams-mixed-one-invalid.json'));
    expect(good).toMatchObject({ type: 'message.status', status: 'undelivered', error: { code: '30005' } });
    expect(bad).toMatchObject({ type: 'provider.unknown', data: { invalid: { field: '1.data.timestamp' } } });
  });

  test('an event type of another product is kept as provider.unknown', () => {
    expect(eventsOf(fixture('event-streams-unknown-type.json'))[0]).toMatchObject({
      type: 'provider.unknown',
      data: { cloudEventType: 'com.twilio.messaging.link-shortening.clicked' },
    });
  });
});

describe('through the ingest', () => {
  const suite = useIngestSuite();
  const statusCall = { provider: 'twilio', contentType: FORM, body: fixture('status-delivered.form').body };
  const AUTH_TOKEN = 'dev-twilio-auth-token-0123456789abcdef';

  test('a signed status callback is queued and answered with empty TwiML', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, 'twilio');
    const response = await handler(await signedWebhookEvent(statusCall));
    expect(response).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: EMPTY_TWIML });
    expect(await events(1)).toHaveLength(1);
  });

  test('an incoming message by GET and a JSON Event Streams batch are verified and queued', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, 'twilio');
    const get = fixture('inbound-sms-get.query');
    expect((await handler(await signedWebhookEvent({ provider: 'twilio', method: 'GET', body: get.body }))).statusCode).toBe(200);
    const batch = fixture('event-streams-status-batch.json');
    expect((await handler(await signedWebhookEvent({ provider: 'twilio', contentType: 'application/json', body: batch.body }))).statusCode).toBe(200);
    expect(await events(4)).toHaveLength(4);
  });

  test.each([
    ['signed with another key', { material: { credentials: { signingKeys: ['not-the-auth-token'] } } }],
    [
      'one body byte changed',
      { tamper: (r: { body: Buffer }) => ({ ...r, body: Buffer.from(r.body.toString().replace('delivered', 'delivereD')) }) },
    ],
    ['a query parameter added', { tamper: (r: { url: string }) => ({ ...r, url: `${r.url}?proxy=1` }) }],
    [
      'no signature header',
      {
        tamper: (r: { headers: Record<string, string> }) => ({
          ...r,
          headers: { ...r.headers, 'x-twilio-signature': undefined as unknown as string },
        }),
      },
    ],
  ])('%s: 401, nothing queued', async (_name, options) => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'twilio');
    const response = await handler(await signedWebhookEvent(statusCall, options as Parameters<typeof signedWebhookEvent>[1]));
    expect(response.statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  test('behind a custom domain: verified against PUBLIC_BASE_URL, refused against the host the function sees', async () => {
    // Twilio signs the URL it calls (the custom domain); the function sees the gateway's host (localhost here).
    const publicRequest = await providerRequest(statusCall, { baseUrl: 'https://hooks.example.com', material: signingMaterial('twilio') });
    const signature = publicRequest.headers['x-twilio-signature'];
    const event = await signedWebhookEvent(statusCall, { tamper: (r) => ({ ...r, headers: { ...r.headers, 'x-twilio-signature': signature } }) });
    const { handler: withBase } = await ingestHarness(suite.sqs.client, 'twilio', { publicBaseUrl: 'https://hooks.example.com' });
    const { handler: withoutBase } = await ingestHarness(suite.sqs.client, 'twilio');
    expect((await withBase(event)).statusCode).toBe(200);
    expect((await withoutBase(event)).statusCode).toBe(401);
  });

  test('SharedKey: the settings header names HMAC_SHA256 and the SharedKey secret sits beside the Auth Token', async () => {
    const document = { twilio: { signingKeys: [AUTH_TOKEN, 'shared-key-secret-0123456789'] } };
    const { handler } = await ingestHarness(suite.sqs.client, 'twilio', { document });
    const call = { ...statusCall, headers: { [SIGNATURE_SETTINGS_HEADER]: 'key=KS0123,algorithm=HMAC_SHA256' } };
    const material = { credentials: { signingKeys: ['shared-key-secret-0123456789'] } };
    expect((await handler(await signedWebhookEvent(call, { material }))).statusCode).toBe(200);
    const unsupported = { ...statusCall, headers: { [SIGNATURE_SETTINGS_HEADER]: 'key=KS0123,algorithm=HMAC_MD5' } };
    expect((await handler(await signedWebhookEvent(unsupported, { material }))).statusCode).toBe(401);
  });

  test('accounts: an AccountSid not listed is refused, a listed one accepted', async () => {
    const listed = await ingestHarness(suite.sqs.client, 'twilio', {
      document: { twilio: { signingKeys: [AUTH_TOKEN], accounts: ['AC1f3a9c2b7d4e5f60718293a4b5c6d7e8'] } },
    });
    expect((await listed.handler(await signedWebhookEvent(statusCall))).statusCode).toBe(200);
    const other = await ingestHarness(suite.sqs.client, 'twilio', {
      document: { twilio: { signingKeys: [AUTH_TOKEN], accounts: ['AC00000000000000000000000000000000'] } },
    });
    expect((await other.handler(await signedWebhookEvent(statusCall))).statusCode).toBe(401);
    expect(await other.eventsDepth()).toBe(0);
  });

  test('an invalid but signed body is a 400 naming the field', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'twilio');
    const response = await handler(
      await signedWebhookEvent({ provider: 'twilio', contentType: FORM, body: fixture('invalid-missing-message-sid.form').body }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ field: 'MessageSid' });
  });
});
