import { AppliedEventSchema } from '../../../functions/events/applied';
import { MAX_MESSAGE_BYTES, publishInputOf, toAppliedEvent } from '../../../functions/publish/appliedEvent';
import { loadEvents } from '../consume/support';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:webhook-applied-events';
const [delivered] = loadEvents('smsgateway24-every-step').slice(-1);

describe('the applied event', () => {
  it('is the recorded event plus what recording it did, valid against the published schema', () => {
    const applied = toAppliedEvent(delivered, { statusChanged: true, previousStatus: 'sent' });
    expect(AppliedEventSchema.parse(applied)).toEqual({ ...delivered, previousStatus: 'sent', statusChanged: true });
  });

  it('is published as its JSON with every filter attribute as an SNS String', () => {
    const input = publishInputOf(TOPIC, toAppliedEvent(delivered, { statusChanged: true, previousStatus: 'sent' }));
    expect(input.TopicArn).toBe(TOPIC);
    expect(JSON.parse(input.Message!)).toEqual({ ...delivered, previousStatus: 'sent', statusChanged: true });
    expect(input.MessageAttributes).toEqual({
      provider: { DataType: 'String', StringValue: 'smsgateway24' },
      channel: { DataType: 'String', StringValue: 'sms' },
      type: { DataType: 'String', StringValue: 'message.status' },
      status: { DataType: 'String', StringValue: 'delivered' },
      final: { DataType: 'String', StringValue: 'true' },
      statusChanged: { DataType: 'String', StringValue: 'true' },
    });
  });

  it('says "none" for the status of an event without one', () => {
    const optOut = loadEvents('other-types').find((event) => event.type === 'recipient.unsubscribed')!;
    const { MessageAttributes } = publishInputOf(TOPIC, toAppliedEvent(optOut, { statusChanged: false, previousStatus: null }));
    expect([MessageAttributes?.status.StringValue, MessageAttributes?.final.StringValue]).toEqual(['none', 'none']);
  });

  it('sends raw as null in an event SNS could not take whole, and only then', () => {
    const huge = { ...delivered, raw: { body: 'x'.repeat(MAX_MESSAGE_BYTES) } };
    const input = publishInputOf(TOPIC, toAppliedEvent(huge, { statusChanged: true, previousStatus: 'sent' }));
    expect(input.rawOmitted).toBe(true);
    expect(Buffer.byteLength(input.Message!, 'utf8')).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(AppliedEventSchema.safeParse(JSON.parse(input.Message!)).success).toBe(true);
    expect(publishInputOf(TOPIC, toAppliedEvent(delivered, { statusChanged: true, previousStatus: 'sent' })).rawOmitted).toBe(false);
  });

  it('leaves data out too when the event is still too large for SNS without raw (a body kept whole in data)', () => {
    const review = loadEvents('other-types').find((event) => event.type === 'account.review')!;
    const huge = { ...review, data: { body: { note: 'x'.repeat(261_900) } }, raw: { body: { note: 'x'.repeat(261_900) } } };
    const input = publishInputOf(TOPIC, toAppliedEvent(huge, { statusChanged: false, previousStatus: null }));
    expect([input.rawOmitted, input.dataOmitted]).toEqual([true, true]);
    expect(Buffer.byteLength(input.Message!, 'utf8')).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(JSON.parse(input.Message!)).toMatchObject({ eventId: review.eventId, data: { omitted: true }, raw: null });
    expect(AppliedEventSchema.safeParse(JSON.parse(input.Message!)).success).toBe(true);
  });
});
