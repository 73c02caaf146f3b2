/**
 * InnoPaaS WhatsApp: a message sent, delivered (with its conversation), then read. Each push is its own envelope
 * with its own `id` (the event's identity), derived from the message and the status so a duplicate repeats it.
 */
import { after, jsonTemplate, uuidFrom, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'innopaas-whatsapp';
const STEPS = [
  { status: 'sent', at: 0 },
  { status: 'delivered', at: 3 },
  { status: 'read', at: 20 },
] as const;

export const innopaasWhatsappScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = jsonTemplate(
      fixtures,
      PROVIDER,
      'whatsapp_message_status_updated',
      (body) => body.type === 'whatsapp_message_status_updated' && typeof body.body === 'object',
      ['message-status-delivered.json'],
    );
    const templateBody = template.body as Record<string, unknown>;
    const messageId = `17${seed}`;
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'read',
      callbacks: STEPS.map((step) => {
        const at = after(start, step.at);
        const { conversation, errorData, ...rest } = templateBody;
        void errorData;
        return {
          label: `status ${step.status}`,
          contentType: 'application/json',
          body: JSON.stringify({
            ...template,
            id: uuidFrom(`${messageId}/${step.status}`),
            eventTime: at.toISOString(),
            body: {
              ...rest,
              id: messageId,
              status: step.status,
              wamid: `wamid.${Buffer.from(messageId).toString('base64')}`,
              ...(step.status === 'delivered'
                ? { conversation: { ...(conversation as object), expireAt: wallClock(after(at, 86_400), 'Asia/Shanghai') } }
                : {}),
            },
          }),
        };
      }),
    };
  },
};
