/**
 * Twilio: an SMS through the status callbacks Twilio sends for it (queued, sent, delivered), form-encoded and built
 * on a recorded callback, with a fresh `MessageSid` per message. The delivered callback carries `RawDlrDoneDate` in
 * Twilio's zone-less `YYMMDDhhmm`, which the adapter keeps raw.
 */
import { createHash } from 'node:crypto';
import { encodeForm, formRecord, parseForm } from '../../functions/origin/form';
import { after, textTemplate, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'twilio';
const FORM = 'application/x-www-form-urlencoded';
const STEPS = ['queued', 'sent', 'delivered'] as const;

/** A 34-character Twilio sid (`SM` + 32 hex digits) from a seed. */
const sidFrom = (prefix: string, seed: number): string => `${prefix}${createHash('sha256').update(`${prefix}${seed}`).digest('hex').slice(0, 32)}`;

export const twilioScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = textTemplate(
      fixtures,
      PROVIDER,
      'status callback',
      (fixture) => fixture.name.endsWith('.form') && fixture.body.includes('MessageStatus='),
      ['status-delivered.form'],
    );
    const { RawDlrDoneDate, ErrorCode, ...base } = formRecord(parseForm(template.body)) as Record<string, string>;
    void RawDlrDoneDate;
    void ErrorCode;
    const messageSid = sidFrom('SM', seed);
    return {
      provider: PROVIDER,
      messageId: messageSid,
      expectedStatus: 'delivered',
      callbacks: STEPS.map((status, index) => ({
        label: `MessageStatus ${status}`,
        contentType: FORM,
        body: encodeForm({
          ...base,
          MessageSid: messageSid,
          SmsSid: messageSid,
          MessageStatus: status,
          SmsStatus: status,
          ...(status === 'delivered'
            ? {
                RawDlrDoneDate: wallClock(after(start, index * 2), 'UTC')
                  .replace(/\D/g, '')
                  .slice(2, 12),
              }
            : {}),
        }),
      })),
    };
  },
};
