/**
 * The simulator's scripts, one per provider, keyed like the provider registry. A provider without an entry here
 * can still be simulated with the `fixtures` scenario (every recorded body as is).
 */
import { awsEumSmsScenario } from './aws-eum-sms';
import { awsEumWhatsappScenario } from './aws-eum-whatsapp';
import { infobipSmsScenario } from './infobip-sms';
import { innopaasOtpScenario } from './innopaas-otp';
import { innopaasSmsScenario } from './innopaas-sms';
import { innopaasWhatsappScenario } from './innopaas-whatsapp';
import { messagebirdScenario } from './messagebird';
import { jasminScenario } from './jasmin';
import { kannelScenario } from './kannel';
import { nhncloudSmsScenario } from './nhncloud-sms';
import { plivoScenario } from './plivo';
import { sinchSmsScenario } from './sinch-sms';
import { smsgateway24Scenario } from './smsgateway24';
import { telnyxScenario } from './telnyx';
import { vonageMessagesScenario } from './vonage-messages';
import { vonageSmsScenario } from './vonage-sms';
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
  'vonage-sms': vonageSmsScenario,
  'vonage-messages': vonageMessagesScenario,
  'sinch-sms': sinchSmsScenario,
  'infobip-sms': infobipSmsScenario,
  jasmin: jasminScenario,
  kannel: kannelScenario,
  'innopaas-sms': innopaasSmsScenario,
  twilio: twilioScenario,
  'meta-whatsapp': metaWhatsappScenario,
};

export { loadFixtures, DEV_SECRETS_FILE, FIXTURES_DIR } from './fixtures';
export type { Callback, Fixture, MessageScript, ProviderScenario } from './types';
