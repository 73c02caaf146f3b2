/**
 * InnoPaaS SMS: a status report push (JSON, epoch-millisecond times), then a later report for the same message and
 * number: the first says the carrier could not deliver (`UNDELIV`), the second, after the carrier's own retry, that
 * it did (`DELIVRD`). Both are final, so the newer report wins whatever the order they arrive in. The receiving
 * credentials (`receiver`, `pswd`) are put into each body by the signing step, from the credentials file.
 */
import { after, jsonTemplate } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'innopaas-sms';
const STEPS = [
  { status: 'UNDELIV', statusDesc: 'absent subscriber', at: 5 },
  { status: 'DELIVRD', statusDesc: 'DELIVRD', at: 65 },
] as const;

export const innopaasSmsScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = jsonTemplate(fixtures, PROVIDER, 'status report', (body) => 'msgid' in body && 'status' in body, ['status-delivered.json']);
    const { receiver: _receiver, pswd: _pswd, ...report } = template;
    const msgid = String(seed);
    return {
      provider: PROVIDER,
      messageId: msgid,
      expectedStatus: 'delivered',
      callbacks: STEPS.map((step) => ({
        label: `status ${step.status}`,
        contentType: 'application/json',
        body: JSON.stringify({
          ...report,
          msgid,
          status: step.status,
          statusDesc: step.statusDesc,
          requestTime: String(start.getTime()),
          reportTime: String(after(start, step.at).getTime()),
          notifyTime: String(after(start, step.at + 1).getTime()),
        }),
      })),
    };
  },
};
