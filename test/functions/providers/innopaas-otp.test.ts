import { webhookRequest } from '../../../functions/providers/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NormalizedEventSchema, type NormalizedEvent } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { INNOPAAS_OTP_STATUSES, innopaasOtp } from '../../../functions/providers/innopaas-otp';
import type { NormalizeContext } from '../../../functions/providers/types';
import { ValidationError } from '../../../functions/core/errors';
import { validationErrorOf } from '../../support/errors';

const FIXTURES = join(__dirname, '../../events/innopaas-otp');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const fixtureJson = (name: string) => JSON.parse(fixture(name)) as Record<string, unknown>;

const context: NormalizeContext = { receivedAt: '2025-01-01T00:00:00.000Z', timeZone: innopaasOtp.defaultTimeZone };

const normalize = (body: string, ctx: NormalizeContext = context) =>
  innopaasOtp.normalize(webhookRequest({ body, contentType: 'application/json' }), ctx);

const only = (body: string, ctx?: NormalizeContext): NormalizedEvent => {
  const { events } = normalize(body, ctx);
  expect(events).toHaveLength(1);
  return events[0];
};

const withFields = (name: string, fields: Record<string, unknown>) => JSON.stringify({ ...fixtureJson(name), ...fields });

const errorOf = (body: string) => validationErrorOf(() => normalize(body));

