/**
 * AWS End User Messaging SMS: one SMS through the events AWS publishes for it (queued, pending, accepted by the
 * carrier, then delivered and final), built on the recorded EventBridge event and SNS notification. The records go
 * to `npm start`'s `/aws-events/aws-eum-sms` (the provider has no HTTP route): the first two as EventBridge
 * events, the last two as notifications of the configuration set's SNS topic, so both routes are exercised.
 */
import { after, jsonTemplate, uuidFrom } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'aws-eum-sms';
const STEPS = [
  { eventType: 'TEXT_QUEUED', messageStatus: 'QUEUED', isFinal: false, at: 0, via: 'eventbridge' },
  { eventType: 'TEXT_PENDING', messageStatus: 'PENDING', isFinal: false, at: 1, via: 'eventbridge' },
  { eventType: 'TEXT_SUCCESSFUL', messageStatus: 'SUCCESSFUL', isFinal: false, at: 2, via: 'sns' },
  { eventType: 'TEXT_DELIVERED', messageStatus: 'DELIVERED', isFinal: true, at: 5, via: 'sns' },
] as const;

export const awsEumSmsScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const event = jsonTemplate(
      fixtures,
      PROVIDER,
      'EventBridge SMS status',
      (body) => body.source === 'aws.sms-voice' && typeof body.detail === 'object',
      ['eventbridge-text-successful.json'],
    );
    const notification = jsonTemplate(
      fixtures,
      PROVIDER,
      'SNS SMS event',
      (body) => typeof body.Message === 'string' && body.Message.includes('"eventType"'),
      ['sns-text-successful.json'],
    );
    const record = JSON.parse(notification.Message as string) as Record<string, unknown>;
    const messageId = uuidFrom(`aws-eum-sms/${seed}`);
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: STEPS.map((step) => {
        const at = after(start, step.at);
        const detail = {
          ...record,
          messageId,
          eventType: step.eventType,
          messageStatus: step.messageStatus,
          isFinal: step.isFinal,
          eventTimestamp: at.getTime(),
        };
        const body =
          step.via === 'eventbridge'
            ? { ...event, id: uuidFrom(`${messageId}/${step.eventType}/eb`), time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'), detail }
            : {
                ...notification,
                MessageId: uuidFrom(`${messageId}/${step.eventType}/sns`),
                Timestamp: at.toISOString(),
                Message: JSON.stringify(detail),
              };
        return { label: `${step.eventType} (${step.via})`, contentType: 'application/json', body: JSON.stringify(body) };
      }),
    };
  },
};
