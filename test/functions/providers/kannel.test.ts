/**
 * Kannel: the `dlr-url` GET with the parameter names this project documents (one per escape code). Kannel signs
 * nothing and no vector exists: origin is a URL token, tested through the ingest handler below.
 */
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { encodeForm } from '../../../functions/origin/form';
import { webhookRequest } from '../../../functions/providers/common';
import { KANNEL_DLR_VALUES, kannel, kannelReply } from '../../../functions/providers/kannel';
import type { NormalizeContext } from '../../../functions/providers/types';
import { adapterRequestOf } from '../../../local/fixtures';
import { validationErrorOf } from '../../support/errors';
import { invalidFixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { ingestHarness, useIngestSuite } from '../ingest/harness';

const PROVIDER = 'kannel';
const RECEIVED_AT = '2024-01-15T12:00:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: kannel.defaultTimeZone };

const fixture = (name: string) => validFixtures(PROVIDER).find((candidate) => candidate.name === name)!;
const normalizeFixture = (name: string) => kannel.normalize(adapterRequestOf(fixture(name)), CONTEXT).events;
const get = (fields: Record<string, string>): NormalizedEvent => {
  const query = encodeForm(fields);
  const { events } = kannel.normalize(webhookRequest({ method: 'GET', body: '', rawQuery: query }), CONTEXT);
  expect(events).toHaveLength(1);
  return events[0];
};
const base = () => Object.fromEntries(new URLSearchParams(fixture('dlr-delivered.query').body));

describe('kannel adapter', () => {
  describe('fixtures', () => {
    it.each(validFixtures(PROVIDER).map((f) => [f.name, f] as const))('%s: one schema-valid status event', (_name, f) => {
      const { events } = kannel.normalize(adapterRequestOf(f), CONTEXT);
      expect(events).toHaveLength(1);
      expect(NormalizedEventSchema.safeParse(events[0]).success).toBe(true);
      expect(events[0]).toMatchObject({ type: 'message.status', provider: PROVIDER });
    });

    it.each([
      ['invalid-no-message-id.query', 'id', 'id: missing: put your message id (id=…) or kid=%I in the dlr-url'],
      ['invalid-ts-not-epoch.query', 'ts', 'ts: invalid format'],
      ['invalid-type-missing.query', 'type', 'type: expected string'],
      ['invalid-type-not-substituted.query', 'type', 'type: invalid format'],
    ])('%s is refused with a 400 naming %s', (name, field, message) => {
      const f = invalidFixtures(PROVIDER).find((candidate) => candidate.name === name)!;
      const error = validationErrorOf(() => kannel.normalize(adapterRequestOf(f), CONTEXT));
      expect([error.statusCode, error.field, error.message]).toEqual([400, field, message]);
    });
  });

  describe('dlr-url parameters', () => {
    it('reads every documented parameter: id, type, kid, fid, smsc, from, to, ts, time, reply', () => {
      expect(normalizeFixture('dlr-delivered.query')[0]).toMatchObject({
        messageId: 'order-42',
        status: 'delivered',
        final: true,
        providerStatus: '1',
        recipient: { raw: '+4915752982212', e164: '+4915752982212' },
        sender: { raw: 'ACME' },
        occurredAt: '2024-01-15T10:31:00.000Z',
        occurredAtRaw: '1705314660',
        data: {
          meaning: 'delivered to phone',
          kannelId: '3e7d1f20-8a6b-4f3e-b1c2-9d8e7f6a5b4c',
          smscMessageId: '59018505',
          smsc: 'smsc01',
          time: '2024-01-15 10:31',
          receiptStat: 'DELIVRD',
          receiptErr: '000',
          doneDate: '240115103100',
        },
      });
    });

    it('carries kw, service, account, billing and meta along in data', () => {
      const event = get({ ...base(), kw: 'PIN', service: 'otp', account: 'acme', billing: 'b1', meta: '?smpp?a=b' });
      expect(event.data).toMatchObject({ keyword: 'PIN', service: 'otp', account: 'acme', billing: 'b1', meta: '?smpp?a=b' });
    });

    it("uses Kannel's own id (kid=%I) as the messageId when the URL has no id of ours", () => {
      expect(normalizeFixture('dlr-kannel-id-only.query')[0].messageId).toBe('8f7e6d5c-4b3a-4291-8071-6f5e4d3c2b1a');
    });

    it('reads an empty substitution as absent, and falls back on the receipt time without ts', () => {
      const event = get({ id: 'order-9', type: '8', ts: '', reply: '', to: '' });
      expect(event.occurredAt).toBe(RECEIVED_AT);
      expect(event.recipient).toBeUndefined();
      expect(event.data).not.toHaveProperty('reply');
    });

    it("gives a failure the receipt's err code and stat", () => {
      expect(normalizeFixture('dlr-undelivered.query')[0]).toMatchObject({ status: 'undelivered', error: { code: '001', message: 'UNDELIV' } });
      expect(normalizeFixture('dlr-smsc-reject.query')[0]).toMatchObject({
        status: 'rejected',
        error: { code: '16', message: 'not delivered to SMSC (SMSC reject)' },
      });
    });

    it('tells the reports of two parts of one message apart by fid, and a repeat of one report not at all', () => {
      const first = get(base());
      expect(get(base()).eventId).toBe(first.eventId);
      expect(get({ ...base(), fid: '59018599' }).eventId).not.toBe(first.eventId);
    });

    it('refuses a repeated parameter naming it', () => {
      const query = `${fixture('dlr-delivered.query').body}&type=2`;
      const error = validationErrorOf(() => kannel.normalize(webhookRequest({ method: 'GET', body: '', rawQuery: query }), CONTEXT));
      expect(error.field).toBe('type');
    });

    it('refuses a call with no parameters at all', () => {
      expect(validationErrorOf(() => kannel.normalize(webhookRequest({ method: 'GET', body: '', rawQuery: '' }), CONTEXT)).message).toBe(
        'no query parameters',
      );
    });
  });

  describe('dlr-mask values', () => {
    it.each(Object.entries(KANNEL_DLR_VALUES))('maps %s to %s', (value, canonical) => {
      expect(get({ ...base(), type: value })).toMatchObject({ status: canonical, final: STATUS_TABLE[canonical].final, providerStatus: value });
    });

    it('has 1, 2 and 16 final and 4 and 8 not', () => {
      expect(['1', '2', '16'].map((value) => get({ ...base(), type: value }).final)).toEqual([true, true, true]);
      expect(['4', '8'].map((value) => get({ ...base(), type: value }).final)).toEqual([false, false]);
    });

    it('keeps an unknown value as unknown, non-final, and reads 01 as 1', () => {
      expect(get({ ...base(), type: '3' })).toMatchObject({ status: 'unknown', final: false, providerStatus: '3' });
      expect(get({ ...base(), type: '3' }).error).toBeUndefined();
      expect(get({ ...base(), type: '01' })).toMatchObject({ status: 'delivered', providerStatus: '1' });
    });

    it('catalogs the values and is a GET-only, URL-token provider', () => {
      expect(kannel.catalog[0].statuses).toBe(KANNEL_DLR_VALUES);
      expect(kannel).toMatchObject({ authentication: 'url-token', methods: ['GET'] });
    });
  });

  it('replies a plain-text OK once queued, else a 503', () => {
    const [event] = normalizeFixture('dlr-delivered.query');
    expect(kannelReply({ normalized: { events: [event] }, queued: new Set([event.eventId]) })).toMatchObject({ statusCode: 200, body: 'OK' });
    expect(kannelReply({ normalized: { events: [event] }, queued: new Set() }).statusCode).toBe(503);
  });
});

describe('kannel through the ingest handler', () => {
  const suite = useIngestSuite();
  const call = { provider: PROVIDER, method: 'GET' as const, body: fixture('dlr-delivered.query').body };

  it('answers a GET with the dev token 200 OK in plain text and queues the report', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, PROVIDER);
    const response = await handler(await signedWebhookEvent(call));
    expect([response.statusCode, response.body, response.headers?.['content-type']]).toEqual([200, 'OK', 'text/plain; charset=utf-8']);
    expect(await events(1)).toHaveLength(1);
  });

  it('refuses a wrong or missing token with a 401, and a POST with a 405', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, PROVIDER);
    expect((await handler(await signedWebhookEvent(call, { material: { credentials: { tokens: ['not-the-kannel-token'] } } }))).statusCode).toBe(401);
    expect((await handler(await signedWebhookEvent(call, { material: { credentials: {} } }))).statusCode).toBe(401);
    const posted = await handler(await signedWebhookEvent({ provider: PROVIDER, contentType: 'application/x-www-form-urlencoded', body: call.body }));
    expect([posted.statusCode, posted.headers?.allow]).toEqual([405, 'GET']);
    expect(await eventsDepth()).toBe(0);
  });
});
