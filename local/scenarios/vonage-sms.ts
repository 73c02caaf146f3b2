/**
 * Vonage SMS API: one SMS whose carrier accepts it, buffers it, then delivers it, each receipt a GET with a query
 * string (the dashboard's GET setting), signed with `sig` when the credentials hold a signature secret. Built on the
 * recorded DLR query.
 */
import { encodeForm } from '../../functions/origin/form';
import { after, textTemplate, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'vonage-sms';
const STEPS = ['accepted', 'buffered', 'delivered'] as const;

/** Vonage's `scts`: `YYMMDDhhmm`. */
const scts = (date: Date) => wallClock(date, 'UTC').replace(/\D/g, '').slice(2, 12);

export const vonageSmsScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = textTemplate(fixtures, PROVIDER, 'DLR query', (fixture) => fixture.method === 'GET' && fixture.body.includes('status='), [
      'dlr-delivered.query',
    ]);
    const fields = Object.fromEntries(new URLSearchParams(template.body));
    const messageId = `0B${seed.toString(16).toUpperCase().padStart(14, '0')}`;
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: STEPS.map((status, index) => {
        const at = after(start, index * 5);
        return {
          label: `DLR ${status}`,
          method: 'GET',
          body: encodeForm({ ...fields, messageId, status, 'err-code': '0', scts: scts(at), 'message-timestamp': wallClock(at, 'UTC') }),
        };
      }),
    };
  },
};
