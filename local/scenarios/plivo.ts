/**
 * Plivo: one SMS through the statuses Plivo reports, in its own `Sequence` order (queued 1, sent 2, delivered 3),
 * each a form POST built on the recorded delivered callback. Plivo's times carry no zone; they are written in UTC
 * here and the adapter keeps them raw either way.
 */
import { after, textTemplate, uuidFrom, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'plivo';
const FORM = 'application/x-www-form-urlencoded';

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
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: steps.map((step, index) => {
        const params = new URLSearchParams(template.body);
        for (const name of ['QueuedTime', 'SentTime', 'DeliveryReportTime']) params.delete(name);
        params.set('MessageUUID', messageId);
        params.set('ParentMessageUUID', messageId);
        params.set('MessageTime', plivoTime(start));
        params.set('Status', step.status);
        params.set('Sequence', String(index + 1));
        params.set('ErrorCode', '000');
        for (const [name, value] of Object.entries(step.fields)) params.set(name, value);
        return { label: `Status ${step.status} (Sequence ${index + 1})`, contentType: FORM, body: params.toString() };
      }),
    };
  },
};
