/**
 * Sinch SMS: the HMAC scheme through the adapter with Sinch's published SMS vector, every fixture, every status and
 * code, batches with an invalid item, sequences that skip `Dispatched`, and the ingest handler's answers.
 */
import { recipientMessageIdOf } from '../../../functions/providers/recipients';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import type { OutgoingRequest } from '../../../functions/origin/types';
import { webhookRequest } from '../../../functions/providers/common';
import { SINCH_CODES, SINCH_STATUSES, sinchSignature, sinchSms } from '../../../functions/providers/sinch-sms';
import type { NormalizeContext } from '../../../functions/providers/types';
import { adapterRequestOf } from '../../../local/fixtures';
import { validationErrorOf } from '../../support/errors';
import { orderedOf, permutations, winnerOf } from '../../support/order';
import { fixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { SINCH_SMS_VECTOR } from '../origin/published-vectors';
import { arrived, flipByte, outgoing, OPTIONS } from '../origin/support';
import { faultyClient, ingestHarness, jsonBody, useIngestSuite } from '../ingest/harness';

const RECEIVED_AT = '2026-01-01T00:00:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: 'UTC' };

const fixtureNamed = (name: string) => fixtures('sinch-sms').find((fixture) => fixture.name === name)!;
const normalize = (body: string) => sinchSms.normalize(webhookRequest({ body, contentType: 'application/json' }), CONTEXT).events;
const only = (body: string): NormalizedEvent => {
  const events = normalize(body);
  expect(events).toHaveLength(1);
  return events[0];
};
const report = (fields: Record<string, unknown>) => only(JSON.stringify({ ...JSON.parse(fixtureNamed('recipient-delivered.json').body), ...fields }));

// Sinch's published SMS vector (its source is given where it is written).
const VECTOR = SINCH_SMS_VECTOR;
const VECTOR_HEADERS = {
  'x-sinch-webhook-signature': VECTOR.signature,
  'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
  'x-sinch-webhook-signature-nonce': VECTOR.nonce,
  'x-sinch-webhook-signature-timestamp': VECTOR.timestamp,
};
const VECTOR_AT = Number(VECTOR.timestamp) * 1000;

describe("the adapter's scheme and Sinch's published SMS vector", () => {
  const request = outgoing({
    url: 'https://hooks.example.com/webhooks/sinch-sms',
    headers: { 'content-type': 'application/json', ...VECTOR_HEADERS },
    body: Buffer.from(VECTOR.body),
  });
  const verify = (changed: OutgoingRequest, now = VECTOR_AT, key = VECTOR.secret) =>
    sinchSignature.verify(arrived(changed, { now }), { signingKeys: [key] }, OPTIONS);

  it('verifies the published signature at its own time', async () => {
    expect(await verify(request)).toEqual({ ok: true });
  });

  it('refuses a wrong key, a changed byte, another nonce, a stale timestamp and each missing header', async () => {
    expect(await verify(request, VECTOR_AT, 'SMSWebhooksSecreT')).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(await verify({ ...request, body: flipByte(request.body, 10) })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(
      await verify({ ...request, headers: { ...request.headers, 'x-sinch-webhook-signature-nonce': '01JHFFHWYY7HSS4FWTMDTQEK8W' } }),
    ).toMatchObject({ ok: false });
    expect(await verify(request, VECTOR_AT + 301_000)).toMatchObject({ ok: false, reason: 'timestamp_out_of_tolerance' });
    for (const header of ['x-sinch-webhook-signature', 'x-sinch-webhook-signature-nonce', 'x-sinch-webhook-signature-timestamp']) {
      const headers: Record<string, string> = { ...request.headers };
      delete headers[header];
      expect(await verify({ ...request, headers })).toMatchObject({ ok: false, reason: 'missing_signature' });
    }
  });

  it('signs as Sinch does: what it signs verifies, with the algorithm header set', async () => {
    const signed = await sinchSignature.sign(outgoing({ body: Buffer.from(VECTOR.body), now: VECTOR_AT }), {
      credentials: { signingKeys: [VECTOR.secret] },
    });
    expect(signed.headers['x-sinch-webhook-signature-algorithm']).toBe('HmacSHA256');
    expect(await verify(signed)).toEqual({ ok: true });
  });
});

describe('fixtures', () => {
  it.each(validFixtures('sinch-sms').map((fixture) => [fixture.name, fixture] as const))('%s normalizes to schema-valid events', (_name, fixture) => {
    const { events } = sinchSms.normalize(adapterRequestOf(fixture), CONTEXT);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
  });

  it.each([
    ['invalid-type-missing.json', 'type'],
    ['invalid-recipient-report-batch-id-missing.json', 'batch_id'],
    ['invalid-at.json', 'at'],
    ['invalid-batch-every-item-invalid.json', 'statuses.0.status'],
    ['invalid-mo-from-missing.json', 'from'],
    ['invalid-not-json.json', undefined],
  ])('%s is refused naming %s', (name, field) => {
    expect(validationErrorOf(() => sinchSms.normalize(adapterRequestOf(fixtureNamed(name)), CONTEXT)).field).toBe(field);
  });

  it('reads the published recipient report: message, status, operator time, recipient', () => {
    expect(only(VECTOR.body)).toMatchObject({
      type: 'message.status',
      channel: 'sms',
      messageId: recipientMessageIdOf('01JHFFHQ0P99JPPNQPJDV7JTBP', '33662162466'),
      status: 'delivered',
      final: true,
      providerStatus: 'Delivered',
      recipient: { raw: '33662162466', e164: '+33662162466' },
      occurredAt: '2025-01-13T09:22:00.000Z',
      occurredAtRaw: '2025-01-13T09:22:00Z',
      data: { batchId: '01JHFFHQ0P99JPPNQPJDV7JTBP', code: '0', clientReference: 'a client reference', at: '2025-01-13T09:22:40.914Z' },
    });
    expect(only(VECTOR.body).error).toBeUndefined();
  });

  it('takes `at` when there is no operator time, and the parts count as segments', () => {
    expect(only(fixtureNamed('recipient-dispatched.json').body)).toMatchObject({
      status: 'sent',
      occurredAt: '2025-01-13T09:21:59.517Z',
      segments: 2,
      data: { encoding: 'GSM', operator: '20815', appliedOriginator: 'Acme' },
    });
  });

  it('reads an MMS report on the mms channel', () => {
    expect(only(fixtureNamed('recipient-mms-delivered.json').body)).toMatchObject({ channel: 'mms', status: 'delivered' });
  });

  it('makes each recipient of a full batch report its own event', () => {
    const events = normalize(fixtureNamed('batch-report-full.json').body);
    expect(events.map((event) => [event.messageId, event.status, event.error?.code])).toEqual([
      [recipientMessageIdOf('01JHFGQ5ZKX3M4N5P6Q7R8S9T0', '33662162466'), 'delivered', undefined],
      [recipientMessageIdOf('01JHFGQ5ZKX3M4N5P6Q7R8S9T0', '33662162469'), 'delivered', undefined],
      [recipientMessageIdOf('01JHFGQ5ZKX3M4N5P6Q7R8S9T0', '33662162470'), 'failed', '402'],
      [recipientMessageIdOf('01JHFGQ5ZKX3M4N5P6Q7R8S9T0', '33662162471'), 'expired', '406'],
    ]);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(4);
    // A summary names no time: the receipt time.
    expect(events.every((event) => event.occurredAt === RECEIVED_AT)).toBe(true);
    expect(events[0].data).toMatchObject({ totalMessageCount: 4, count: 2, clientReference: 'newsletter 12' });
    // Each event's raw is the report cut down to its recipient, and normalizes to the same event again.
    for (const event of events) expect(normalize(JSON.stringify(event.raw))).toEqual([event]);
  });

  it('keeps a summary without recipients as provider.unknown with its counts', () => {
    const events = normalize(fixtureNamed('batch-report-summary.json').body);
    expect(events.map((event) => [event.type, event.data?.status, event.data?.count])).toEqual([
      ['provider.unknown', 'Delivered', 2],
      ['provider.unknown', 'Aborted', 1],
    ]);
  });

  it('keeps one invalid recipient of a batch as provider.unknown with its error, the others going through', () => {
    const events = normalize(fixtureNamed('batch-report-one-invalid-recipient.json').body);
    expect(events.map((event) => event.type)).toEqual(['message.status', 'provider.unknown', 'message.status']);
    expect(events[1].data).toMatchObject({ invalid: { field: 'statuses.0.recipients.1' }, batchId: '01JHFGT9A1B2C3D4E5F6G7H8J9' });
  });

  it('reads inbound text, binary and media messages', () => {
    expect(only(fixtureNamed('mo-text.json').body)).toMatchObject({
      type: 'message.inbound',
      channel: 'sms',
      messageId: '01JHFH2V3W4X5Y6Z7A8B9C0D1E',
      sender: { raw: '33662162466', e164: '+33662162466' },
      recipient: { raw: '12345' },
      occurredAt: '2025-01-13T11:00:01.250Z',
      data: { type: 'mo_text', body: 'STOP', operatorId: '20815', sentAt: '2025-01-13T11:00:00Z' },
    });
    expect(only(fixtureNamed('mo-binary.json').body)).toMatchObject({ data: { type: 'mo_binary', body: 'SGVsbG8gd29ybGQ=', udh: '050003cc0201' } });
    expect(only(fixtureNamed('mo-media.json').body)).toMatchObject({ channel: 'mms', data: { body: { subject: 'Photo', message: 'Look at this' } } });
  });

  it('keeps a type it does not know as provider.unknown (where Sinch’s SDK throws)', () => {
    expect(only(fixtureNamed('unknown-type.json').body)).toMatchObject({ type: 'provider.unknown', data: { type: 'delivery_report_rcs' } });
  });
});

describe('statuses and codes', () => {
  it.each(Object.entries(SINCH_STATUSES))('maps %s to %s', (status, canonical) => {
    expect(report({ status })).toMatchObject({ status: canonical, final: STATUS_TABLE[canonical].final, providerStatus: status });
  });

  it('keeps a status it does not know as unknown, non-final', () => {
    expect(report({ status: 'Scheduled' })).toMatchObject({ status: 'unknown', final: false });
  });

  it.each(Object.entries(SINCH_CODES))('code %s (%s) is named, and an error unless it reports progress', (code, name) => {
    const event = report({ status: 'Aborted', code: Number(code) });
    if (['0', '400', '401'].includes(code)) expect(event.error).toBeUndefined();
    else expect(event.error).toEqual({ code, message: name });
  });

  it('passes an operator (SMPP) code on without a name', () => {
    expect(only(fixtureNamed('recipient-failed-operator-code.json').body).error).toEqual({ code: '34' });
  });

  it('ends in delivered whatever the order, with or without Dispatched', () => {
    const queued = only(fixtureNamed('recipient-queued.json').body);
    const dispatched = only(fixtureNamed('recipient-dispatched.json').body);
    const delivered = only(fixtureNamed('recipient-delivered.json').body);
    for (const sequence of [
      [queued, delivered],
      [queued, dispatched, delivered],
      [dispatched, delivered],
    ]) {
      for (const order of permutations(sequence.map(orderedOf))) expect(winnerOf(order)?.status).toBe('delivered');
    }
  });

  it('catalogs every documented type', () => {
    expect(sinchSms.catalog.map((entry) => entry.providerEvent)).toEqual([
      'recipient_delivery_report_sms',
      'recipient_delivery_report_mms',
      'delivery_report_sms (per recipient)',
      'delivery_report_mms (per recipient)',
      'mo_text',
      'mo_binary',
      'mo_media',
    ]);
  });
});

describe('through the ingest handler', () => {
  const suite = useIngestSuite();
  const call = (body = fixtureNamed('recipient-delivered.json').body) => ({ provider: 'sinch-sms', contentType: 'application/json', body });

  it('accepts the published request, byte for byte, at its own time', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, 'sinch-sms', {
      document: { 'sinch-sms': { signingKeys: [VECTOR.secret] } },
      now: () => new Date(VECTOR_AT),
    });
    const event = await signedWebhookEvent(call(VECTOR.body), {
      material: { credentials: {} },
      tamper: (request) => ({ ...request, headers: { ...request.headers, ...VECTOR_HEADERS } }),
    });
    const response = await handler(event);
    expect(response.statusCode).toBe(200);
    const [message] = await events(1);
    expect(JSON.parse(message.Body!)).toMatchObject({
      messageId: recipientMessageIdOf('01JHFFHQ0P99JPPNQPJDV7JTBP', '33662162466'),
      status: 'delivered',
    });
  });

  it.each(validFixtures('sinch-sms').map((fixture) => [fixture.name, fixture] as const))(
    'accepts %s signed with the dev secret',
    async (_name, fixture) => {
      const { handler } = await ingestHarness(suite.sqs.client, 'sinch-sms');
      const response = await handler(await signedWebhookEvent(call(fixture.body)));
      expect(response.statusCode).toBe(200);
    },
  );

  it.each([
    ['a wrong key', { material: { credentials: { signingKeys: ['not-the-webhook-secret'] } } }],
    ['a changed byte', { tamper: (request: OutgoingRequest) => ({ ...request, body: flipByte(request.body, 5) }) }],
    ['a stale timestamp', { now: Date.now() - 10 * 60_000 }],
    [
      'a missing signature header',
      { tamper: (request: OutgoingRequest) => ({ ...request, headers: { ...request.headers, 'x-sinch-webhook-signature': '' } }) },
    ],
  ])('refuses %s with 401 and queues nothing', async (_name, options) => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'sinch-sms');
    const response = await handler(await signedWebhookEvent(call(), options));
    expect(response.statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('queues every valid recipient of a batch with one invalid item, keeps that one as a rejected record, and answers 200 only then', async () => {
    const { handler, events, rejectedDepth } = await ingestHarness(suite.sqs.client, 'sinch-sms');
    const response = await handler(await signedWebhookEvent(call(fixtureNamed('batch-report-one-invalid-recipient.json').body)));
    expect(response.statusCode).toBe(200);
    expect(jsonBody(response)).toEqual({ ok: true, accepted: 2 });
    expect(await events(2)).toHaveLength(2);
    expect(await rejectedDepth()).toBe(1);
  });

  it('answers 503, never a 4xx Sinch would drop, when one event of a batch is not queued', async () => {
    const client = faultyClient(suite.sqs.endpoint, (event) =>
      event.messageId === recipientMessageIdOf('01JHFGQ5ZKX3M4N5P6Q7R8S9T0', '33662162470') ? 'fail' : 'ok',
    );
    const { handler } = await ingestHarness(suite.sqs.client, 'sinch-sms', { sqs: client });
    const response = await handler(await signedWebhookEvent(call(fixtureNamed('batch-report-full.json').body)));
    expect(response.statusCode).toBe(503);
  });

  it('answers 400 (not retried by Sinch, and nothing to retry) to a body that is not a Sinch callback', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'sinch-sms');
    const response = await handler(await signedWebhookEvent(call(fixtureNamed('invalid-type-missing.json').body)));
    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toMatchObject({ error: 'invalid_body', field: 'type' });
  });
});
