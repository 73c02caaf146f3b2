/**
 * Plivo: one SMS long enough to travel as three parts, each part through the statuses Plivo reports in its own
 * `Sequence` order (queued 1, sent 2, delivered 3), each a form POST built on the recorded delivered callback. Every
 * part has its own `MessageUUID`; `ParentMessageUUID` (the first part's) and `PartInfo` link them, and the message is
 * looked up by the parent id, its status rolled up from its parts' (functions/consume/multipart.ts). Plivo's times
 * carry no zone; they are written in UTC here and the adapter keeps them raw either way.
 */
import { after, textTemplate, uuidFrom, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'plivo';
const FORM = 'application/x-www-form-urlencoded';
const PARTS = 3;

const plivoTime = (date: Date) => `${wallClock(date, 'UTC')}.000000`;

export const plivoScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = textTemplate(
      fixtures,
      PROVIDER,
      'status callback',
      (fixture) => fixture.name.endsWith('.form') && /(^|&)Status=/.test(fixture.body),
      ['status-delivered.form'],
    );
    const messageId = uuidFrom(`${PROVIDER}-${seed}`);
    const steps = [
      { status: 'queued', fields: { QueuedTime: plivoTime(after(start, 1)) } },
      { status: 'sent', fields: { QueuedTime: plivoTime(after(start, 1)), SentTime: plivoTime(after(start, 2)) } },
      {
        status: 'delivered',
        fields: { QueuedTime: plivoTime(after(start, 1)), SentTime: plivoTime(after(start, 2)), DeliveryReportTime: plivoTime(after(start, 5)) },
      },
    ];
    const parts = Array.from({ length: PARTS }, (_, offset) => offset + 1);
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: steps.flatMap((step, index) =>
        parts.map((part) => {
          const params = new URLSearchParams(template.body);
          for (const name of ['QueuedTime', 'SentTime', 'DeliveryReportTime']) params.delete(name);
          params.set('MessageUUID', part === 1 ? messageId : uuidFrom(`${PROVIDER}-${seed}-part-${part}`));
          params.set('ParentMessageUUID', messageId);
          params.set('PartInfo', `${part} of ${PARTS}`);
          params.set('MessageTime', plivoTime(start));
          params.set('Status', step.status);
          params.set('Sequence', String(index + 1));
          params.set('ErrorCode', '000');
          for (const [name, value] of Object.entries(step.fields)) params.set(name, value);
          return { label: `Status ${step.status} (part ${part} of ${PARTS}, Sequence ${index + 1})`, contentType: FORM, body: params.toString() };
        }),
      ),
    };
  },
};
