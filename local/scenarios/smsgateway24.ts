/**
 * SmsGateway24: one SMS through every delivery status the phone reports, in its documented order (1 pending,
 * 3 queued, 2 taken by phone, 6 sent, 7 delivered). Built on a recorded status webhook.
 */
import { after, jsonTemplate, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'smsgateway24';
const STEPS = [
  { statusId: 1, message: 'SMS is pending' },
  { statusId: 3, message: 'SMS is queued for sending' },
  { statusId: 2, message: 'SMS was taken by the phone' },
  { statusId: 6, message: 'SMS has been sent' },
  { statusId: 7, message: 'SMS has been Delivered' },
] as const;

export const smsgateway24Scenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = jsonTemplate(fixtures, PROVIDER, 'delivery status', (body) => 'status_id' in body && 'sms_id' in body, [
      'status-sim.json',
      'status-channel-id.json',
    ]);
    const messageId = String(seed);
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: STEPS.map((step, index) => ({
        label: `status_id ${step.statusId}`,
        contentType: 'application/json',
        body: JSON.stringify({
          ...template,
          sms_id: Number(messageId),
          status_id: step.statusId,
          status_message: step.message,
          senttime: wallClock(after(start, index * 2), 'UTC'),
        }),
      })),
    };
  },
};
