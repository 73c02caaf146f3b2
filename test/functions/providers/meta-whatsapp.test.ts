import { createHmac } from 'node:crypto';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { webhookRequest } from '../../../functions/providers/common';
import {
  META_STATUSES,
  META_UNMAPPED_STATUSES,
  metaHandshake,
  metaSignature,
  metaWhatsapp,
  parseBody,
} from '../../../functions/providers/meta-whatsapp';
import type { NormalizeContext } from '../../../functions/providers/types';
import { eventIdOf } from '../../../functions/core/ids';
import { ingestHarness, jsonBody, useIngestSuite } from '../ingest/harness';
import { META_SIGNATURE_VECTORS, META_SIGNED_BODY } from '../origin/published-vectors';
import { OPTIONS, arrived, outgoing } from '../origin/support';
import { validationErrorOf } from '../../support/errors';
import { orderedOf, permutations, winnerOf } from '../../support/order';
import { fixtures, invalidFixtures, signedWebhookEvent, validFixtures, webhookEvent, type Fixture } from '../../support/requests';

const JSON_TYPE = 'application/json';
const context: NormalizeContext = { receivedAt: '2025-06-09T00:00:00.000Z', timeZone: metaWhatsapp.defaultTimeZone };
const fixture = (name: string): Fixture => fixtures('meta-whatsapp').find((candidate) => candidate.name === name)!;
const eventsOf = (item: Fixture | string | object): NormalizedEvent[] => {
  const body =
    typeof item === 'string' ? item : 'body' in item && typeof (item as Fixture).name === 'string' ? (item as Fixture).body : JSON.stringify(item);
  return metaWhatsapp.normalize(webhookRequest({ body, contentType: JSON_TYPE }), context).events;
};

const WABA = '102290129340398';
const METADATA = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
const envelope = (value: object, field = 'messages') => ({ object: 'whatsapp_business_account', entry: [{ id: WABA, changes: [{ value, field }] }] });
const statuses = (...items: object[]) => envelope({ messaging_product: 'whatsapp', metadata: METADATA, statuses: items });
const status = (value: string, timestamp: string, id = 'wamid.TEST0001') => ({ id, status: value, timestamp, recipient_id: '16505551234' });

describe('X-Hub-Signature-256: the published vectors through the adapter scheme', () => {
  // The published vectors, with their sources: ../origin/published-vectors.ts.
  test.each(META_SIGNATURE_VECTORS)(
    'app secret %s, body "test": verifies; one flipped bit, another secret or another body do not',
    async (secret, header) => {
      const request = arrived(
        outgoing({ body: Buffer.from(META_SIGNED_BODY), headers: { 'content-type': JSON_TYPE, 'x-hub-signature-256': header } }),
      );
      const flippedHeader = header.slice(0, -1) + (header.endsWith('0') ? '1' : '0');
      expect((await metaSignature.verify(request, { signingKeys: [secret] }, OPTIONS)).ok).toBe(true);
      expect(
        (
          await metaSignature.verify(
            { ...request, headers: { ...request.headers, 'x-hub-signature-256': flippedHeader } },
            { signingKeys: [secret] },
            OPTIONS,
          )
        ).ok,
      ).toBe(false);
      expect((await metaSignature.verify(request, { signingKeys: [`${secret}x`] }, OPTIONS)).ok).toBe(false);
      expect((await metaSignature.verify({ ...request, body: Buffer.from('tesT') }, { signingKeys: [secret] }, OPTIONS)).ok).toBe(false);
    },
  );

  test.each(META_SIGNATURE_VECTORS)('signing with app secret %s reproduces the published header', async (secret, header) => {
    const signed = await metaSignature.sign(outgoing({ body: Buffer.from(META_SIGNED_BODY) }), { credentials: { signingKeys: [secret] } });
    expect(signed.headers['x-hub-signature-256']).toBe(header);
  });

  test('a header without the sha256= prefix is refused', async () => {
    const [secret, header] = META_SIGNATURE_VECTORS[0];
    const request = arrived(outgoing({ body: Buffer.from(META_SIGNED_BODY), headers: { 'x-hub-signature-256': header.replace(/^sha256=/, '') } }));
    expect((await metaSignature.verify(request, { signingKeys: [secret] }, OPTIONS)).ok).toBe(false);
  });
});

