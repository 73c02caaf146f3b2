/**
 * Webcom: a Viber message with its SMS fallback, reported as `send` (no time yet), `deliver`, then `read`, one
 * `<state>` per POST. Built on a recorded XML batch: its prolog and layout are kept, its states replaced. `time`
 * is wall-clock time in Europe/Moscow, as the adapter reads it by default.
 */
import { after, textTemplate, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'webcom';
const ZONE = 'Europe/Moscow';
const STATE = /<state\b[^>]*>[^<]*<\/state>/g;
const HAS_STATE = /<state\b[^>]*>[^<]*<\/state>/;
const STEPS = [
  { state: 'send', viber: 'send', at: undefined },
  { state: 'deliver', viber: 'deliver', at: 5 },
  { state: 'read', viber: 'read', at: 40 },
] as const;

export const webcomScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = textTemplate(fixtures, PROVIDER, 'XML <state> batch', (f) => f.name.endsWith('.xml') && HAS_STATE.test(f.body), ['status.xml']);
    const messageId = String(seed);
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'read',
      callbacks: STEPS.map((step) => {
        const time = step.at === undefined ? '' : wallClock(after(start, step.at), ZONE);
        const state = `<state id_sms="${messageId}" time="${time}" viber="${step.viber}">${step.state}</state>`;
        let first = true;
        const body = template.body.replace(STATE, () => {
          const replacement = first ? state : '';
          first = false;
          return replacement;
        });
        return { label: `<state>${step.state}</state>`, contentType: template.contentType, body };
      }),
    };
  },
};
