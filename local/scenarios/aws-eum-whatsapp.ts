/**
 * AWS End User Messaging Social (WhatsApp): one message sent, delivered, then read, as the EventBridge events AWS
 * publishes for it (epoch seconds as strings), built on the recorded "WhatsApp Message Delivered" event. They go to
 * `npm start`'s `/aws-events/aws-eum-whatsapp` (the provider has no HTTP route).
 */
import { after, jsonTemplate, uuidFrom } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'aws-eum-whatsapp';
const STEPS = [
  { detailType: 'WhatsApp Message Sent', status: 'sent', at: 0 },
  { detailType: 'WhatsApp Message Delivered', status: 'delivered', at: 3 },
  { detailType: 'WhatsApp Message Read', status: 'read', at: 20 },
] as const;

export const awsEumWhatsappScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const event = jsonTemplate(
      fixtures,
      PROVIDER,
      'EventBridge WhatsApp status',
      (body) => body.source === 'aws.social-messaging' && typeof body.detail === 'object',
      ['eventbridge-delivered.json'],
    );
    const messageId = uuidFrom(`aws-eum-whatsapp/${seed}`);
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'read',
      callbacks: STEPS.map((step) => {
        const at = after(start, step.at);
        return {
          label: step.detailType,
          contentType: 'application/json',
          body: JSON.stringify({
            ...event,
            id: uuidFrom(`${messageId}/${step.status}`),
            'detail-type': step.detailType,
            time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
            detail: { ...(event.detail as object), messageId, status: step.status, eventTimestamp: String(Math.floor(at.getTime() / 1000)) },
          }),
        };
      }),
    };
  },
};
