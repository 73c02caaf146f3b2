/**
 * Telnyx: one SMS to one recipient, reported as Telnyx does: `message.sent` (to[].status `sent`), then
 * `message.finalized` (`delivered`). Built on the recorded delivery receipt; each event gets its own `data.id`.
 */
import { after, jsonTemplate, uuidFrom } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'telnyx';

type Json = Record<string, unknown>;

const isFinalized = (body: Json) => (body.data as Json | undefined)?.event_type === 'message.finalized';

/** ISO-8601 with the `+00:00` offset Telnyx writes. */
const telnyxTime = (date: Date) => date.toISOString().replace('Z', '+00:00');

export const telnyxScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = jsonTemplate(fixtures, PROVIDER, 'message.finalized', isFinalized, ['message-finalized-delivered.json']);
    const data = template.data as Json;
    const payload = data.payload as Json;
    const [recipient] = payload.to as Json[];
    const messageId = uuidFrom(`${PROVIDER}-message-${seed}`);
    const steps = [
      { eventType: 'message.sent', status: 'sent', at: after(start, 1), cost: { amount: null, currency: null } },
      { eventType: 'message.finalized', status: 'delivered', at: after(start, 4), cost: payload.cost },
    ];
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: steps.map((step) => ({
        label: `${step.eventType} ${step.status}`,
        contentType: 'application/json',
        body: JSON.stringify({
          ...template,
          data: {
            ...data,
            event_type: step.eventType,
            id: uuidFrom(`${PROVIDER}-event-${seed}-${step.eventType}`),
            occurred_at: telnyxTime(step.at),
            payload: {
              ...payload,
              id: messageId,
              received_at: telnyxTime(start),
              sent_at: telnyxTime(after(start, 1)),
              completed_at: step.status === 'delivered' ? telnyxTime(step.at) : null,
              cost: step.cost,
              to: [{ ...recipient, status: step.status }],
            },
          },
        }),
      })),
    };
  },
};
