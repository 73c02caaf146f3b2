/**
 * The simulator's scripts, one per provider, keyed like the provider registry. A provider without an entry here
 * can still be simulated with the `fixtures` scenario (every recorded body as is).
 */
import { innopaasOtpScenario } from './innopaas-otp';
import { innopaasWhatsappScenario } from './innopaas-whatsapp';
import { nhncloudSmsScenario } from './nhncloud-sms';
import { smsgateway24Scenario } from './smsgateway24';
import { webcomScenario } from './webcom';
import { twilioScenario } from './twilio';
import { metaWhatsappScenario } from './meta-whatsapp';
import type { ProviderScenario } from './types';

export const providerScenarios: Readonly<Record<string, ProviderScenario>> = {
  'innopaas-otp': innopaasOtpScenario,
  'innopaas-whatsapp': innopaasWhatsappScenario,
  webcom: webcomScenario,
  smsgateway24: smsgateway24Scenario,
  'nhncloud-sms': nhncloudSmsScenario,
  twilio: twilioScenario,
  'meta-whatsapp': metaWhatsappScenario,
};

export { loadFixtures, DEV_SECRETS_FILE, FIXTURES_DIR } from './fixtures';
export type { Callback, Fixture, MessageScript, ProviderScenario } from './types';
