/**
 * The provider registry: one line per provider. The stack, the local gateway, the simulator and the docs table
 * all read this, so a new provider is its adapter file, its fixtures, and one line here.
 *
 * Each line loads its adapter behind a test the bundler can decide. The stack bundles one ingest function per
 * provider and sets {@link BUNDLED_PROVIDER_DEFINE} to that provider's id at build time (esbuild `define`): every
 * test then folds to a constant, and the other adapters, with what only they import (fast-xml-parser comes with
 * Webcom alone), are left out of the bundle. Unbundled (tests, the local runtime, scripts) the variable is unset
 * and every adapter loads. The test is spelled out on each line, not put in a function, because esbuild folds
 * only literal comparisons.
 */
import { UnknownProviderError } from '../core/errors';
import type { ProviderAdapter } from './types';

/**
 * The expression the stack's bundler replaces with the one provider id a bundle is for
 * (`define: { [BUNDLED_PROVIDER_DEFINE]: JSON.stringify(id) }`); see {@link bundledProviderDefine}.
 */
export const BUNDLED_PROVIDER_DEFINE = 'process.env.WEBHOOK_BUNDLED_PROVIDER';

/* eslint-disable @typescript-eslint/no-require-imports -- a require in a dead branch is what the bundler drops */
const registry = {
  'innopaas-otp':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'innopaas-otp') === 'innopaas-otp'
      ? (require('./innopaas-otp') as typeof import('./innopaas-otp')).innopaasOtp
      : undefined,
  'innopaas-whatsapp':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'innopaas-whatsapp') === 'innopaas-whatsapp'
      ? (require('./innopaas-whatsapp') as typeof import('./innopaas-whatsapp')).innopaasWhatsapp
      : undefined,
  webcom: (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'webcom') === 'webcom' ? (require('./webcom') as typeof import('./webcom')).webcom : undefined,
  smsgateway24:
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'smsgateway24') === 'smsgateway24'
      ? (require('./smsgateway24') as typeof import('./smsgateway24')).smsgateway24
      : undefined,
  'nhncloud-sms':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'nhncloud-sms') === 'nhncloud-sms'
      ? (require('./nhncloud-sms') as typeof import('./nhncloud-sms')).nhncloudSms
      : undefined,
  telnyx: (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'telnyx') === 'telnyx' ? (require('./telnyx') as typeof import('./telnyx')).telnyx : undefined,
  plivo: (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'plivo') === 'plivo' ? (require('./plivo') as typeof import('./plivo')).plivo : undefined,
  messagebird:
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'messagebird') === 'messagebird'
      ? (require('./messagebird') as typeof import('./messagebird')).messagebird
      : undefined,
  'aws-eum-sms':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'aws-eum-sms') === 'aws-eum-sms'
      ? (require('./aws-eum-sms') as typeof import('./aws-eum-sms')).awsEumSms
      : undefined,
  'aws-eum-whatsapp':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'aws-eum-whatsapp') === 'aws-eum-whatsapp'
      ? (require('./aws-eum-whatsapp') as typeof import('./aws-eum-whatsapp')).awsEumWhatsapp
      : undefined,
  'vonage-sms':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'vonage-sms') === 'vonage-sms'
      ? (require('./vonage-sms') as typeof import('./vonage-sms')).vonageSms
      : undefined,
  'vonage-messages':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'vonage-messages') === 'vonage-messages'
      ? (require('./vonage-messages') as typeof import('./vonage-messages')).vonageMessages
      : undefined,
  'sinch-sms':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'sinch-sms') === 'sinch-sms'
      ? (require('./sinch-sms') as typeof import('./sinch-sms')).sinchSms
      : undefined,
  'infobip-sms':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'infobip-sms') === 'infobip-sms'
      ? (require('./infobip-sms') as typeof import('./infobip-sms')).infobipSms
      : undefined,
  jasmin: (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'jasmin') === 'jasmin' ? (require('./jasmin') as typeof import('./jasmin')).jasmin : undefined,
  kannel: (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'kannel') === 'kannel' ? (require('./kannel') as typeof import('./kannel')).kannel : undefined,
  'innopaas-sms':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'innopaas-sms') === 'innopaas-sms'
      ? (require('./innopaas-sms') as typeof import('./innopaas-sms')).innopaasSms
      : undefined,
  twilio: (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'twilio') === 'twilio' ? (require('./twilio') as typeof import('./twilio')).twilio : undefined,
  'meta-whatsapp':
    (process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'meta-whatsapp') === 'meta-whatsapp'
      ? (require('./meta-whatsapp') as typeof import('./meta-whatsapp')).metaWhatsapp
      : undefined,
} as const satisfies Record<string, ProviderAdapter | undefined>;
/* eslint-enable @typescript-eslint/no-require-imports */

export type ProviderId = keyof typeof registry;

/** Every registered adapter by id (in a one-provider bundle: that provider's alone). */
export const providers: Readonly<Record<ProviderId, ProviderAdapter>> = Object.fromEntries(
  Object.entries(registry).filter(([, adapter]) => adapter !== undefined),
) as Record<ProviderId, ProviderAdapter>;

export const providerIds = Object.keys(providers) as ProviderId[];

/** Whether an adapter is called over HTTP (a route and an ingest function), as every adapter is unless it says not. */
export function hasHttpRoute(adapter: Pick<ProviderAdapter, 'sources'>): boolean {
  return (adapter.sources ?? ['http']).includes('http');
}

/** Whether an AWS service delivers an adapter's events to the record ingest (EventBridge, SNS). */
export function acceptsRecords(adapter: Pick<ProviderAdapter, 'sources' | 'normalizeRecord'>): boolean {
  return adapter.normalizeRecord !== undefined && (adapter.sources ?? []).some((source) => source !== 'http');
}

/** The providers with an HTTP route: the API's routes, `npm start`'s, and the ingest functions. */
export const httpProviderIds = providerIds.filter((id) => hasHttpRoute(providers[id]));

/** The providers fed by the record ingest (AWS End User Messaging): no HTTP route. */
export const recordProviderIds = providerIds.filter((id) => acceptsRecords(providers[id]));

export function isProviderId(value: string): value is ProviderId {
  return Object.hasOwn(providers, value);
}

/** The adapter for `id`, or a 404-mapped `UnknownProviderError`. */
export function adapterFor(id: string): ProviderAdapter {
  if (!isProviderId(id)) throw new UnknownProviderError(id);
  return providers[id];
}

/**
 * The esbuild `define` that makes a bundle carry `providerId`'s adapter alone, for the stack's per-provider
 * bundling options.
 *
 * @example
 * ```ts
 * import type { Stack } from 'aws-cdk-lib';
 * import { NodejsFunction, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
 * declare const stack: Stack;
 * declare const entry: string;
 * declare const bundling: BundlingOptions;
 * new NodejsFunction(stack, 'Ingest', { entry, bundling: { ...bundling, define: bundledProviderDefine('webcom') } });
 * ```
 */
export function bundledProviderDefine(providerId: string): Record<string, string> {
  return { [BUNDLED_PROVIDER_DEFINE]: JSON.stringify(providerId) };
}

export type { ProviderAdapter } from './types';
