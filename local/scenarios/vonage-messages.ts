/**
 * Vonage Messages API: one WhatsApp message submitted, delivered and read, each status a JSON callback signed with
 * a JWT (HS256, `payload_hash`). Built on the recorded WhatsApp status.
 */
import { after, jsonTemplate, uuidFrom } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'vonage-messages';
const STEPS = ['submitted', 'delivered', 'read'] as const;

export const vonageMessagesScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = jsonTemplate(fixtures, PROVIDER, 'WhatsApp status', (body) => body.channel === 'whatsapp' && typeof body.status === 'string', [
      'status-whatsapp-read.json',
    ]);
    const messageId = uuidFrom(`${PROVIDER}:${seed}`);
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'read',
      callbacks: STEPS.map((status, index) => ({
        label: `status ${status}`,
        contentType: 'application/json',
        body: JSON.stringify({ ...template, message_uuid: messageId, status, timestamp: after(start, index * 4).toISOString() }),
      })),
    };
  },
};
