/**
 * Jasmin: DLR and MO callbacks, form POST or GET, answered exactly `ACK/Jasmin`. Jasmin signs nothing and no
 * vector exists: origin is a URL token, tested through the ingest handler below.
 */
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { encodeForm } from '../../../functions/origin/form';
import { webhookRequest } from '../../../functions/providers/common';
import { JASMIN_ACK, JASMIN_STATUSES, jasmin, jasminReply, jasminStatusKey } from '../../../functions/providers/jasmin';
import { parseReceipt } from '../../../functions/providers/smpp';
import type { NormalizeContext } from '../../../functions/providers/types';
import { adapterRequestOf } from '../../../local/fixtures';
import { validationErrorOf } from '../../support/errors';
import { invalidFixtures, signedWebhookEvent, validFixtures } from '../../support/requests';
import { ingestHarness, jsonBody, useIngestSuite } from '../ingest/harness';

const PROVIDER = 'jasmin';
const FORM = 'application/x-www-form-urlencoded';
const RECEIVED_AT = '2024-01-15T10:45:00.000Z';
const CONTEXT: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: jasmin.defaultTimeZone };

const fixture = (name: string) => validFixtures(PROVIDER).find((candidate) => candidate.name === name)!;
const params = (name: string) => Object.fromEntries(new URLSearchParams(fixture(name).body));
const post = (fields: Record<string, string>): NormalizedEvent => {
  const { events } = jasmin.normalize(webhookRequest({ body: encodeForm(fields), contentType: FORM }), CONTEXT);
  expect(events).toHaveLength(1);
  return events[0];
};
const dlr = (fields: Record<string, string | undefined>) =>
  post(
    Object.fromEntries(Object.entries({ ...params('dlr-delivered.form'), ...fields }).filter(([, v]) => v !== undefined)) as Record<string, string>,
  );

