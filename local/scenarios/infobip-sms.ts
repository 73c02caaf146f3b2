/**
 * Infobip SMS: one message through the statuses Infobip reports, one delivery report per POST in its `results[]`
 * envelope: PENDING_ACCEPTED, PENDING_ENROUTE, DELIVERED_TO_OPERATOR (in the DELIVERED group, yet not final), then
 * DELIVERED_TO_HANDSET. Built on a recorded report; times carry Infobip's `+0000` offset.
 */
import { after, jsonTemplate } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'infobip-sms';
const STEPS = [
  { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED', description: 'Message accepted, pending for delivery.' },
  { groupId: 1, groupName: 'PENDING', id: 7, name: 'PENDING_ENROUTE', description: 'Message sent to next instance' },
  { groupId: 3, groupName: 'DELIVERED', id: 2, name: 'DELIVERED_TO_OPERATOR', description: 'Message delivered to operator' },
  { groupId: 3, groupName: 'DELIVERED', id: 5, name: 'DELIVERED_TO_HANDSET', description: 'Message delivered to handset' },
] as const;

/** `2019-11-09T16:00:00.000+0000`: Infobip's offset has no colon. */
const infobipTime = (date: Date) => date.toISOString().replace('Z', '+0000');

export const infobipSmsScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const envelope = jsonTemplate(fixtures, PROVIDER, 'delivery report', (body) => Array.isArray(body.results), ['delivery-report-delivered.json']);
    const report = (envelope.results as Array<Record<string, unknown>>)[0];
    const messageId = `SIM-${seed}`;
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: STEPS.map((status, index) => ({
        label: status.name,
        contentType: 'application/json',
        body: JSON.stringify({
          results: [
            {
              ...report,
              bulkId: `SIM-BULK-${seed}`,
              messageId,
              sentAt: infobipTime(start),
              doneAt: infobipTime(after(start, index * 2)),
              status,
            },
          ],
        }),
      })),
    };
  },
};