describe('every fixture', () => {
  test.each(validFixtures('meta-whatsapp').map((f) => [f.name, f] as const))('%s normalizes to schema-valid WhatsApp events', (_name, item) => {
    const events = eventsOf(item);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
      expect(event).toMatchObject({ provider: 'meta-whatsapp', channel: 'whatsapp' });
    }
    expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);
    expect(eventsOf(item).map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
  });

  const INVALID: Record<string, string> = {
    'invalid-empty-entry.json': 'entry: too small',
    'invalid-message-bad-timestamp.json': 'entry.0.changes.0.value.messages.0.timestamp: invalid format',
    'invalid-nested-too-deep.json': 'body is nested deeper than 64 levels',
    'invalid-not-an-envelope.json': 'entry: expected array',
    'invalid-not-json.json': 'body is not valid JSON',
    'invalid-status-missing-timestamp.json': 'entry.0.changes.0.value.statuses.0.timestamp: expected string',
    'invalid-statuses-not-array.json': 'entry.0.changes.0.value.statuses: expected array',
  };
  test('every invalid fixture has its expected answer', () => {
    expect(
      invalidFixtures('meta-whatsapp')
        .map((f) => f.name)
        .sort(),
    ).toEqual(Object.keys(INVALID).sort());
  });
  test.each(Object.entries(INVALID))('%s is a 400: %s', (name, message) => {
    expect(validationErrorOf(() => eventsOf(fixture(name))).message).toBe(message);
  });
});

describe('statuses', () => {
  test.each(Object.entries(META_STATUSES))('%s is %s with its finality, timed by Meta', (providerStatus, canonical) => {
    const [event] = eventsOf(statuses(status(providerStatus, '1749416390')));
    expect(event).toMatchObject({
      type: 'message.status',
      messageId: 'wamid.TEST0001',
      status: canonical,
      final: STATUS_TABLE[canonical].final,
      providerStatus,
      occurredAt: '2025-06-08T20:59:50.000Z',
      occurredAtRaw: '1749416390',
      recipient: { raw: '16505551234', e164: '+16505551234' },
      sender: { raw: '15550783881', e164: '+15550783881' },
      data: { wabaId: WABA, phoneNumberId: '106540352242922' },
    });
    expect(event.eventId).toBe(eventIdOf('meta-whatsapp', 'wamid.TEST0001', providerStatus, undefined));
  });

  test.each([...META_UNMAPPED_STATUSES, 'pending'])('%s is kept as unknown, non-final (it never moves the status)', (providerStatus) => {
    expect(eventsOf(statuses(status(providerStatus, '1749416390')))[0]).toMatchObject({ status: 'unknown', final: false, providerStatus });
  });

  test('a failure carries the first error as code and text; conversation and pricing stay in data', () => {
    const [failed] = eventsOf(fixture('status-failed.json'));
    expect(failed.error).toEqual({
      code: '131026',
      message: "Message undeliverable: Message failed to send because the recipient's phone number is not a WhatsApp phone number.",
    });
    const [sent] = eventsOf(fixture('status-sent.json'));
    expect(sent.data).toMatchObject({
      conversation: { origin: { type: 'marketing' } },
      pricing: { billable: true, pricing_model: 'PMP', category: 'marketing' },
      bizOpaqueCallbackData: 'order-1234',
    });
    expect(sent.price).toBeUndefined();
  });

  test('a warning keeps its errors in data and sets no error (nothing failed)', () => {
    const [warning] = eventsOf(fixture('status-warning.json'));
    expect(warning.error).toBeUndefined();
    expect(warning.data?.errors).toEqual([expect.objectContaining({ code: 131053 })]);
  });

  describe('documented ordering quirks converge through the status rule', () => {
    const converges = (items: object[]) => {
      const winners = permutations(eventsOf(statuses(...items)).map(orderedOf)).map((order) => winnerOf(order));
      expect(new Set(winners.map((winner) => winner?.eventId)).size).toBe(1);
      return winners[0]?.status;
    };

    test('read without delivered (read at once in the chat): read, whatever the order', () => {
      expect(converges([status('sent', '1749416384'), status('read', '1749416385')])).toBe('read');
    });

    test('delivered after failed (a second device): the later of the two by Meta time, in every order', () => {
      expect(converges([status('sent', '1749416384'), status('failed', '1749416390'), status('delivered', '1749416395')])).toBe('delivered');
      expect(converges([status('sent', '1749416384'), status('delivered', '1749416390'), status('failed', '1749416395')])).toBe('failed');
    });

    test('read after failed, with deleted and an unknown status among them: read', () => {
      expect(
        converges([status('failed', '1749416390'), status('deleted', '1749416391'), status('read', '1749416392'), status('pending', '1749416393')]),
      ).toBe('read');
    });
  });
});