describe('jasmin adapter', () => {
  describe('fixtures', () => {
    it.each(validFixtures(PROVIDER).map((f) => [f.name, f] as const))('%s: one schema-valid event with its parameters as raw', (_name, f) => {
      const { events } = jasmin.normalize(adapterRequestOf(f), CONTEXT);
      expect(events).toHaveLength(1);
      expect(NormalizedEventSchema.safeParse(events[0]).success).toBe(true);
      expect(events[0].raw).toEqual(Object.fromEntries(new URLSearchParams(f.body)));
    });

    it.each([
      ['invalid-dlr-missing-id.form', 'id'],
      ['invalid-mo-binary-not-hex.form', 'binary'],
      ['invalid-repeated-id.form', 'id'],
      ['invalid-not-a-form.json', undefined],
    ])('%s is refused with a 400 naming %s', (name, field) => {
      const f = invalidFixtures(PROVIDER).find((candidate) => candidate.name === name)!;
      const error = validationErrorOf(() => jasmin.normalize(adapterRequestOf(f), CONTEXT));
      expect(error.field).toBe(field);
    });

    it('says what a JSON body should have been', () => {
      const f = invalidFixtures(PROVIDER).find((candidate) => candidate.name === 'invalid-not-a-form.json')!;
      expect(validationErrorOf(() => jasmin.normalize(adapterRequestOf(f), CONTEXT)).message).toBe(
        'expected an application/x-www-form-urlencoded body',
      );
    });
  });

  describe('DLR', () => {
    it('reads a level-2 receipt; its zone-less SMPP dates stay raw and occurredAt is the receipt time', () => {
      expect(jasmin.normalize(adapterRequestOf(fixture('dlr-delivered.form')), CONTEXT).events[0]).toMatchObject({
        type: 'message.status',
        messageId: 'ad5e7b9f-3f4b-4c2e-9a41-0c2f5e3b6d11',
        status: 'delivered',
        final: true,
        providerStatus: 'DELIVRD',
        occurredAt: RECEIVED_AT,
        data: {
          level: '3',
          connector: 'smsc01',
          smscMessageId: '2d4c3e1a',
          submitDate: '2401151030',
          doneDate: '2401151031',
          err: '000',
          text: 'Hello world',
        },
      });
    });

    it('reads the same DLR sent as a GET', () => {
      const [event] = jasmin.normalize(adapterRequestOf(fixture('dlr-undelivered.query')), CONTEXT).events;
      expect(event).toMatchObject({ status: 'undelivered', error: { code: '001', message: 'UNDELIV' } });
    });

    it('tells the level-1 and level-2 calls of one message apart', () => {
      const submit = jasmin.normalize(adapterRequestOf(fixture('dlr-submit-accepted.form')), CONTEXT).events[0];
      const receipt = jasmin.normalize(adapterRequestOf(fixture('dlr-delivered.form')), CONTEXT).events[0];
      expect(submit).toMatchObject({ messageId: receipt.messageId, status: 'sent', final: false });
      expect(submit.eventId).not.toBe(receipt.eventId);
      expect(dlr({}).eventId).toBe(receipt.eventId);
    });

    it('gives a refused submission its ESME code as the error', () => {
      expect(jasmin.normalize(adapterRequestOf(fixture('dlr-submit-refused.form')), CONTEXT).events[0]).toMatchObject({
        status: 'rejected',
        final: true,
        error: { code: 'ESME_RINVDSTADR' },
      });
    });
  });

  describe('statuses', () => {
    it.each(Object.entries(JASMIN_STATUSES))('maps %s to %s', (messageStatus, canonical) => {
      const sent = messageStatus === 'ESME_*' ? 'ESME_RTHROTTLED' : messageStatus;
      expect(jasminStatusKey(sent)).toBe(messageStatus);
      expect(dlr({ message_status: sent })).toMatchObject({ status: canonical, final: STATUS_TABLE[canonical].final, providerStatus: sent });
    });

    it('keeps an unknown message_status as unknown, non-final', () => {
      expect(dlr({ message_status: 'SKIPPED' })).toMatchObject({ status: 'unknown', final: false, providerStatus: 'SKIPPED' });
      expect(dlr({ message_status: 'SKIPPED', err: '001' }).error).toBeUndefined();
    });

    it('catalogs DLR statuses and MO', () => {
      expect(jasmin.catalog[0].statuses).toBe(JASMIN_STATUSES);
      expect(jasmin.catalog.map((entry) => entry.type)).toEqual(['message.status', 'message.inbound']);
      expect(jasmin).toMatchObject({ authentication: 'url-token', methods: ['GET', 'POST'] });
    });
  });

  describe('MO', () => {
    it('reads a GSM text MO', () => {
      expect(jasmin.normalize(adapterRequestOf(fixture('mo.form')), CONTEXT).events[0]).toMatchObject({
        type: 'message.inbound',
        messageId: '16fd2706-8baf-433b-82eb-8c7fada847da',
        sender: { raw: '+21620203060', e164: '+21620203060' },
        recipient: { raw: '1234' },
        data: { text: 'Hello world !', originConnector: 'smsc01', coding: '0', priority: '1', validity: '2013-07-16 00:46:54' },
      });
    });

    it('reads UCS-2 content from its hex, as UTF-16BE', () => {
      expect(jasmin.normalize(adapterRequestOf(fixture('mo-ucs2.form')), CONTEXT).events[0].data).toMatchObject({ text: 'Привет', coding: '8' });
    });

    it('turns the sar_* TLVs into the part, as parameters or inside tlv_params', () => {
      expect(jasmin.normalize(adapterRequestOf(fixture('mo-part.query')), CONTEXT).events[0].part).toEqual({ ref: '42', index: 1, total: 3 });
      const mo = params('mo.form');
      const tlvParams = JSON.stringify({ sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 2 });
      expect(post({ ...mo, tlv_params: tlvParams }).part).toEqual({ ref: '7', index: 2, total: 2 });
      expect(post({ ...mo, tlv_params: 'not json' }).part).toBeUndefined();
      expect(post({ ...mo, sar_msg_ref_num: '7', sar_total_segments: '2', sar_segment_seqnum: '3' }).part).toBeUndefined();
    });

    it('keeps a call of no known kind as provider.unknown', () => {
      expect(post({ foo: 'bar' })).toMatchObject({ type: 'provider.unknown', raw: { foo: 'bar' } });
    });
  });

  describe('reply', () => {
    const event = () => jasmin.normalize(adapterRequestOf(fixture('dlr-delivered.form')), CONTEXT).events[0];

    it('is exactly ACK/Jasmin as text/plain once the event is queued', () => {
      const reply = jasminReply({ normalized: { events: [event()] }, queued: new Set([event().eventId]) });
      expect(reply).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ACK/Jasmin' });
      expect(JASMIN_ACK).toBe('ACK/Jasmin');
    });

    it('is a 5xx without ACK/Jasmin when it is not, so Jasmin retries', () => {
      const reply = jasminReply({ normalized: { events: [event()] }, queued: new Set() });
      expect(reply.statusCode).toBe(503);
      expect(reply.body).not.toContain('ACK/Jasmin');
    });
  });
});

