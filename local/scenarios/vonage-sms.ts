/**
 * Vonage SMS API: one SMS whose carrier accepts it, buffers it, then delivers it, each receipt a GET with a query
 * string (the dashboard's GET setting), signed with `sig` when the credentials hold a signature secret. Built on the
 * recorded DLR query. The recipient's answer comes back as a long SMS in three parts (`concat-*`), which Vonage does
 * not reassemble: the consumer does, and publishes one inbound message (functions/consume/multipart.ts).
 */
import { encodeForm } from '../../functions/origin/form';
import { after, textTemplate, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'vonage-sms';
const STEPS = ['accepted', 'buffered', 'delivered'] as const;
const REPLY = ['Thanks, the parcel can be left ', 'with the neighbour at number 12 ', 'if nobody answers the door.'];

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
    const receipts = STEPS.map((status, index) => {
      const at = after(start, index * 5);
      return {
        label: `DLR ${status}`,
        method: 'GET' as const,
        body: encodeForm({ ...fields, messageId, status, 'err-code': '0', scts: scts(at), 'message-timestamp': wallClock(at, 'UTC') }),
      };
    });
    const reply = REPLY.map((text, index) => ({
      label: `inbound part ${index + 1} of ${REPLY.length}`,
      method: 'GET' as const,
      body: encodeForm({
        msisdn: fields.msisdn ?? '447700900001',
        to: fields.to ?? '447700900000',
        messageId: `0C${seed.toString(16).toUpperCase().padStart(12, '0')}${index + 1}`,
        text,
        type: 'text',
        'message-timestamp': wallClock(after(start, 20), 'UTC'),
        concat: 'true',
        'concat-ref': String(seed % 256),
        'concat-total': String(REPLY.length),
        'concat-part': String(index + 1),
      }),
    }));
    return { provider: PROVIDER, messageId, expectedStatus: 'delivered', callbacks: [...receipts, ...reply] };
  },
};
