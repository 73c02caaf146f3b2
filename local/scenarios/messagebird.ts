/**
 * MessageBird: one SMS to one recipient through the statuses of its status reports (scheduled, sent, buffered,
 * delivered), each a GET query as the legacy SMS API sends them, built on the recorded delivered report.
 */
import { createHash } from 'node:crypto';
import { recipientMessageIdOf } from '../../functions/providers/recipients';
import { after, textTemplate } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'messagebird';

const STEPS = [
  { status: 'scheduled', reason: 'scheduled' },
  { status: 'sent', reason: 'pending DLR' },
  { status: 'buffered', reason: 'pending DLR' },
  { status: 'delivered', reason: 'successfully delivered' },
] as const;

export const messagebirdScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = textTemplate(fixtures, PROVIDER, 'status report', (fixture) => fixture.method === 'GET' && /(^|&)status=/.test(fixture.body), [
      'status-delivered.query',
    ]);
    // MessageBird ids are 32 hex digits.
    const id = createHash('sha256').update(`${PROVIDER}-${seed}`).digest('hex').slice(0, 32);
    const recipient = new URLSearchParams(template.body).get('recipient') ?? '31612345678';
    return {
      provider: PROVIDER,
      messageId: recipientMessageIdOf(id, recipient),
      expectedStatus: 'delivered',
      callbacks: STEPS.map((step, index) => {
        const params = new URLSearchParams(template.body);
        params.set('id', id);
        params.set('status', step.status);
        params.set('statusReason', step.reason);
        params.set(
          'statusDatetime',
          after(start, index * 2)
            .toISOString()
            .replace('.000Z', '+00:00'),
        );
        return { label: `status ${step.status}`, method: 'GET' as const, body: params.toString() };
      }),
    };
  },
};
