/**
 * NHN Cloud SMS: an international SMS whose carrier first accepts it (DLR `ACCEPTED`), whose send result then
 * arrives (`MESSAGE_RESULT_UPDATE` COMPLETED, resultCode 1000), and whose final DLR says `DELIVERED`. Built on the
 * recorded envelopes of both events, one hook per POST, each with its own `hookId` (the event's identity).
 */
import { after, alphanumeric, jsonTemplate, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'nhncloud-sms';
const ZONE = 'Asia/Seoul';

type Json = Record<string, unknown>;

const hasHook = (event: string) => (body: Json) => body.event === event && Array.isArray(body.hooks) && body.hooks.length > 0;

export const nhncloudSmsScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const result = jsonTemplate(fixtures, PROVIDER, 'MESSAGE_RESULT_UPDATE', hasHook('MESSAGE_RESULT_UPDATE'), ['message-result.json']);
    const dlr = jsonTemplate(fixtures, PROVIDER, 'INTERNATIONAL_DELIVERY_RECEIPT', hasHook('INTERNATIONAL_DELIVERY_RECEIPT'), ['dlr.json']);
    const stamp = wallClock(start, ZONE).replace(/\D/g, '');
    const requestId = `${stamp}${alphanumeric(seed, 11)}`;
    const recipientSeq = 1;
    const messageId = `${requestId}:${recipientSeq}`;
    const envelope = (template: Json, step: number, hook: Json) => {
      const hookId = `${stamp}${alphanumeric(seed * 10 + step, 9)}${step}`;
      const [templateHook] = template.hooks as Json[];
      return JSON.stringify({
        ...template,
        hooksId: `${stamp}hooks${alphanumeric(seed * 10 + step, 5)}`,
        hooks: [{ ...templateHook, ...hook, hookId }],
      });
    };
    const dlrHook = (dlrStatus: string) => ({ requestId, recipientSeq, dlrStatus, errorCode: '0' });
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: [
        { label: 'DLR ACCEPTED', contentType: 'application/json;charset=UTF-8', body: envelope(dlr, 1, dlrHook('ACCEPTED')) },
        {
          label: 'MESSAGE_RESULT_UPDATE COMPLETED 1000',
          contentType: 'application/json;charset=UTF-8',
          body: envelope(result, 2, {
            requestId,
            recipientSeq,
            requestDate: wallClock(start, ZONE, 'T'),
            receiveDate: wallClock(after(start, 3), ZONE, 'T'),
            messageStatus: 'COMPLETED',
            resultCode: '1000',
          }),
        },
        { label: 'DLR DELIVERED', contentType: 'application/json;charset=UTF-8', body: envelope(dlr, 3, dlrHook('DELIVERED')) },
      ],
    };
  },
};
