/**
 * Infobip SMS: delivery reports and inbound messages in `{"results": [...]}`. Infobip publishes no signature and no
 * test vector (it signs nothing by default): origin is proved by HTTP Basic or a URL token, tested through the
 * ingest handler below.
 */
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { webhookRequest } from '../../../functions/providers/common';
import { INFOBIP_STATUSES, MAX_RESULTS, infobipSms, infobipStatusKey, networkOf } from '../../../functions/providers/infobip-sms';
import { decimalOf } from '../../../functions/providers/price';
import type { NormalizeContext } from '../../../functions/providers/types';
import { adapterRequestOf } from '../../../local/fixtures';
import { validationErrorOf } from '../../support/errors';
import { invalidFixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { ingestHarness, jsonBody, useIngestSuite } from '../ingest/harness';

const PROVIDER = 'infobip-sms';
const RECEIVED_AT = '2024-05-02T09:00:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: infobipSms.defaultTimeZone };
const JSON_TYPE = 'application/json';

const fixture = (name: string) => validFixtures(PROVIDER).find((candidate) => candidate.name === name)!;
const normalize = (body: string) => infobipSms.normalize(webhookRequest({ body, contentType: JSON_TYPE }), CONTEXT).events;
const results = (name: string) => (JSON.parse(fixture(name).body) as { results: Array<Record<string, unknown>> }).results;
/** One delivery report built on the documented one, with `fields` replaced. */
const report = (fields: Record<string, unknown>) => ({ ...results('delivery-report-delivered.json')[0], ...fields });
const onlyEvent = (item: Record<string, unknown>): NormalizedEvent => {
  const events = normalize(JSON.stringify({ results: [item] }));
  expect(events).toHaveLength(1);
  return events[0];
};
const withStatus = (name: string, groupName = 'DELIVERED') => onlyEvent(report({ status: { groupId: 3, groupName, id: 99, name } }));

describe('infobip-sms adapter', () => {
  describe('fixtures', () => {
    it.each(validFixtures(PROVIDER).map((f) => [f.name, f] as const))('%s: one schema-valid event per results[] item', (_name, f) => {
      const items = (JSON.parse(f.body) as { results: unknown[] }).results;
      const events = infobipSms.normalize(adapterRequestOf(f), CONTEXT).events;
      expect(events).toHaveLength(items.length);
      events.forEach((event, index) => {
        expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
        expect(event.raw).toEqual(items[index]);
        expect(event.provider).toBe(PROVIDER);
      });
    });

    it.each(invalidFixtures(PROVIDER).map((f) => [f.name, f] as const))('%s is refused with a 400 naming the problem', (_name, f) => {
      const error = validationErrorOf(() => infobipSms.normalize(adapterRequestOf(f), CONTEXT));
      expect(error.statusCode).toBe(400);
      expect(error.message.length).toBeGreaterThan(5);
    });

    it('names the field of each invalid fixture', () => {
      const field = (name: string) =>
        validationErrorOf(() => infobipSms.normalize(adapterRequestOf(invalidFixtures(PROVIDER).find((f) => f.name === name)!), CONTEXT)).field;
      expect(field('invalid-done-at.json')).toBe('results.0.doneAt');
      expect(field('invalid-every-report-invalid.json')).toBe('results.0.messageId');
      expect(field('invalid-results-empty.json')).toBe('results');
      expect(field('invalid-results-missing.json')).toBe('results');
    });
  });

  describe('delivery reports', () => {
    it('reads the documented report: ids, parties, +0000 times, price, network, segments', () => {
      const [event] = normalize(fixture('delivery-report-delivered.json').body);
      expect(event).toMatchObject({
        type: 'message.status',
        channel: 'sms',
        messageId: 'MESSAGE-ID-123-xyz',
        status: 'delivered',
        final: true,
        providerStatus: 'DELIVERED_TO_HANDSET',
        recipient: { raw: '41793026727', e164: '+41793026727' },
        sender: { raw: 'InfoSMS' },
        occurredAt: '2019-11-09T16:00:05.000Z',
        occurredAtRaw: '2019-11-09T16:00:05.000+0000',
        segments: 1,
        price: { amount: '0.01', currency: 'EUR' },
        network: { mcc: '228', mnc: '01' },
        data: { bulkId: 'BULK-ID-123-xyz', callbackData: 'DLR callback data', statusGroup: 'DELIVERED', sentAt: '2019-11-09T16:00:00.000Z' },
      });
      expect(event.error).toBeUndefined();
    });

    it('reads an offset other than +0000 as the instant it names', () => {
      expect(onlyEvent(report({ doneAt: '2019-11-09T18:00:05.000+0200' })).occurredAt).toBe('2019-11-09T16:00:05.000Z');
    });

    it('falls back on sentAt, then on the receipt time, when doneAt is absent', () => {
      expect(onlyEvent(report({ doneAt: undefined })).occurredAt).toBe('2019-11-09T16:00:00.000Z');
      expect(onlyEvent(report({ doneAt: null, sentAt: null })).occurredAt).toBe(RECEIVED_AT);
    });

    it('reads the v3 spellings sender and messageCount', () => {
      const [event] = normalize(fixture('delivery-report-v3.json').body);
      expect(event).toMatchObject({ sender: { raw: 'InfoSMS' }, segments: 1, price: { amount: '0.0075', currency: 'USD' } });
    });

    it('gives the error of a failed report, with its group and permanence in data', () => {
      const [, , failed] = normalize(fixture('delivery-report-batch.json').body);
      expect(failed).toMatchObject({
        status: 'undelivered',
        final: true,
        error: { code: '27', message: 'Absent Subscriber' },
        network: { mcc: '228', mnc: '101' },
        data: { errorGroup: 'HANDSET_ERRORS', errorName: 'EC_ABSENT_SUBSCRIBER', errorPermanent: false },
      });
    });

    it('takes a rejection reason from the status when the error says NO_ERROR', () => {
      expect(normalize(fixture('delivery-report-rejected.json').body)[0]).toMatchObject({
        status: 'rejected',
        error: { code: '12', message: 'Not enough credits' },
        price: { amount: '0', currency: 'EUR' },
      });
    });

    it('keeps a price or network it cannot read out of the event, never refusing the report', () => {
      const event = onlyEvent(report({ price: { pricePerMessage: 'a lot', currency: 'euro' }, mccMnc: '2280', smsCount: 0 }));
      expect(event.price).toBeUndefined();
      expect(event.network).toBeUndefined();
      expect(event.segments).toBeUndefined();
      expect(event.status).toBe('delivered');
    });

    it('gives a retried report the same event id, and another status of the message another', () => {
      const first = onlyEvent(report({}));
      expect(onlyEvent(report({})).eventId).toBe(first.eventId);
      expect(withStatus('DELIVERED_TO_OPERATOR').eventId).not.toBe(first.eventId);
    });
  });

  describe('statuses', () => {
    it.each(Object.entries(INFOBIP_STATUSES))('maps %s to %s', (name, canonical) => {
      // A pattern row is reached by a name of that prefix that is not listed itself.
      const sent = name.endsWith('*') ? name.replace('*', 'SOMETHING_NEW') : name;
      expect(infobipStatusKey(sent)).toBe(name);
      expect(withStatus(sent)).toMatchObject({ status: canonical, final: STATUS_TABLE[canonical].final, providerStatus: sent });
    });

    it('decides finality by the status name, never by its group: DELIVERED_TO_OPERATOR is not final', () => {
      expect(withStatus('DELIVERED_TO_OPERATOR', 'DELIVERED')).toMatchObject({ status: 'sent', final: false });
      expect(withStatus('DELIVERED_TO_HANDSET', 'DELIVERED')).toMatchObject({ status: 'delivered', final: true });
      // A new name in the DELIVERED group says nothing about finality: unknown, non-final.
      expect(withStatus('DELIVERED_SOMEWHERE_NEW', 'DELIVERED')).toMatchObject({ status: 'unknown', final: false });
    });

    it('keeps an unknown status name as unknown, non-final', () => {
      expect(withStatus('BRAND_NEW_STATUS', 'OK')).toMatchObject({ status: 'unknown', final: false, providerStatus: 'BRAND_NEW_STATUS' });
      expect(withStatus('BRAND_NEW_STATUS', 'OK').error).toBeUndefined();
      expect(infobipStatusKey('PENDING_')).toBe('PENDING_');
      expect(infobipStatusKey('__proto__')).toBe('__proto__');
    });

    it('catalogs reports with the status table, and inbound', () => {
      expect(infobipSms.catalog.map((entry) => entry.type)).toEqual(['message.status', 'message.inbound']);
      expect(infobipSms.catalog[0].statuses).toBe(INFOBIP_STATUSES);
      expect(infobipSms).toMatchObject({ authentication: 'basic-auth' });
    });
  });

  describe('inbound', () => {
    it('reads an inbound SMS with its keyword and the envelope counts', () => {
      expect(normalize(fixture('inbound.json').body)[0]).toMatchObject({
        type: 'message.inbound',
        messageId: '817790313235066447',
        sender: { raw: '385916242493', e164: '+385916242493' },
        recipient: { raw: '385921004026', e164: '+385921004026' },
        occurredAt: '2019-11-09T16:00:00.000Z',
        segments: 1,
        data: {
          text: 'QUIZ Correct answer is Paris',
          cleanText: 'Correct answer is Paris',
          keyword: 'QUIZ',
          messageCount: '1',
          pendingMessageCount: '0',
        },
      });
    });
  });

  describe('batches', () => {
    it('gives every item its own event, in order', () => {
      const events = normalize(fixture('delivery-report-batch.json').body);
      expect(events.map((event) => [event.messageId, event.status])).toEqual([
        ['MESSAGE-ID-456-1', 'sending'],
        ['MESSAGE-ID-456-2', 'sent'],
        ['MESSAGE-ID-456-3', 'undelivered'],
      ]);
      expect(new Set(events.map((event) => event.eventId)).size).toBe(3);
    });

    it('keeps one invalid item as provider.unknown with its error while the valid one goes through', () => {
      const [good, bad] = normalize(fixture('mixed-batch-one-invalid-report.json').body);
      expect(good).toMatchObject({ type: 'message.status', messageId: 'MESSAGE-ID-654-1', status: 'delivered' });
      expect(bad).toMatchObject({ type: 'provider.unknown', data: { invalid: { field: 'results.1.messageId' } } });
      expect(bad.raw).toEqual(results('mixed-batch-one-invalid-report.json')[1]);
    });

    it('keeps an item of no known kind as provider.unknown', () => {
      const events = normalize(JSON.stringify({ results: [report({}), { messageId: 'X', somethingElse: true }] }));
      expect(events.map((event) => event.type)).toEqual(['message.status', 'provider.unknown']);
    });

    it(`takes ${MAX_RESULTS} items and refuses more with a 400 naming results`, () => {
      const items = (count: number) => Array.from({ length: count }, (_, i) => report({ messageId: `M-${i}` }));
      expect(normalize(JSON.stringify({ results: items(MAX_RESULTS) }))).toHaveLength(MAX_RESULTS);
      const error = validationErrorOf(() => normalize(JSON.stringify({ results: items(MAX_RESULTS + 1) })));
      expect(error.field).toBe('results');
      expect(error.message).toBe(`results: has ${MAX_RESULTS + 1} items, more than the ${MAX_RESULTS} one request may carry`);
    });
  });

  describe('values', () => {
    it.each([
      [0.01, '0.01'],
      [0, '0'],
      [1e-7, '0.0000001'],
      ['0.0350', '0.0350'],
      [Number.NaN, undefined],
      ['1e3', undefined],
    ])('decimalOf(%p) is %p', (value, expected) => {
      expect(decimalOf(value)).toBe(expected);
    });

    it('splits mccMnc into mcc and a two- or three-digit mnc', () => {
      expect(networkOf('22801')).toEqual({ mcc: '228', mnc: '01' });
      expect(networkOf('310260')).toEqual({ mcc: '310', mnc: '260' });
      expect(networkOf('abc')).toBeUndefined();
    });
  });
});

describe('infobip-sms through the ingest handler', () => {
  const suite = useIngestSuite();
  const call = { provider: PROVIDER, contentType: JSON_TYPE, body: fixture('delivery-report-batch.json').body };

  it('accepts HTTP Basic with the configured pair and queues every item', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, PROVIDER);
    const response = await handler(await signedWebhookEvent(call));
    expect(response.statusCode).toBe(200);
    expect(jsonBody(response)).toEqual({ ok: true, accepted: 3 });
    expect(await events(3)).toHaveLength(3);
  });

  it('refuses a wrong Basic pair, or none, with a 401 and queues nothing', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, PROVIDER);
    const wrong = `Basic ${Buffer.from('dev-infobip:wrong-password').toString('base64')}`;
    const tampered = await signedWebhookEvent(call, { tamper: (request) => ({ ...request, headers: { ...request.headers, authorization: wrong } }) });
    expect((await handler(tampered)).statusCode).toBe(401);
    expect((await handler(await signedWebhookEvent(call, { material: { credentials: {} } }))).statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('accepts a URL token instead of Basic when that is what is configured, and refuses a wrong one', async () => {
    const document = { [PROVIDER]: { tokens: ['infobip-url-token-0123456789'] } };
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, PROVIDER, { document });
    expect(
      (await handler(await signedWebhookEvent(call, { material: { credentials: { tokens: ['infobip-url-token-0123456789'] } } }))).statusCode,
    ).toBe(200);
    expect((await handler(await signedWebhookEvent(call, { material: { credentials: { tokens: ['another-token-0123456789'] } } }))).statusCode).toBe(
      401,
    );
    expect(await eventsDepth()).toBe(3);
  });

  it('answers 200 for a batch with one invalid item: the valid one queued, the invalid one kept as one rejected record', async () => {
    const { handler, events, eventsDepth, rejected } = await ingestHarness(suite.sqs.client, PROVIDER);
    const response = await handler(await signedWebhookEvent({ ...call, body: fixture('mixed-batch-one-invalid-report.json').body }));
    expect(response.statusCode).toBe(200);
    const types = (await events(1)).map((message) => (JSON.parse(message.Body!) as NormalizedEvent).type);
    expect(types).toEqual(['message.status']);
    expect(await eventsDepth()).toBe(1);
    expect(JSON.parse((await rejected(1))[0].Body!)).toMatchObject({
      error: { code: 'invalid_items' },
      invalidItems: [expect.objectContaining({ message: expect.any(String) })],
    });
  });

  it('answers 400 naming results for an oversized batch', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, PROVIDER, { maxBodyBytes: 10 * 1024 * 1024 });
    const body = JSON.stringify({
      results: Array.from({ length: MAX_RESULTS + 1 }, (_, i) => ({ messageId: `M-${i}`, status: { name: 'DELIVERED_TO_HANDSET' } })),
    });
    const response = await handler(await signedWebhookEvent({ ...call, body }));
    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toMatchObject({ error: 'invalid_body', field: 'results' });
    expect(await eventsDepth()).toBe(0);
  });
});
