/**
 * The simulator's scripts, one per provider, keyed like the provider registry. A provider without an entry here
 * can still be simulated with the `fixtures` scenario (every recorded body as is).
 */
import { awsEumSmsScenario } from './aws-eum-sms';
import { awsEumWhatsappScenario } from './aws-eum-whatsapp';
import { innopaasOtpScenario } from './innopaas-otp';
import { innopaasWhatsappScenario } from './innopaas-whatsapp';
import { messagebirdScenario } from './messagebird';
import { nhncloudSmsScenario } from './nhncloud-sms';
import { plivoScenario } from './plivo';
import { smsgateway24Scenario } from './smsgateway24';
import { telnyxScenario } from './telnyx';
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
  telnyx: telnyxScenario,
  plivo: plivoScenario,
  messagebird: messagebirdScenario,
  'aws-eum-sms': awsEumSmsScenario,
  'aws-eum-whatsapp': awsEumWhatsappScenario,
  twilio: twilioScenario,
  'meta-whatsapp': metaWhatsappScenario,
};

export { loadFixtures, DEV_SECRETS_FILE, FIXTURES_DIR } from './fixtures';
export type { Callback, Fixture, MessageScript, ProviderScenario } from './types';
