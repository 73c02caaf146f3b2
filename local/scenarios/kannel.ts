/**
 * Kannel: one message sent with `dlr-mask=31`, so smsbox calls the `dlr-url` (GET) for each value: 8 (delivered
 * to the SMSC), 4 (queued on the SMSC), then 1 (delivered to the phone), with the parameter names this project
 * documents (`id`, `type`, `kid`, `fid`, `ts`, `reply`, …).
 */
import { encodeForm } from '../../functions/origin/form';
import { uuidFrom } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'kannel';
const STEPS = [
  { type: '8', at: 0, stat: undefined },
  { type: '4', at: 2, stat: 'ENROUTE' },
  { type: '1', at: 30, stat: 'DELIVRD' },
] as const;

export const kannelScenario: ProviderScenario = {
  provider: PROVIDER,
  script(_fixtures, seed, start) {
    const messageId = `order-${seed}`;
    const fid = String(seed);
    const epoch = Math.floor(start.getTime() / 1000);
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: STEPS.map((step) => ({
        label: `dlr type ${step.type}`,
        method: 'GET' as const,
        body: encodeForm({
          id: messageId,
          type: step.type,
          kid: uuidFrom(`kannel-${seed}`),
          fid,
          smsc: 'smsc01',
          from: 'ACME',
          to: '+4915752982212',
          ts: String(epoch + step.at),
          reply: step.stat ? `id:${fid} sub:001 dlvrd:00${step.type === '1' ? 1 : 0} stat:${step.stat} err:000 text:` : '',
        }),
      })),
    };
  },
};
