/**
 * The provider registry: one line per provider. The stack, the local gateway, the simulator and the docs table
 * all read this, so a new provider is its adapter file, its fixtures, and one line here.
 */
import { UnknownProviderError } from '../shared/errors';
import type { ProviderAdapter } from './types';
import { innopaasOtp } from './innopaas-otp';
import { innopaasWhatsapp } from './innopaas-whatsapp';
import { webcom } from './webcom';
import { smsgateway24 } from './smsgateway24';
import { nhncloudSms } from './nhncloud-sms';

const registry = {
  'innopaas-otp': innopaasOtp,
  'innopaas-whatsapp': innopaasWhatsapp,
  webcom: webcom,
  smsgateway24: smsgateway24,
  'nhncloud-sms': nhncloudSms,
} as const satisfies Record<string, ProviderAdapter>;

export type ProviderId = keyof typeof registry;

export const providers: Readonly<Record<ProviderId, ProviderAdapter>> = registry;

export const providerIds = Object.keys(providers) as ProviderId[];

export function isProviderId(value: string): value is ProviderId {
  return Object.prototype.hasOwnProperty.call(providers, value);
}

/** The adapter for `id`, or a 404-mapped `UnknownProviderError`. */
export function adapterFor(id: string): ProviderAdapter {
  if (!isProviderId(id)) throw new UnknownProviderError(id);
  return providers[id];
}

export type { ProviderAdapter } from './types';
