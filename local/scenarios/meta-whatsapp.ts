/**
 * Meta WhatsApp Cloud API: a template message sent, delivered, then read, each status in its own signed envelope
 * (`entry[].changes[].value.statuses[]`) built on a recorded one, with a fresh wamid per message and Meta's Unix
 * timestamps.
 */
import { createHash } from 'node:crypto';
import { after, jsonTemplate } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'meta-whatsapp';
const STEPS = [
  { status: 'sent', at: 0 },
  { status: 'delivered', at: 2 },
  { status: 'read', at: 30 },
] as const;

type Json = Record<string, unknown>;

const firstStatus = (body: Json): Json | undefined => {
  const entry = (body.entry as Json[] | undefined)?.[0];
  const value = (entry?.changes as Json[] | undefined)?.[0]?.value as Json | undefined;
  return (value?.statuses as Json[] | undefined)?.[0];
};

export const metaWhatsappScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = jsonTemplate(fixtures, PROVIDER, 'status', (body) => firstStatus(body) !== undefined, ['status-sent.json']);
    const wamid = `wamid.${Buffer.from(createHash('sha256').update(`meta${seed}`).digest('hex').slice(0, 36)).toString('base64')}`;
    return {
      provider: PROVIDER,
      messageId: wamid,
      expectedStatus: 'read',
      callbacks: STEPS.map((step) => {
        const body = structuredClone(template);
        const status = firstStatus(body)!;
        Object.assign(status, { id: wamid, status: step.status, timestamp: String(Math.floor(after(start, step.at).getTime() / 1000)) });
        return { label: `status ${step.status}`, contentType: 'application/json', body: JSON.stringify(body) };
      }),
    };
  },
};