describe('batches', () => {
  test('statuses and messages of several changes: each its own event, in the order sent', () => {
    const events = eventsOf(fixture('batch-statuses-and-messages.json'));
    expect(events.map((event) => [event.type, event.status ?? null])).toEqual([
      ['message.status', 'sent'],
      ['message.status', 'delivered'],
      ['message.status', 'read'],
      ['message.inbound', null],
    ]);
    expect(events[3].data).toMatchObject({ profileName: 'Kerry Fisher', body: 'Thanks, got it' });
  });

  test('one invalid status among good ones is kept as provider.unknown naming the field; the good one goes through', () => {
    const [good, bad] = eventsOf(fixture('batch-one-invalid-status.json'));
    expect(good).toMatchObject({ type: 'message.status', status: 'sent' });
    expect(bad).toMatchObject({
      type: 'provider.unknown',
      data: { phoneNumberId: '106540352242922', invalid: { field: 'entry.0.changes.0.value.statuses.1.timestamp' } },
    });
  });

  test('a batch with nothing usable is a 400 naming the first bad field', () => {
    const body = statuses({ id: 'wamid.A', status: 'sent' }, { id: 'wamid.B', status: 'read' });
    expect(validationErrorOf(() => eventsOf(body)).field).toBe('entry.0.changes.0.value.statuses.0.timestamp');
  });

  test('an envelope with no change in it is a ping: accepted, nothing queued', () => {
    expect(
      metaWhatsapp.normalize(
        webhookRequest({ body: JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: WABA, changes: [] }] }) }),
        context,
      ),
    ).toEqual({
      events: [],
      ping: true,
    });
  });
});

