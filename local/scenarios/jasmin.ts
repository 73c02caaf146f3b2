/**
 * Jasmin: one message sent with `dlr-level=3`, so its DLR thrower calls twice, form-encoded: the SMSC's
 * `submit_sm_resp` (`ESME_ROK`), then the delivery receipt (`DELIVRD`). Each must be answered `ACK/Jasmin`.
 */
import { encodeForm } from '../../functions/origin/form';
import { uuidFrom } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'jasmin';
const FORM = 'application/x-www-form-urlencoded';

/** `YYMMDDhhmm`, as SMSCs write receipt dates. */
const smppDate = (date: Date) => date.toISOString().replace(/[-:T]/g, '').slice(2, 12);

export const jasminScenario: ProviderScenario = {
  provider: PROVIDER,
  script(_fixtures, seed, start) {
    const messageId = uuidFrom(`jasmin-${seed}`);
    const submitted = smppDate(start);
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: [
        {
          label: 'level 1 ESME_ROK',
          contentType: FORM,
          body: encodeForm({ id: messageId, message_status: 'ESME_ROK', level: '3', connector: 'smsc01' }),
        },
        {
          label: 'level 2 DELIVRD',
          contentType: FORM,
          body: encodeForm({
            id: messageId,
            message_status: 'DELIVRD',
            level: '3',
            connector: 'smsc01',
            id_smsc: String(seed),
            sub: '001',
            dlvrd: '001',
            subdate: submitted,
            donedate: smppDate(new Date(start.getTime() + 60_000)),
            err: '000',
            text: 'Your code is',
          }),
        },
      ],
    };
  },
};
