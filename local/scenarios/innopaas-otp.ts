/**
 * InnoPaaS OTP: a code in progress (`status` "0"), then delivered ("2"). Built on a recorded status push;
 * `reportTime` is wall-clock time in Asia/Shanghai, as the adapter reads it by default.
 */
import { after, jsonTemplate, wallClock } from './fixtures';
import type { ProviderScenario } from './types';

const PROVIDER = 'innopaas-otp';
const ZONE = 'Asia/Shanghai';
const STEPS = [
  { status: '0', code: 'success', at: 0 },
  { status: '2', code: 'success', at: 4 },
] as const;

export const innopaasOtpScenario: ProviderScenario = {
  provider: PROVIDER,
  script(fixtures, seed, start) {
    const template = jsonTemplate(fixtures, PROVIDER, 'status push', (body) => 'messageId' in body && 'status' in body, ['status-delivered.json']);
    const messageId = `86${seed}`;
    return {
      provider: PROVIDER,
      messageId,
      expectedStatus: 'delivered',
      callbacks: STEPS.map((step) => ({
        label: `status ${step.status}`,
        contentType: 'application/json',
        body: JSON.stringify({
          ...template,
          messageId,
          status: step.status,
          code: step.code,
          errCode: null,
          errMessage: null,
          reportTime: wallClock(after(start, step.at), ZONE),
        }),
      })),
    };
  },
};