describe('inbound messages', () => {
  test("the published text example: sender, business number, text, the contact's profile name", () => {
    const [event] = eventsOf(fixture('inbound-text.json'));
    expect(event).toMatchObject({
      eventId: eventIdOf('meta-whatsapp', 'inbound', 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA='),
      type: 'message.inbound',
      messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
      sender: { raw: '16505551234', e164: '+16505551234' },
      recipient: { raw: '15550783881', e164: '+15550783881' },
      occurredAt: '2025-06-08T20:59:43.000Z',
      data: {
        messageType: 'text',
        text: { body: 'Does it come in another color?' },
        body: 'Does it come in another color?',
        profileName: 'Sheena Nelson',
      },
    });
  });

  test.each([
    ['inbound-image.json', 'image', { image: expect.objectContaining({ mime_type: 'image/jpeg', caption: 'This one?' }) }],
    ['inbound-audio.json', 'audio', { audio: expect.objectContaining({ voice: true }) }],
    ['inbound-video.json', 'video', { video: expect.objectContaining({ mime_type: 'video/mp4' }) }],
    ['inbound-document.json', 'document', { document: expect.objectContaining({ filename: 'invoice-1234.pdf' }) }],
    ['inbound-sticker.json', 'sticker', { sticker: expect.objectContaining({ mime_type: 'image/webp' }) }],
    ['inbound-location.json', 'location', { location: expect.objectContaining({ latitude: 37.4852, name: 'Meta Headquarters' }) }],
    [
      'inbound-contacts.json',
      'contacts',
      { contacts: [expect.objectContaining({ name: expect.objectContaining({ formatted_name: 'Barbara Johnson' }) })] },
    ],
    [
      'inbound-interactive-button-reply.json',
      'interactive',
      { reply: { kind: 'button_reply', id: 'confirm-yes', title: 'Yes' }, context: expect.objectContaining({ from: '15550783881' }) },
    ],
    ['inbound-interactive-list-reply.json', 'interactive', { reply: { kind: 'list_reply', id: 'slot-0930', title: '09:30' } }],
    ['inbound-button.json', 'button', { reply: { kind: 'button', id: 'stop-promotions', title: 'Stop promotions' } }],
    ['inbound-reaction.json', 'reaction', { reaction: expect.objectContaining({ emoji: '\u{1F44D}' }) }],
    ['inbound-order.json', 'order', { order: expect.objectContaining({ catalog_id: '1285374957482905' }) }],
    ['inbound-system.json', 'system', { system: expect.objectContaining({ type: 'user_changed_number' }) }],
    ['inbound-unsupported.json', 'unsupported', { errors: [expect.objectContaining({ code: 131051 })] }],
    ['inbound-referral.json', 'text', { referral: expect.objectContaining({ source_type: 'ad', ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ' }) }],
  ])('%s: type %s with its content in data', (name, messageType, data) => {
    expect(eventsOf(fixture(name))[0]).toMatchObject({ type: 'message.inbound', data: { messageType, ...data } });
  });

  test('a type Meta adds later is still an inbound message, its content left in raw', () => {
    const [event] = eventsOf(fixture('inbound-unlisted-type.json'));
    expect(event).toMatchObject({ type: 'message.inbound', data: { messageType: 'poll' } });
    expect(event.data).not.toHaveProperty('poll');
    expect((event.raw as { poll?: unknown }).poll).toEqual({ question: 'Which color?' });
  });
});

describe('other fields', () => {
  test('an app-level error is provider.unknown carrying the error', () => {
    expect(eventsOf(fixture('errors.json'))[0]).toMatchObject({
      type: 'provider.unknown',
      error: { code: '131000', message: 'Something went wrong: Unexpected error while processing the webhook payload.' },
      data: { field: 'messages', kind: 'error', phoneNumberId: '106540352242922' },
    });
  });

  test('template status updates are template.status timed by entry.time', () => {
    expect(eventsOf(fixture('template-status-approved.json'))[0]).toMatchObject({
      type: 'template.status',
      providerStatus: 'APPROVED',
      occurredAt: '2025-06-08T21:01:40.000Z',
      data: {
        field: 'message_template_status_update',
        templateId: '594425479261596',
        templateName: 'order_confirmation',
        templateLanguage: 'en_US',
        templateCategory: 'UTILITY',
      },
    });
    expect(eventsOf(fixture('template-status-rejected.json'))[0].data).toMatchObject({ reason: 'INVALID_FORMAT', rejectionInfo: expect.any(Object) });
    expect(eventsOf(fixture('template-quality-update.json'))[0]).toMatchObject({
      type: 'template.status',
      providerStatus: 'YELLOW',
      data: { previousQualityScore: 'GREEN' },
    });
    expect(eventsOf(fixture('template-category-update.json'))[0]).toMatchObject({
      type: 'template.status',
      providerStatus: 'MARKETING',
      data: { previousCategory: 'UTILITY' },
    });
  });

  test('a template id beyond 2^53 keeps its exact digits (never a rounded double)', () => {
    const [event] = eventsOf(fixture('template-status-disabled-large-id.json'));
    expect(event.data).toMatchObject({ templateId: '18446744073709551557', disableInfo: { disable_date: '1750021500' } });
    expect(parseBody('{"a":9007199254740993,"b":12,"c":"9007199254740993"}')).toEqual({ a: '9007199254740993', b: 12, c: '9007199254740993' });
  });

  test('account, quality and name updates', () => {
    expect(eventsOf(fixture('account-update.json'))[0]).toMatchObject({
      type: 'account.review',
      providerStatus: 'ACCOUNT_VIOLATION',
      data: { violationInfo: { violation_type: 'SCAM' } },
    });
    expect(eventsOf(fixture('account-review-update.json'))[0]).toMatchObject({ type: 'account.review', providerStatus: 'APPROVED' });
    expect(eventsOf(fixture('phone-number-quality-update.json'))[0]).toMatchObject({
      type: 'account.review',
      providerStatus: 'DOWNGRADE',
      data: { currentLimit: 'TIER_1K', oldLimit: 'TIER_10K' },
    });
    expect(eventsOf(fixture('phone-number-name-update.json'))[0]).toMatchObject({
      type: 'phone_number.name',
      providerStatus: 'APPROVED',
      data: { requestedVerifiedName: 'Lucky Shrub' },
    });
  });

  test('a field this adapter does not know is kept as provider.unknown with its value', () => {
    expect(eventsOf(fixture('unknown-field.json'))[0]).toMatchObject({
      type: 'provider.unknown',
      data: { field: 'security' },
      raw: { event: 'PASSWORD_CHANGED' },
    });
  });
});

describe('the verification handshake (adapter)', () => {
  const get = (query: string) => webhookRequest({ method: 'GET', body: '', rawQuery: query });
  const credentials = { verifyTokens: ['old-token', 'meatyhamhock'] };

  test("Meta's documented request is answered with the bare challenge as text/plain", () => {
    // Source: developers.facebook.com/docs/graph-api/webhooks/getting-started (the verification request example).
    const request = get('hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock');
    expect(metaHandshake.matches(request)).toBe(true);
    expect(metaHandshake.answer(request, credentials)).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: '1158201444' });
  });

  test.each([
    ['a wrong token', 'hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhocK'],
    ['no token', 'hub.mode=subscribe&hub.challenge=1158201444'],
    ['a repeated token', 'hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=x&hub.verify_token=meatyhamhock'],
    ['an operator-looking token', 'hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token[$ne]=x'],
    ['another mode', 'hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock'],
    ['a challenge that is not a plain token', 'hub.mode=subscribe&hub.challenge=%3Cscript%3E&hub.verify_token=meatyhamhock'],
  ])('%s: 403', (_name, query) => {
    expect(metaHandshake.answer(get(query), credentials).statusCode).toBe(403);
  });

  test('no verify token configured: 403 (fail closed)', () => {
    expect(metaHandshake.answer(get('hub.mode=subscribe&hub.challenge=1&hub.verify_token=x'), undefined).statusCode).toBe(403);
    expect(metaHandshake.answer(get('hub.mode=subscribe&hub.challenge=1&hub.verify_token=x'), { signingKeys: ['s'] }).statusCode).toBe(403);
  });

  test('a POST is never the handshake', () => {
    expect(metaHandshake.matches(webhookRequest({ method: 'POST', body: '{}', rawQuery: 'hub.mode=subscribe' }))).toBe(false);
  });
});

describe('through the ingest', () => {
  const suite = useIngestSuite();
  const deliveredCall = { provider: 'meta-whatsapp', contentType: JSON_TYPE, body: fixture('status-delivered.json').body };
  const VERIFY_TOKEN = 'dev-meta-verify-token-0123456789';
  const handshake = (query: Record<string, string>) => webhookEvent('meta-whatsapp', { method: 'GET', body: '', contentType: null, query });

  test('the handshake with the configured token is answered with the challenge, unsigned, nothing queued', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'meta-whatsapp');
    const response = await handler(handshake({ 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': VERIFY_TOKEN }));
    expect(response).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: '1158201444' });
    expect(await eventsDepth()).toBe(0);
  });

  test('the handshake with a wrong token is answered 403, counted as an authentication failure, and nothing is echoed', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'meta-whatsapp');
    const response = await handler(handshake({ 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': 'guess' }));
    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain('1158201444');
    const line = suite.output.logs().find((log) => log.provider === 'meta-whatsapp' && typeof log.outcome === 'string');
    expect(line).toMatchObject({ outcome: 'unauthorized', reason: 'credentials_mismatch' });
    expect(JSON.stringify(suite.output.lines)).not.toContain('guess');
  });

  test('a verify token added to the secret is seen by the handshake: a refusal re-reads the document', async () => {
    // A source that, like the real ones, answers from its copy unless asked to refresh.
    let current = { signingKeys: ['s'], verifyTokens: ['old-token'] };
    let copy: typeof current | undefined;
    const credentials = {
      get: async (_provider: string, options?: { refresh?: boolean }) => (copy = copy === undefined || options?.refresh ? current : copy),
    };
    const { handler } = await ingestHarness(suite.sqs.client, 'meta-whatsapp', { credentials });
    const query = { 'hub.mode': 'subscribe', 'hub.challenge': '42', 'hub.verify_token': 'new-token' };
    expect((await handler(handshake(query))).statusCode).toBe(403);
    current = { signingKeys: ['s'], verifyTokens: ['new-token', 'old-token'] };
    expect(await handler(handshake(query))).toMatchObject({ statusCode: 200, body: '42' });
  });

  test('a GET that is not the handshake needs a signature like any request', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'meta-whatsapp');
    expect((await handler(handshake({ foo: 'bar' }))).statusCode).toBe(401);
  });

  test('a signed batch with one invalid item: 200 once the valid event is queued, the invalid one kept as a rejected record', async () => {
    const { handler, events, rejectedDepth } = await ingestHarness(suite.sqs.client, 'meta-whatsapp');
    const call = { provider: 'meta-whatsapp', contentType: JSON_TYPE, body: fixture('batch-one-invalid-status.json').body };
    const response = await handler(await signedWebhookEvent(call));
    expect(response.statusCode).toBe(200);
    expect(jsonBody(response)).toEqual({ ok: true, accepted: 1 });
    const types = (await events(1)).map((message) => (JSON.parse(message.Body!) as NormalizedEvent).type);
    expect(types).toEqual(['message.status']);
    expect(await rejectedDepth()).toBe(1);
  });

  test('the raw bytes are verified: Meta escapes non-ASCII, and the re-serialized body no longer verifies', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'meta-whatsapp');
    const escaped = fixture('inbound-text.json').body.replace('Does it come in another color?', 'Caf\\u00e9 cr\\u00e8me?');
    expect((await handler(await signedWebhookEvent({ ...deliveredCall, body: escaped }))).statusCode).toBe(200);
    const reserialized = JSON.stringify(JSON.parse(escaped));
    expect(reserialized).not.toBe(escaped);
    const response = await handler(
      await signedWebhookEvent({ ...deliveredCall, body: escaped }, { tamper: (r) => ({ ...r, body: Buffer.from(reserialized) }) }),
    );
    expect(response.statusCode).toBe(401);
  });

  test.each([
    ['signed with another app secret', { material: { credentials: { signingKeys: ['another-app-secret'] } } }],
    [
      'one body byte changed',
      { tamper: (r: { body: Buffer }) => ({ ...r, body: Buffer.from(r.body.toString().replace('delivered', 'delivereD')) }) },
    ],
    ['no signature header', { tamper: (r: { headers: Record<string, string> }) => ({ ...r, headers: { 'content-type': JSON_TYPE } }) }],
  ])('%s: 401, nothing queued', async (_name, options) => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'meta-whatsapp');
    const response = await handler(await signedWebhookEvent(deliveredCall, options as Parameters<typeof signedWebhookEvent>[1]));
    expect(response.statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  test("a body signed by hand with the dev app secret is accepted (the header is Meta's documented form)", async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'meta-whatsapp');
    const header = `sha256=${createHmac('sha256', 'dev-meta-app-secret-0123456789abcdef').update(deliveredCall.body).digest('hex')}`;
    const event = await signedWebhookEvent(deliveredCall, { tamper: (r) => ({ ...r, headers: { ...r.headers, 'x-hub-signature-256': header } }) });
    expect((await handler(event)).statusCode).toBe(200);
  });

  test('accounts: an event through a phone number id not listed is refused; template events name none and pass', async () => {
    const secret = 'dev-meta-app-secret-0123456789abcdef';
    const other = await ingestHarness(suite.sqs.client, 'meta-whatsapp', {
      document: { 'meta-whatsapp': { signingKeys: [secret], accounts: ['999999999999999'] } },
    });
    expect((await other.handler(await signedWebhookEvent(deliveredCall))).statusCode).toBe(401);
    const template = { ...deliveredCall, body: fixture('template-status-approved.json').body };
    expect((await other.handler(await signedWebhookEvent(template))).statusCode).toBe(200);
    const listed = await ingestHarness(suite.sqs.client, 'meta-whatsapp', {
      document: { 'meta-whatsapp': { signingKeys: [secret], accounts: ['106540352242922'] } },
    });
    expect((await listed.handler(await signedWebhookEvent(deliveredCall))).statusCode).toBe(200);
  });

  test('more updates than Meta batches (1000) are a 413 naming the field', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'meta-whatsapp', { maxBodyBytes: 1024 * 1024 });
    const many = Array.from({ length: 1001 }, (_, i) => status('sent', '1749416384', `wamid.MANY${i}`));
    const response = await handler(await signedWebhookEvent({ ...deliveredCall, body: JSON.stringify(statuses(...many)) }));
    expect(response.statusCode).toBe(413);
    expect(jsonBody(response)).toMatchObject({ error: 'too_many_items' });
    expect(await eventsDepth()).toBe(0);
  });
});
