/**
 * The simulator's scripts, one per provider, keyed like the provider registry. A provider without an entry here
 * can still be simulated with the `fixtures` scenario (every recorded body as is).
 */
import { infobipSmsScenario } from './infobip-sms';
import { innopaasOtpScenario } from './innopaas-otp';
import { innopaasSmsScenario } from './innopaas-sms';
import { innopaasWhatsappScenario } from './innopaas-whatsapp';
import { jasminScenario } from './jasmin';
import { kannelScenario } from './kannel';
import { nhncloudSmsScenario } from './nhncloud-sms';
import { smsgateway24Scenario } from './smsgateway24';
import { webcomScenario } from './webcom';
import type { ProviderScenario } from './types';

export const providerScenarios: Readonly<Record<string, ProviderScenario>> = {
  'innopaas-otp': innopaasOtpScenario,
  'innopaas-whatsapp': innopaasWhatsappScenario,
  webcom: webcomScenario,
  smsgateway24: smsgateway24Scenario,
  'nhncloud-sms': nhncloudSmsScenario,
  'infobip-sms': infobipSmsScenario,
  jasmin: jasminScenario,
  kannel: kannelScenario,
  'innopaas-sms': innopaasSmsScenario,
};

export { loadFixtures, DEV_SECRETS_FILE, FIXTURES_DIR } from './fixtures';
export type { Callback, Fixture, MessageScript, ProviderScenario } from './types';