describe('innopaas-otp adapter', () => {
  it.each([
    // fixture, messageId, status, final, providerStatus, occurredAt (reportTime read in Asia/Shanghai), recipient
    ['status-delivered.json', '8618912123456', 'delivered', true, '2', '2024-12-12T03:12:12.000Z', '+861571111111'],
    ['status-failed.json', '8618912123457', 'failed', true, '1', '2024-12-12T03:12:40.000Z', '+861571111112'],
    ['status-sending.json', '8618912123456', 'sending', false, '0', '2024-12-12T03:12:12.000Z', '+861571111111'],
    ['status-numeric.json', '8618912123458', 'delivered', true, '2', '2024-12-12T03:13:05.000Z', '+861571111113'],
    ['status-unlisted.json', '8618912123459', 'unknown', false, '3', '2024-12-12T03:14:00.000Z', '+861571111111'],
  ])('%s normalizes to a valid message.status event', (name, messageId, status, final, providerStatus, occurredAt, e164) => {
    const event = only(fixture(name));
    expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      provider: 'innopaas-otp',
      channel: 'otp',
      type: 'message.status',
      messageId,
      status,
      final,
      providerStatus,
      occurredAt,
      occurredAtRaw: fixtureJson(name).reportTime,
      receivedAt: context.receivedAt,
      recipient: { raw: String(fixtureJson(name).mobile), e164 },
      data: { accountNo: '110129512080522', appKey: '6285234567899' },
      raw: fixtureJson(name),
    });
  });

  it('a failed report carries errCode and errMessage as the error', () => {
    expect(only(fixture('status-failed.json')).error).toEqual({ code: 'UNDELIV', message: 'Undeliverable' });
  });

  it('a report that is not a failure carries no error, even with an errCode', () => {
    const event = only(withFields('status-delivered.json', { errCode: 'X1', errMessage: 'stale' }));
    expect(event.error).toBeUndefined();
  });

  it('a failed report without a reason carries no error', () => {
    expect(only(withFields('status-failed.json', { errCode: null, errMessage: null })).error).toBeUndefined();
  });

  it.each(Object.entries(INNOPAAS_OTP_STATUSES))('status %s maps to %s', (code, canonical) => {
    const event = only(withFields('status-sending.json', { status: code }));
    expect(event.status).toBe(canonical);
    expect(event.final).toBe(STATUS_TABLE[canonical].final);
  });

  it('a status sent as a number is the same event as the string', () => {
    const asNumber = only(withFields('status-delivered.json', { status: 2, messageId: 8618912123456 }));
    const asString = only(fixture('status-delivered.json'));
    expect(asNumber).toEqual({ ...asString, raw: asNumber.raw });
  });

  it('reportTime is read in the configured zone', () => {
    const event = only(fixture('status-delivered.json'), { ...context, timeZone: 'UTC' });
    expect(event.occurredAt).toBe('2024-12-12T11:12:12.000Z');
  });

  it('a reportTime in epoch milliseconds is accepted', () => {
    const event = only(withFields('status-delivered.json', { reportTime: '1733973132000' }));
    expect(event.occurredAt).toBe('2024-12-12T03:12:12.000Z');
  });

  it('a list of reports becomes one event per report, in order', () => {
    const { events } = normalize(fixture('batch.json'));
    expect(events.map((e) => [e.messageId, e.status])).toEqual([
      ['8618912123460', 'sending'],
      ['8618912123460', 'delivered'],
    ]);
    expect(events.every((e) => NormalizedEventSchema.safeParse(e).success)).toBe(true);
    expect(events[0].raw).toEqual((JSON.parse(fixture('batch.json')) as unknown[])[0]);
  });

  describe('a list with an invalid report among valid ones', () => {
    const normalized = () => normalize(fixture('mixed-batch-one-invalid-report.json'));

    it('keeps the valid report and the invalid one as provider.unknown with the validation error', () => {
      const [status, unknown] = normalized().events;
      expect(status).toMatchObject({ type: 'message.status', messageId: '8618912123456', status: 'sending' });
      expect(unknown).toMatchObject({
        provider: 'innopaas-otp',
        channel: 'otp',
        type: 'provider.unknown',
        data: { invalid: { field: '1.messageId', message: '1.messageId: expected string' } },
        raw: (JSON.parse(fixture('mixed-batch-one-invalid-report.json')) as unknown[])[1],
      });
      expect(unknown.messageId).toBeUndefined();
      for (const event of normalized().events) expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
    });

    it('gives the invalid report the same event id on every retry', () => {
      expect(normalized().events[1].eventId).toBe(normalized().events[1].eventId);
    });

    it('replies 200 counting both once both are queued, and 503 while the kept one is not', () => {
      const events = normalized().events;
      const all = innopaasOtp.reply({ normalized: normalized(), queued: new Set(events.map((e) => e.eventId)) });
      expect(all.statusCode).toBe(200);
      expect(JSON.parse(all.body)).toEqual({ ok: true, accepted: 2 });
      expect(innopaasOtp.reply({ normalized: normalized(), queued: new Set([events[0].eventId]) }).statusCode).toBe(503);
    });
  });

  it('a single report that fails validation is still refused, not kept', () => {
    const report = (JSON.parse(fixture('mixed-batch-one-invalid-report.json')) as unknown[])[1];
    expect(errorOf(JSON.stringify(report)).field).toBe('messageId');
  });

  it('absent optional fields leave no empty keys', () => {
    const event = only(JSON.stringify({ messageId: '1', status: '2', reportTime: '2024-12-12 11:12:12' }));
    expect(event).not.toHaveProperty('recipient');
    expect(event).not.toHaveProperty('error');
    expect(event.data).toEqual({});
  });

  it.each([
    ['invalid-missing-message-id.json', 'messageId'],
    ['invalid-status-type.json', 'status'],
    ['invalid-report-time.json', 'reportTime'],
    ['invalid-batch-every-report-invalid.json', '0.messageId'],
    ['invalid-message-id-lone-surrogate.json', 'messageId'],
    ['invalid-report-time-year-0001.json', 'reportTime'],
  ])('%s is refused naming %s', (name, field) => {
    expect(errorOf(fixture(name)).field).toBe(field);
  });

  it.each(['messageId', 'status', 'mobile'])('a lone surrogate in %s is refused naming it, without echoing it', (field) => {
    const error = errorOf(withFields('status-delivered.json', { [field]: '86189\udc00' }));
    expect(error.field).toBe(field);
    expect(error.message).toBe(`${field}: not well-formed Unicode (lone surrogate)`);
  });

  it('a lone surrogate in a field only carried along is kept, not refused', () => {
    expect(only(withFields('status-failed.json', { errMessage: 'bad \ud800', accountNo: '1\ud800' })).messageId).toBe('8618912123457');
  });

  it('an empty list is refused', () => {
    expect(errorOf(fixture('invalid-empty-list.json')).message).toBe('body is an empty list');
  });

  it('a body that is not an object is refused', () => {
    expect(errorOf(fixture('invalid-not-an-object.json')).message).toBe('expected object');
  });

  it('a body that is not JSON is refused', () => {
    expect(errorOf('messageId=1&status=2')).toBeInstanceOf(ValidationError);
  });

  it('an impossible reportTime is refused', () => {
    expect(errorOf(withFields('status-delivered.json', { reportTime: '2024-02-30 11:12:12' })).field).toBe('reportTime');
  });

  it('an absurdly long messageId is refused', () => {
    expect(errorOf(withFields('status-delivered.json', { messageId: 'x'.repeat(300) })).field).toBe('messageId');
  });

  it('a numeric messageId beyond 2^53 is refused rather than stored with changed digits', () => {
    const body = fixture('status-delivered.json').replace('"8618912123456"', '86189121234567890123');
    expect(errorOf(body).field).toBe('messageId');
  });

  it('the same report twice yields the same eventId', () => {
    expect(only(fixture('status-delivered.json')).eventId).toBe(only(fixture('status-delivered.json')).eventId);
  });

  it('two reports of one message differ in eventId by status and by reportTime', () => {
    const ids = new Set([
      only(fixture('status-delivered.json')).eventId,
      only(fixture('status-sending.json')).eventId,
      only(withFields('status-sending.json', { reportTime: '2024-12-12 11:12:13' })).eventId,
    ]);
    expect(ids.size).toBe(3);
  });

  it('__proto__, constructor and prototype keys pollute nothing and change nothing', () => {
    const clean = only(fixture('status-failed.json'));
    const hostile = fixture('status-failed.json').replace(
      '{',
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},',
    );
    const event = only(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect({ ...event, raw: undefined }).toEqual({ ...clean, raw: undefined });
    expect(Object.getPrototypeOf(event.data)).toBe(Object.prototype);
  });

  it('replies 200 when every event was queued', () => {
    const normalized = normalize(fixture('batch.json'));
    const reply = innopaasOtp.reply({ normalized, queued: new Set(normalized.events.map((e) => e.eventId)) });
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ ok: true, accepted: 2 });
  });

  it('replies 503 when an event was not queued', () => {
    const normalized = normalize(fixture('batch.json'));
    const reply = innopaasOtp.reply({ normalized, queued: new Set([normalized.events[0].eventId]) });
    expect(reply.statusCode).toBe(503);
  });

  it('declares header credentials, the Shanghai zone and its status table', () => {
    expect(innopaasOtp).toMatchObject({
      id: 'innopaas-otp',
      authentication: 'headers',
      credentialHeaders: ['UserName', 'Authorization'],
      defaultTimeZone: 'Asia/Shanghai',
    });
    expect(innopaasOtp.catalog).toEqual([
      { providerEvent: 'OTP status push', type: 'message.status', channel: 'otp', statuses: INNOPAAS_OTP_STATUSES },
    ]);
  });
});
