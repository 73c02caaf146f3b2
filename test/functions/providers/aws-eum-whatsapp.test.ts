import { NormalizedEventSchema } from '../../../functions/events/schema';
import { AWS_WHATSAPP_STATUSES, WHATSAPP_DETAIL_TYPES, awsEumWhatsapp } from '../../../functions/providers/aws-eum-whatsapp';
import { sourceRecordsOf } from '../../../functions/providers/records';
import type { NormalizeContext, SourceRecord } from '../../../functions/providers/types';
import { ValidationError } from '../../../functions/core/errors';
import { allFixtures, loadFixtures } from '../../../local/fixtures';

const CONTEXT: NormalizeContext = { receivedAt: '2025-10-03T04:35:00.000Z', timeZone: 'UTC' };
const fixture = (name: string) => {
  const found = allFixtures('aws-eum-whatsapp').find((item) => item.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return JSON.parse(found.body) as Record<string, unknown>;
};
const eventsOf = (value: unknown) => sourceRecordsOf(value).flatMap((record) => awsEumWhatsapp.normalizeRecord!(record, CONTEXT).events);
const only = (value: unknown) => {
  const events = eventsOf(value);
  expect(events).toHaveLength(1);
  return events[0];
};
const eventBridge = (detailType: string, detail: unknown): SourceRecord => ({
  source: 'eventbridge',
  id: `eb-${detailType}`,
  detailType,
  eventSource: 'aws.social-messaging',
  time: '2025-10-03T04:34:24Z',
  detail,
});
const snsWith = (entry: unknown): SourceRecord => ({
  source: 'sns',
  messageId: 'sns-1',
  topicArn: 'arn:aws:sns:us-east-1:123456789012:whatsapp-events',
  timestamp: '2025-01-08T23:31:40.120Z',
  message: JSON.stringify({ context: {}, whatsAppWebhookEntry: JSON.stringify(entry), aws_account_id: '123456789012' }),
});

describe('aws-eum-whatsapp adapter', () => {
  it('has no HTTP route: IAM, EventBridge (aws.social-messaging, every documented detail-type) and SNS', () => {
    expect(awsEumWhatsapp).toMatchObject({ authentication: 'iam', sources: ['eventbridge', 'sns'] });
    expect(awsEumWhatsapp.eventPattern).toEqual({
      source: ['aws.social-messaging'],
      'detail-type': [
        'WhatsApp Message Sent',
        'WhatsApp Message Delivered',
        'WhatsApp Message Read',
        'WhatsApp Message Failed',
        'WhatsApp Message Undeliverable',
        'WhatsApp Message Received',
        'WhatsApp Unknown Notification Received',
        'WhatsApp Message Handover Succeeded',
        'WhatsApp Message Handover Failed',
      ],
    });
  });

  it.each(loadFixtures('aws-eum-whatsapp').map((item) => [item.name]))('%s normalizes to schema-valid events', (name) => {
    const events = eventsOf(fixture(name));
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(NormalizedEventSchema.safeParse(event).success).toBe(true);
  });

  it('invalid-not-an-event.json is refused, naming the problem', () => {
    expect(() => eventsOf(fixture('invalid-not-an-event.json'))).toThrow(ValidationError);
  });

  it('the documented EventBridge "WhatsApp Message Delivered" event: AWS message id, epoch seconds as a string', () => {
    expect(only(fixture('eventbridge-delivered.json'))).toMatchObject({
      provider: 'aws-eum-whatsapp',
      channel: 'whatsapp',
      type: 'message.status',
      messageId: '4bee7d29-70f5-4a49-b84e-facf4424fe58',
      status: 'delivered',
      final: true,
      providerStatus: 'delivered',
      sender: { raw: '15815555555', e164: '+15815555555' },
      occurredAt: '2025-10-03T04:34:23.000Z',
      occurredAtRaw: '1759466063',
      data: { wabaId: '1163793972139053', originationPhoneNumberId: '574086085794038', detailType: 'WhatsApp Message Delivered' },
    });
  });

  it.each([
    ['eventbridge-sent.json', 'sent', false],
    ['eventbridge-read.json', 'read', true],
    ['eventbridge-failed.json', 'failed', true],
    ['eventbridge-undeliverable.json', 'undelivered', true],
  ])('%s → %s', (name, status, final) => {
    expect(only(fixture(name))).toMatchObject({ type: 'message.status', status, final });
  });

  it.each(Object.entries(WHATSAPP_DETAIL_TYPES))('detail-type %s → %s', (detailType, type) => {
    const event = awsEumWhatsapp.normalizeRecord!(eventBridge(detailType, { messageId: 'm-1', eventTimestamp: '1759466063' }), CONTEXT).events[0];
    expect(event.type).toBe(type);
    if (type === 'message.status') expect(event.status).toBe(AWS_WHATSAPP_STATUSES[detailType.replace('WhatsApp Message ', '').toLowerCase()]);
  });

  it('a status no table knows is kept as unknown, non-final', () => {
    const event = awsEumWhatsapp.normalizeRecord!(
      eventBridge('WhatsApp Message Sent', { messageId: 'm-1', status: 'deleted', eventTimestamp: '1759466063' }),
      CONTEXT,
    ).events[0];
    expect(event).toMatchObject({ status: 'unknown', final: false, providerStatus: 'deleted' });
  });

  it('an unknown notification and a detail-type nobody listed are kept as provider.unknown', () => {
    expect(only(fixture('eventbridge-unknown-notification.json'))).toMatchObject({ type: 'provider.unknown' });
    expect(awsEumWhatsapp.normalizeRecord!(eventBridge('WhatsApp Something New', {}), CONTEXT).events[0]).toMatchObject({
      type: 'provider.unknown',
      data: { detailType: 'WhatsApp Something New' },
    });
  });

  it('a detail without messageId is kept as provider.unknown with the field named', () => {
    const event = awsEumWhatsapp.normalizeRecord!(eventBridge('WhatsApp Message Delivered', { status: 'delivered' }), CONTEXT).events[0];
    expect(event).toMatchObject({ type: 'provider.unknown', data: { invalid: { field: 'detail.messageId' } } });
  });

  it('EventBridge "WhatsApp Message Received" is an inbound message to our number', () => {
    expect(only(fixture('eventbridge-received.json'))).toMatchObject({
      type: 'message.inbound',
      messageId: '5e6f7081-92a3-4b4c-8d5e-6f708192a3b4',
      recipient: { raw: '15815555555' },
      occurredAt: '2025-10-03T05:02:00.000Z',
    });
  });

  it('the documented SNS inbound text (Meta entry as a JSON string) is a message.inbound with its text', () => {
    expect(only(fixture('sns-inbound-text.json'))).toMatchObject({
      type: 'message.inbound',
      messageId: 'wamid.HBgLMTQyNTY5ODgzMDIVAgASGCBDNzBDRjM5MDU2ODEwMDkwREY4ODBDRDE0RjVGRkexample',
      sender: { raw: '14255550150', e164: '+14255550150' },
      recipient: { raw: '12065550100', e164: '+12065550100' },
      occurredAt: '2024-08-12T23:40:35.000Z',
      data: { messageType: 'text', body: 'Hi', phoneNumberId: '321010217760100' },
    });
  });

  it('an SNS status is a message.status by wamid, with the AWS message id in data', () => {
    expect(only(fixture('sns-status-delivered.json'))).toMatchObject({
      type: 'message.status',
      messageId: 'wamid.HBgLMTIwNjU1NTAxMDIVAgARGBI3QjQ1RkQ2NUY2RjNGMDVEN0EA',
      status: 'delivered',
      recipient: { e164: '+12065550102' },
      data: { awsMessageId: '6d69f07a-c317-4278-9d5c-6a84078419ed', pricing: { category: 'utility' } },
    });
  });

  it('one bad status of an SNS entry is kept with its error while the good one goes through', () => {
    const entry = {
      id: 'x',
      changes: [{ field: 'messages', value: { statuses: [{ id: 'wamid.A', status: 'read', timestamp: '1736379100' }, { status: 'read' }] } }],
    };
    const events = awsEumWhatsapp.normalizeRecord!(snsWith(entry), CONTEXT).events;
    expect(events.map((event) => event.type)).toEqual(['message.status', 'provider.unknown']);
    expect(events[1].data).toMatchObject({ invalid: { field: 'whatsAppWebhookEntry.changes.0.value.statuses.1.id' } });
  });

  it("a failed SNS status carries Meta's first error", () => {
    const entry = {
      id: 'x',
      changes: [
        {
          value: {
            statuses: [{ id: 'wamid.B', status: 'failed', timestamp: '1736379100', errors: [{ code: 131026, title: 'Message undeliverable' }] }],
          },
        },
      ],
    };
    expect(awsEumWhatsapp.normalizeRecord!(snsWith(entry), CONTEXT).events[0]).toMatchObject({
      status: 'failed',
      error: { code: '131026', message: 'Message undeliverable' },
    });
  });

  it('an entry change with neither statuses nor messages is kept as provider.unknown', () => {
    const entry = { id: 'x', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] };
    expect(awsEumWhatsapp.normalizeRecord!(snsWith(entry), CONTEXT).events[0]).toMatchObject({
      type: 'provider.unknown',
      data: { field: 'message_template_status_update' },
    });
  });
});
