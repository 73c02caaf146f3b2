/**
 * Sinch SMS: one recipient of one batch through `per_recipient` reports, Queued → Dispatched → Delivered, each a
 * `recipient_delivery_report_sms` signed with the webhook secret. Built on the recorded (and published) report.
 */
import { recipientMessageIdOf } from '../../functions/providers/recipients';
import { after, alphanumeric, jsonTemplate } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'sinch-sms';
const STEPS = [
  { status: 'Queued', code: 400 },
  { status: 'Dispatched', code: 401 },
  { status: 'Delivered', code: 0 },
] as const;

export const sinchSmsScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = jsonTemplate(fixtures, PROVIDER, 'recipient_delivery_report_sms', (body) => body.type === 'recipient_delivery_report_sms', [
      'recipient-delivered.json',
    ]);
    const batchId = `01J${alphanumeric(seed, 23).toUpperCase()}`;
    const recipient = String(template.recipient);
    return {
      provider: PROVIDER,
      messageId: recipientMessageIdOf(batchId, recipient),
      expectedStatus: 'delivered',
      callbacks: STEPS.map((step, index) => {
        const at = after(start, index * 3);
        const body: Record<string, unknown> = { ...template, batch_id: batchId, status: step.status, code: step.code, at: at.toISOString() };
        if (step.status === 'Delivered') body.operator_status_at = after(start, index * 3 - 1).toISOString();
        else delete body.operator_status_at;
        return { label: `${step.status} (code ${step.code})`, contentType: 'application/json', body: JSON.stringify(body) };
      }),
    };
  },
};