describe('parseReceipt', () => {
  it('reads the SMPP Appendix B receipt, with 12-digit dates and text to the end', () => {
    expect(
      parseReceipt('id:59018505-8565-49ed sub:001 dlvrd:001 submit date:171027081722 done date:171027081727 stat:DELIVRD err:000 text:Hi there: you'),
    ).toEqual({
      id: '59018505-8565-49ed',
      sub: '001',
      dlvrd: '001',
      submitDate: '171027081722',
      doneDate: '171027081727',
      stat: 'DELIVRD',
      err: '000',
      text: 'Hi there: you',
    });
  });

  it('reads a receipt without sub and dlvrd, and nothing from garbage', () => {
    expect(parseReceipt('id:1602718841 submit date:2204152009 done date:2204152009 stat:DELIVRD err:000')).toEqual({
      id: '1602718841',
      submitDate: '2204152009',
      doneDate: '2204152009',
      stat: 'DELIVRD',
      err: '000',
    });
    expect(parseReceipt('nothing here')).toEqual({});
  });
});

describe('jasmin through the ingest handler', () => {
  const suite = useIngestSuite();
  const dlrCall = { provider: PROVIDER, contentType: FORM, body: fixture('dlr-delivered.form').body };

  it('answers exactly ACK/Jasmin to a form POST and to a GET, queuing the events', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, PROVIDER);
    const posted = await handler(await signedWebhookEvent(dlrCall));
    expect([posted.statusCode, posted.body, posted.headers?.['content-type']]).toEqual([200, 'ACK/Jasmin', 'text/plain; charset=utf-8']);
    const got = await handler(await signedWebhookEvent({ provider: PROVIDER, method: 'GET', body: fixture('mo-part.query').body }));
    expect([got.statusCode, got.body]).toEqual([200, 'ACK/Jasmin']);
    expect(await events(2)).toHaveLength(2);
  });

  it('refuses a wrong or missing URL token with a 401 that is not ACK/Jasmin', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, PROVIDER);
    const wrong = await handler(await signedWebhookEvent(dlrCall, { material: { credentials: { tokens: ['not-the-jasmin-token'] } } }));
    const none = await handler(await signedWebhookEvent(dlrCall, { material: { credentials: {} } }));
    for (const response of [wrong, none]) {
      expect(response.statusCode).toBe(401);
      expect(response.body).not.toContain('ACK/Jasmin');
    }
    expect(await eventsDepth()).toBe(0);
  });

  it('answers an invalid call with a 400 (not 404, which Jasmin would never retry) naming the field', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, PROVIDER);
    const response = await handler(await signedWebhookEvent({ ...dlrCall, body: 'message_status=DELIVRD' }));
    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toMatchObject({ field: 'id' });
  });
});
