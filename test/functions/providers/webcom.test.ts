import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { MAX_XML_REFERENCES, WEBCOM_STATUSES, webcom } from '../../../functions/providers/webcom';
import { MAX_NESTING_DEPTH, webhookRequest } from '../../../functions/providers/common';
import type { Normalized, NormalizeContext } from '../../../functions/providers/types';
import { validationErrorOf } from '../../support/errors';

const FIXTURES = join(__dirname, '../../events/webcom');
const RECEIVED_AT = '2024-05-14T08:00:00.000Z';
const MOSCOW: NormalizeContext = { receivedAt: RECEIVED_AT, timeZone: webcom.defaultTimeZone };

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const normalize = (body: string, context: NormalizeContext = MOSCOW) => webcom.normalize(webhookRequest({ body }), context);
const xml = (states: string) => `<?xml version="1.0" encoding="utf-8" ?>\n<response>${states}</response>`;

const allQueued = (normalized: Normalized) => ({ normalized, queued: new Set(normalized.events.map((e) => e.eventId)) });
const byMessage = (events: NormalizedEvent[], id: string) => events.filter((event) => event.messageId === id);

describe('webcom adapter', () => {
  describe('valid fixtures', () => {
    it.each([
      ['status.xml', 2, 'xml'],
      ['status.json', 2, 'json'],
      ['status-string-ids.json', 2, 'json'],
      ['status-viber-sms-cascade.xml', 2, 'xml'],
      ['status-every-value.xml', 6, 'xml'],
      ['status-send-empty-time.xml', 1, 'xml'],
      ['status-unknown-children.xml', 1, 'xml'],
      ['status-white-label.xml', 3, 'xml'],
      ['status-stray-text-node.xml', 1, 'xml'],
    ])('%s normalizes to %i schema-valid status events, replied in %s', (name, count, format) => {
      const normalized = normalize(fixture(name));
      expect(normalized.events).toHaveLength(count);
      expect(normalized.replyFormat).toBe(format);
      expect(normalized.ping).toBeUndefined();
      for (const event of normalized.events) {
        expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
        expect(event).toMatchObject({ provider: 'webcom', type: 'message.status' });
      }
    });

    it('reads the XML sample: ids, statuses, Moscow time converted to UTC, per-channel status', () => {
      const [delivered, sent] = normalize(fixture('status.xml')).events;
      expect(delivered).toMatchObject({
        messageId: '3234',
        channel: 'sms',
        status: 'delivered',
        final: true,
        providerStatus: 'deliver',
        occurredAt: '2024-05-14T07:21:07.000Z',
        occurredAtRaw: '2024-05-14 10:21:07',
        receivedAt: RECEIVED_AT,
        data: { channels: { sms: { providerStatus: 'deliver', status: 'delivered' } } },
      });
      expect(sent).toMatchObject({ messageId: '3237', status: 'sent', final: false, providerStatus: 'send' });
    });

    it('falls back to the receipt time when send has an empty time', () => {
      const [sent] = normalize(fixture('status-send-empty-time.xml')).events;
      expect(sent.occurredAt).toBe(RECEIVED_AT);
      expect(sent.occurredAtRaw).toBeUndefined();
    });

    it('reads the JSON variant the same way, without per-channel data', () => {
      const [delivered, sent] = normalize(fixture('status.json')).events;
      expect(delivered).toMatchObject({ messageId: '3234', status: 'delivered', final: true, occurredAt: '2024-05-14T07:21:07.000Z' });
      expect(delivered.data).toBeUndefined();
      expect(delivered.raw).toEqual({ id_sms: 3234, time: '2024-05-14 10:21:07', state: 'deliver' });
      expect(sent).toMatchObject({ messageId: '3237', status: 'sent', occurredAt: RECEIVED_AT });
    });

    it('takes id_sms as a number or a digit string in JSON and stores it as a string', () => {
      const events = normalize(fixture('status-string-ids.json')).events;
      expect(events.map((event) => event.messageId)).toEqual(['3234', '3235']);
      expect(events[1]).toMatchObject({ status: 'undelivered', final: true });
    });

    it('marks a Viber message and a Viber→SMS cascade as viber and keeps each channel status', () => {
      const [viber, cascade] = normalize(fixture('status-viber-sms-cascade.xml')).events;
      expect(viber).toMatchObject({ channel: 'viber', status: 'read', final: true });
      expect(viber.data).toEqual({ channels: { viber: { providerStatus: 'read', status: 'read' } } });
      expect(cascade).toMatchObject({ channel: 'viber', status: 'delivered', messageId: '4102' });
      expect(cascade.data).toEqual({
        channels: {
          sms: { providerStatus: 'deliver', status: 'delivered' },
          viber: { providerStatus: 'not_deliver', status: 'undelivered' },
        },
      });
    });

    it('reads time in the configured zone when the deployment overrides it', () => {
      const [delivered] = normalize(fixture('status.xml'), { receivedAt: RECEIVED_AT, timeZone: 'UTC' }).events;
      expect(delivered.occurredAt).toBe('2024-05-14T10:21:07.000Z');
    });

    it('ignores unknown elements and attributes', () => {
      const [withExtras] = normalize(fixture('status-unknown-children.xml')).events;
      const [plain] = normalize(fixture('status.xml')).events;
      expect({ ...withExtras, raw: undefined }).toEqual({ ...plain, raw: undefined });
    });
  });

  describe('the white-label platform', () => {
    it('reads a <request> root whose states have no sms/viber attributes, and answers with the ids taken', () => {
      const normalized = normalize(fixture('status-white-label.xml'));
      expect(normalized.events.map((event) => [event.messageId, event.status, event.channel])).toEqual([
        ['4101', 'delivered', 'sms'],
        ['4102', 'undelivered', 'sms'],
        ['4103', 'sent', 'sms'],
      ]);
      const reply = webcom.reply({ normalized, queued: new Set(normalized.events.slice(0, 2).map((event) => event.eventId)) });
      expect(reply.body).toContain('<response><id_sms>4101</id_sms><id_sms>4102</id_sms></response>');
    });

    it('the stray text node of the English doc example changes nothing', () => {
      expect(normalize(fixture('status-stray-text-node.xml')).events[0]).toMatchObject({
        messageId: '4201',
        status: 'delivered',
        occurredAt: '2024-05-14T08:00:00.000Z',
      });
    });
  });

  describe('statuses', () => {
    it.each([
      ['send', 'sent', false],
      ['deliver', 'delivered', true],
      ['read', 'read', true],
      ['not_deliver', 'undelivered', true],
      ['expired', 'expired', true],
      ['partly_deliver', 'unknown', true],
    ])('maps %s to %s (final %s)', (providerStatus, status, final) => {
      const event = normalize(fixture('status-every-value.xml')).events.find((e) => e.providerStatus === providerStatus);
      expect(event).toMatchObject({ status, final });
      expect(WEBCOM_STATUSES[providerStatus]).toBe(status);
    });

    it('the fixture covers every value of the mapping table', () => {
      const seen = normalize(fixture('status-every-value.xml')).events.map((event) => event.providerStatus);
      expect(seen.sort()).toEqual(Object.keys(WEBCOM_STATUSES).sort());
    });

    it('keeps an unknown status as unknown and non-final', () => {
      const [event] = normalize(xml('<state id_sms="1" time="2024-05-14 10:21:07" sms="rejected_by_operator">rejected_by_operator</state>')).events;
      expect(event).toMatchObject({ status: 'unknown', final: false, providerStatus: 'rejected_by_operator' });
      expect(event.data).toEqual({ channels: { sms: { providerStatus: 'rejected_by_operator', status: 'unknown' } } });
    });

    it('catalogs both channels with the mapping table', () => {
      expect(webcom.catalog.map((entry) => entry.channel)).toEqual(['sms', 'viber']);
      for (const entry of webcom.catalog) expect(entry.statuses).toBe(WEBCOM_STATUSES);
      expect(webcom).toMatchObject({ authentication: 'url-token', defaultTimeZone: 'Europe/Moscow' });
    });
  });

  describe('requests without a status (Webcom has no ping)', () => {
    it.each([
      ['invalid-empty-response.xml', 'response.state: expected at least one <state> element'],
      ['invalid-response-text-only.xml', 'response.state: expected at least one <state> element'],
      ['invalid-state-wrong-case.xml', 'response.state: expected at least one <state> element'],
      ['invalid-state-nested-one-level-too-deep.xml', 'response.state: expected at least one <state> element'],
      ['invalid-empty-list.json', 'expected at least one status, got an empty list'],
    ])('%s is refused: %s', (name, message) => {
      expect(validationErrorOf(() => normalize(fixture(name))).message).toBe(message);
    });

    it('still refuses a batch whose every item is invalid, naming the first', () => {
      const body = xml('<state id_sms="x" time="2024-05-14 10:21:07">deliver</state><state id_sms="1" time="later">deliver</state>');
      expect(validationErrorOf(() => normalize(body)).field).toBe('state.0.id_sms');
    });
  });

  describe('a batch with an invalid item among valid ones', () => {
    const normalized = () => normalize(fixture('mixed-batch-one-invalid-state.xml'));

    it('keeps the valid status and the invalid item as provider.unknown with the validation error', () => {
      const [status, unknown] = normalized().events;
      expect(status).toMatchObject({ type: 'message.status', messageId: '3234', status: 'delivered' });
      expect(unknown).toMatchObject({
        type: 'provider.unknown',
        data: { invalid: { field: 'state.1.id_sms' } },
        raw: { '@_id_sms': 'IDSMS' },
      });
      expect(unknown.messageId).toBeUndefined();
      for (const event of normalized().events) expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
    });

    it('echoes the valid id only, so Webcom stops resending it', () => {
      expect(webcom.reply(allQueued(normalized())).body).toMatch(/<response><id_sms>3234<\/id_sms><\/response>$/);
    });

    it('gives the invalid item the same event id on every retry', () => {
      expect(normalized().events[1].eventId).toBe(normalized().events[1].eventId);
    });

    it('does the same for the JSON variant and for a bad time', () => {
      const body = JSON.stringify([
        { id_sms: 3234, time: '2024-05-14 10:21:07', state: 'deliver' },
        { id_sms: 3235, time: '14.05.2024', state: 'deliver' },
      ]);
      const events = normalize(body).events;
      expect(events.map((event) => event.type)).toEqual(['message.status', 'provider.unknown']);
      expect(events[1].data).toEqual({ invalid: { field: '1.time', message: expect.stringMatching(/date-time/) } });
      expect(webcom.reply(allQueued(normalize(body))).body).toBe('[{"id_sms":3234}]');
    });
  });

  describe('invalid bodies', () => {
    it.each([
      ['invalid-id-sms-not-numeric.xml', 'state.0.id_sms'],
      ['invalid-id-sms-not-numeric.json', '0.id_sms'],
      ['invalid-time.xml', 'state.0.time'],
      ['invalid-state-missing.xml', 'state.0.state'],
      ['invalid-wrong-root.xml', 'response'],
      ['invalid-state-lone-surrogate.json', '0.state'],
    ])('%s is refused naming %s', (name, field) => {
      expect(validationErrorOf(() => normalize(fixture(name))).field).toBe(field);
    });

    it.each([
      ['invalid-doctype-entity-bomb.xml', /DOCTYPE/],
      ['invalid-malformed.xml', /not well-formed XML/],
      ['invalid-not-an-array.json', /expected array/],
    ])('%s is refused: %s', (name, message) => {
      expect(validationErrorOf(() => normalize(fixture(name))).message).toMatch(message);
    });

    it('accepts unknown child elements nested below the limit', () => {
      const children = `${'<x>'.repeat(60)}${'</x>'.repeat(60)}`;
      const [event] = normalize(xml(`<state id_sms="1" time="2024-05-14 10:21:07">deliver${children}</state>`)).events;
      expect(event).toMatchObject({ messageId: '1', status: 'delivered' });
    });

    it.each([62, 64, 100])('refuses %i nested child elements as nested too deep, not as malformed', (depth) => {
      const children = `${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}`;
      const body = xml(`<state id_sms="1" time="2024-05-14 10:21:07">deliver${children}</state>`);
      expect(validationErrorOf(() => normalize(body)).message).toBe(`body is nested deeper than ${MAX_NESTING_DEPTH} levels`);
    });

    it.each(['sms', 'viber'])('refuses a lone surrogate in the %s status, which enters the event id', (channel) => {
      const body = JSON.stringify([{ id_sms: 1, time: '2024-05-14 10:21:07', state: 'deliver', [channel]: 'deliver\udc00' }]);
      expect(validationErrorOf(() => normalize(body)).message).toBe(`0.${channel}: not well-formed Unicode (lone surrogate)`);
    });

    it('refuses an entity declaration without a DOCTYPE', () => {
      expect(validationErrorOf(() => normalize('<response><!ENTITY x "y"></response>')).message).toMatch(/ENTITY/);
    });

    it('refuses a million numeric character references before parsing', () => {
      const refs = '&#65;'.repeat(1_000_000);
      expect(validationErrorOf(() => normalize(xml(`<state id_sms="1" time="" sms="send">${refs}</state>`))).message).toMatch(/references/);
      expect(validationErrorOf(() => normalize(xml(`<state id_sms="1" time="" sms="${refs}">send</state>`))).message).toMatch(/references/);
    });

    it('keeps a few references literal, never expanded', () => {
      const error = validationErrorOf(() => normalize(xml('<state id_sms="&#51;" time="">send</state>')));
      expect(error.field).toBe('state.0.id_sms');
      const [event] = normalize(xml('<state id_sms="3" time="">se&#110;d</state>')).events;
      expect(event).toMatchObject({ providerStatus: 'se&#110;d', status: 'unknown', final: false });
    });

    it('tolerates references up to the budget and refuses one more', () => {
      const withReferences = (count: number) => xml(`<note>${'&amp;'.repeat(count)}</note><state id_sms="1" time="">send</state>`);
      expect(normalize(withReferences(MAX_XML_REFERENCES)).events).toHaveLength(1);
      expect(validationErrorOf(() => normalize(withReferences(MAX_XML_REFERENCES + 1))).message).toMatch(/references/);
    });

    it('refuses a body that is neither XML nor JSON', () => {
      expect(validationErrorOf(() => normalize('id_sms=3234&state=deliver')).message).toMatch(/neither XML nor JSON/);
      expect(validationErrorOf(() => normalize('   ')).message).toMatch(/neither XML nor JSON/);
    });

    it('refuses absurdly long values', () => {
      expect(validationErrorOf(() => normalize(xml(`<state id_sms="1" time="">${'x'.repeat(65)}</state>`))).field).toBe('state.0.state');
      expect(validationErrorOf(() => normalize(xml(`<state id_sms="${'9'.repeat(21)}" time="">send</state>`))).field).toBe('state.0.id_sms');
      expect(validationErrorOf(() => normalize(JSON.stringify([{ id_sms: 1.5, state: 'send' }]))).field).toBe('0.id_sms');
    });
  });

  describe('event ids', () => {
    it('are the same when the same body comes twice', () => {
      const ids = () => normalize(fixture('status.xml')).events.map((event) => event.eventId);
      expect(ids()).toEqual(ids());
    });

    it('do not depend on whether id_sms was a number or a string', () => {
      const asNumber = normalize('[{"id_sms":3234,"time":"2024-05-14 10:21:07","state":"deliver"}]').events[0];
      const asString = normalize('[{"id_sms":"3234","time":"2024-05-14 10:21:07","state":"deliver"}]').events[0];
      expect(asNumber.eventId).toBe(asString.eventId);
    });

    it('differ between different statuses, times and channel statuses', () => {
      const base = '<state id_sms="7" time="2024-05-14 10:21:07" sms="deliver" viber="not_deliver">deliver</state>';
      const variants = [
        base,
        base.replace('id_sms="7"', 'id_sms="8"'),
        base.replace('>deliver<', '>read<'),
        base.replace('10:21:07', '10:21:08'),
        base.replace('viber="not_deliver"', 'viber="read"'),
        base.replace(' viber="not_deliver"', ''),
      ];
      const ids = variants.map((state) => normalize(xml(state)).events[0].eventId);
      expect(new Set(ids).size).toBe(variants.length);
    });

    it('differ between the events of one batch', () => {
      const ids = normalize(fixture('status-every-value.xml')).events.map((event) => event.eventId);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });

  describe('prototype pollution', () => {
    afterEach(() => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('XML attributes and elements named __proto__, constructor or prototype change nothing', () => {
      const plain = normalize(xml('<state id_sms="1" time="2024-05-14 10:21:07" sms="deliver">deliver</state>')).events[0];
      const hostile = normalize(
        xml(
          '<__proto__><polluted>1</polluted></__proto__><constructor><prototype><polluted>1</polluted></prototype></constructor>' +
            '<state __proto__="x" constructor="y" prototype="z" id_sms="1" time="2024-05-14 10:21:07" sms="deliver">' +
            '<__proto__ polluted="1"/>deliver</state>',
        ),
      ).events;
      expect(hostile).toHaveLength(1);
      expect({ ...hostile[0], raw: undefined }).toEqual({ ...plain, raw: undefined });
    });

    it('JSON __proto__ keys change nothing', () => {
      const plain = normalize('[{"id_sms":1,"time":"2024-05-14 10:21:07","state":"deliver"}]').events[0];
      const hostile = normalize(
        '[{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"id_sms":1,"time":"2024-05-14 10:21:07","state":"deliver"}]',
      ).events[0];
      expect({ ...hostile, raw: undefined }).toEqual({ ...plain, raw: undefined });
    });
  });

  describe('reply', () => {
    it('echoes every queued id_sms as XML, in the order received', () => {
      const reply = webcom.reply(allQueued(normalize(fixture('status.xml'))));
      expect(reply).toEqual({
        statusCode: 200,
        headers: { 'content-type': 'application/xml; charset=utf-8' },
        body: '<?xml version="1.0" encoding="utf-8"?>\n<response><id_sms>3234</id_sms><id_sms>3237</id_sms></response>',
      });
    });

    it('answers JSON in JSON, echoing numbers as numbers and strings as strings', () => {
      const reply = webcom.reply(allQueued(normalize(fixture('status-string-ids.json'))));
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(reply.body)).toEqual([{ id_sms: '3234' }, { id_sms: 3235 }]);
    });

    it('leaves out the ids whose events were not queued, so Webcom retries exactly those', () => {
      const normalized = normalize(fixture('status.json'));
      const reply = webcom.reply({ normalized, queued: new Set([normalized.events[1].eventId]) });
      expect(reply.statusCode).toBe(200);
      expect(JSON.parse(reply.body)).toEqual([{ id_sms: 3237 }]);
    });

    it('leaves out an id when any one of its statuses in the batch was not queued, and lists each id once', () => {
      const normalized = normalize(
        xml(
          '<state id_sms="1" time="2024-05-14 10:21:07" sms="deliver">deliver</state>' +
            '<state id_sms="2" time="">send</state>' +
            '<state id_sms="1" time="2024-05-14 10:22:00" sms="read">read</state>' +
            '<state id_sms="2" time="2024-05-14 10:21:09">deliver</state>',
        ),
      );
      const [firstOfOne] = byMessage(normalized.events, '1');
      const bothOfTwo = byMessage(normalized.events, '2').map((event) => event.eventId);
      const reply = webcom.reply({ normalized, queued: new Set([firstOfOne.eventId, ...bothOfTwo]) });
      expect(reply.body).toBe('<?xml version="1.0" encoding="utf-8"?>\n<response><id_sms>2</id_sms></response>');
    });

    it('answers 503 when nothing at all was queued', () => {
      const reply = webcom.reply({ normalized: normalize(fixture('status.xml')), queued: new Set() });
      expect(reply.statusCode).toBe(503);
    });
  });
});
