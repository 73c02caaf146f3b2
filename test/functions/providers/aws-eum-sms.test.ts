import { NormalizedEventSchema } from '../../../functions/events/schema';
import { STATUS_TABLE } from '../../../functions/events/status';
import { AWS_SMS_EVENT_STATUSES, awsEumSms, decimalOf, millicentsToUsd, statusOfSmsEvent } from '../../../functions/providers/aws-eum-sms';
import { sourceRecordsOf } from '../../../functions/providers/records';
import type { NormalizeContext, SourceRecord } from '../../../functions/providers/types';
import { ValidationError } from '../../../functions/core/errors';
import { allFixtures, loadFixtures } from '../../../local/fixtures';

const CONTEXT: NormalizeContext = { receivedAt: '2025-10-01T18:21:00.000Z', timeZone: 'UTC' };
const fixture = (name: string) => {
  const found = allFixtures('aws-eum-sms').find((item) => item.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return JSON.parse(found.body) as Record<string, unknown>;
};
const eventsOf = (value: unknown) => sourceRecordsOf(value).flatMap((record) => awsEumSms.normalizeRecord!(record, CONTEXT).events);
const only = (value: unknown) => {
  const events = eventsOf(value);
  expect(events).toHaveLength(1);
  return events[0];
};

/** An SMS event record (the user guide's example) with some fields changed, as EventBridge delivers it. */
const SAMPLE_RECORD = JSON.parse((fixture('sns-text-successful.json') as { Message: string }).Message) as Record<string, unknown>;
const eventBridge = (detail: Record<string, unknown>, detailType = 'Text Message Delivery Status Updated'): SourceRecord => ({
  source: 'eventbridge',
  id: 'eb-1',
  detailType,
  eventSource: 'aws.sms-voice',
  time: '2023-06-17T04:11:43Z',
  detail,
});
const normalizeDetail = (fields: Record<string, unknown>) => {
  const { events } = awsEumSms.normalizeRecord!(eventBridge({ ...SAMPLE_RECORD, ...fields }), CONTEXT);
  expect(events).toHaveLength(1);
  return events[0];
};

describe('aws-eum-sms adapter', () => {
  it('has no HTTP route: IAM, EventBridge (aws.sms-voice text and media status) and SNS', () => {
    expect(awsEumSms).toMatchObject({
      authentication: 'iam',
      sources: ['eventbridge', 'sns'],
      eventPattern: { source: ['aws.sms-voice'], 'detail-type': ['Text Message Delivery Status Updated', 'Media Message Delivery Status Updated'] },
    });
  });

  describe('every fixture', () => {
    it.each(loadFixtures('aws-eum-sms').map((item) => [item.name]))('%s normalizes to schema-valid events, also when read as text', (name) => {
      const events = eventsOf(fixture(name));
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
      // The tools read fixtures through `normalize`: the same events.
      expect(
        awsEumSms.normalize({ body: JSON.stringify(fixture(name)), method: 'POST', params: [], headers: {}, query: {} }, CONTEXT).events,
      ).toEqual(events);
    });

    it.each([['invalid-not-an-event.json'], ['invalid-subscription-confirmation.json']])('%s is refused, naming the problem', (name) => {
      expect(() => eventsOf(fixture(name))).toThrow(ValidationError);
    });
  });

  describe('the EventBridge example of the user guide, completed with the record fields', () => {
    it('is a final TEXT_SUCCESSFUL: delivered, with carrier, country, segments and price', () => {
      expect(only(fixture('eventbridge-text-successful.json'))).toMatchObject({
        provider: 'aws-eum-sms',
        channel: 'sms',
        type: 'message.status',
        messageId: 'ed23196c-75ce-4727-93ee-7bf72b64998f',
        status: 'delivered',
        final: true,
        providerStatus: 'TEXT_SUCCESSFUL',
        sender: { raw: 'VAJZNBLLDX' },
        occurredAt: '2025-10-01T18:20:41.377Z',
        occurredAtRaw: '1759342841377',
        segments: 1,
        price: { amount: '0.0751', currency: 'USD' },
        network: { mcc: '214', mnc: '05', carrier: 'Movistar', country: 'ES' },
        data: { messageStatus: 'SUCCESSFUL', messageType: 'TRANSACTIONAL', requestedAt: '2025-10-01T18:20:40.978Z', isFinal: true },
      });
    });
  });

  describe('the SMS event record of the user guide, through an SNS event destination', () => {
    it('reads every documented field', () => {
      expect(only(fixture('sns-text-successful.json'))).toMatchObject({
        messageId: '862a8790-60c0-4430-9b2b-658bdexample',
        status: 'delivered',
        final: true,
        recipient: { raw: '+14255550156', e164: '+14255550156' },
        sender: { raw: '+12065550152', e164: '+12065550152' },
        occurredAt: '2023-06-17T04:11:43.470Z',
        segments: 1,
        price: { amount: '0.09582', currency: 'USD' },
        network: { mcc: '310', mnc: '800' },
        data: { context: { account: 'bar' }, totalCarrierFee: 0, messageStatusDescription: 'Message has been accepted by phone carrier' },
      });
    });

    it('is the same event as the same record from EventBridge (one event id for both routes)', () => {
      const viaSns = only(fixture('sns-text-successful.json'));
      const viaEventBridge = normalizeDetail({});
      expect(viaEventBridge.eventId).toBe(viaSns.eventId);
    });
  });

  describe('isFinal', () => {
    it('TEXT_SUCCESSFUL not final is sent (accepted by the carrier, more to come)', () => {
      expect(only(fixture('sns-text-successful-not-final.json'))).toMatchObject({ status: 'sent', final: false });
    });

    it('a failure type not final is sending: AWS is still trying', () => {
      expect(only(fixture('sns-text-carrier-unreachable.json'))).toMatchObject({
        status: 'sending',
        final: false,
        providerStatus: 'TEXT_CARRIER_UNREACHABLE',
      });
    });

    it('a failure type final carries its status and description as the error', () => {
      expect(only(fixture('sns-text-blocked.json'))).toMatchObject({
        status: 'undelivered',
        final: true,
        error: { code: 'BLOCKED', message: 'Your message was blocked by the destination carrier' },
      });
    });

    it('the 72-hour UNKNOWN is the canonical unknown, final', () => {
      expect(only(fixture('eventbridge-text-unknown-72h.json'))).toMatchObject({ status: 'unknown', final: true, providerStatus: 'TEXT_UNKNOWN' });
    });
  });

  describe('every event type the API lists', () => {
    it.each(Object.keys(AWS_SMS_EVENT_STATUSES).map((type) => [type]))('%s maps, final and not, to a status of the right finality', (eventType) => {
      const meaning = AWS_SMS_EVENT_STATUSES[eventType];
      const finalEvent = normalizeDetail({ eventType, isFinal: true });
      expect(finalEvent).toMatchObject({
        type: 'message.status',
        status: meaning.final,
        final: STATUS_TABLE[meaning.final].final,
        providerStatus: eventType,
      });
      expect(finalEvent.channel).toBe(eventType.startsWith('MEDIA_') ? 'mms' : 'sms');
      const interim = normalizeDetail({ eventType, isFinal: false });
      expect(interim).toMatchObject({ status: meaning.interim, final: STATUS_TABLE[meaning.interim].final });
    });

    it.each([
      ['TEXT_QUEUED', 'queued'],
      ['TEXT_PENDING', 'sending'],
      ['TEXT_SENT', 'sent'],
      ['TEXT_DELIVERED', 'delivered'],
      ['TEXT_SUCCESSFUL', 'delivered'],
      ['TEXT_BLOCKED', 'undelivered'],
      ['TEXT_CARRIER_BLOCKED', 'undelivered'],
      ['TEXT_UNREACHABLE', 'undelivered'],
      ['TEXT_CARRIER_UNREACHABLE', 'undelivered'],
      ['TEXT_INVALID', 'rejected'],
      ['TEXT_INVALID_MESSAGE', 'rejected'],
      ['TEXT_SPAM', 'rejected'],
      ['TEXT_PROTECT_BLOCKED', 'rejected'],
      ['TEXT_TTL_EXPIRED', 'expired'],
      ['TEXT_UNKNOWN', 'unknown'],
      ['MEDIA_FILE_INACCESSIBLE', 'rejected'],
    ])('%s final → %s', (eventType, status) => {
      expect(statusOfSmsEvent(eventType, true)).toBe(status);
    });

    it('an event type nobody documented is kept as unknown, non-final, with its description', () => {
      expect(only(fixture('sns-text-future-type.json'))).toMatchObject({
        type: 'message.status',
        status: 'unknown',
        final: false,
        providerStatus: 'TEXT_SOMETHING_NEW',
        error: { code: 'SOMETHING_NEW', message: 'A status AWS added later' },
      });
    });

    it('a voice event is kept as provider.unknown with its type', () => {
      expect(normalizeDetail({ eventType: 'VOICE_ANSWERED' })).toMatchObject({ type: 'provider.unknown', data: { eventType: 'VOICE_ANSWERED' } });
    });

    it('another detail-type (Registration Status Change) is kept as provider.unknown', () => {
      expect(only(fixture('eventbridge-registration-status-change.json'))).toMatchObject({
        type: 'provider.unknown',
        data: { detailType: 'Registration Status Change', eventSource: 'aws.sms-voice' },
      });
    });
  });

  describe('multipart and price', () => {
    it('totalMessageParts is segments; priceInMillicentsUSD is the price when it is the only one', () => {
      expect(only(fixture('sns-text-multipart-millicents.json'))).toMatchObject({ segments: 3, price: { amount: '0.01938', currency: 'USD' } });
    });

    it.each([
      [0.09582, '0.09582'],
      [0, '0'],
      [1.5, '1.5'],
      [0.0000001, '0.0000001'],
      [Number.NaN, undefined],
    ])('decimalOf(%p) = %p', (value, expected) => {
      expect(decimalOf(value)).toBe(expected);
    });

    it.each([
      [1938, '0.01938'],
      [645, '0.00645'],
      [100000, '1'],
      [123456789, '1234.56789'],
      [0, '0'],
    ])('millicentsToUsd(%p) = %p', (value, expected) => {
      expect(millicentsToUsd(value)).toBe(expected);
    });
  });

  describe('two-way SMS (SNS)', () => {
    it('the documented inbound message is a message.inbound at SNS time', () => {
      expect(only(fixture('sns-two-way-inbound.json'))).toMatchObject({
        type: 'message.inbound',
        channel: 'sms',
        messageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
        sender: { raw: '+14255550182', e164: '+14255550182' },
        recipient: { raw: '+12125550101', e164: '+12125550101' },
        occurredAt: '2025-10-01T18:25:02.117Z',
        data: { body: 'EXAMPLE', keyword: 'JOIN', previousPublishedMessageId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      });
    });
  });

  describe('records that are not as documented', () => {
    it('a record without messageId is kept as provider.unknown with the field named', () => {
      const { messageId: _omitted, ...withoutId } = SAMPLE_RECORD;
      const event = awsEumSms.normalizeRecord!(eventBridge(withoutId), CONTEXT).events[0];
      expect(event).toMatchObject({ type: 'provider.unknown', data: { invalid: { field: 'messageId' } } });
    });

    it('an SNS message that is not JSON is refused, naming Message', () => {
      const record: SourceRecord = {
        source: 'sns',
        messageId: 'm',
        topicArn: 'arn:aws:sns:us-east-1:111122223333:t',
        timestamp: '2025-01-01T00:00:00.000Z',
        message: 'hello',
      };
      expect(() => awsEumSms.normalizeRecord!(record, CONTEXT)).toThrow('Message: is not JSON');
    });

    it('an SNS message of another shape is kept as provider.unknown', () => {
      const record: SourceRecord = {
        source: 'sns',
        messageId: 'm',
        topicArn: 'arn:aws:sns:us-east-1:111122223333:t',
        timestamp: '2025-01-01T00:00:00.000Z',
        message: '{"foo":1}',
      };
      expect(awsEumSms.normalizeRecord!(record, CONTEXT).events[0]).toMatchObject({ type: 'provider.unknown', data: { topicArn: record.topicArn } });
    });
  });
});
