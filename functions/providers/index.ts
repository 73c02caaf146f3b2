/**
 * The provider registry: one import and one entry per provider. The stack, the local gateway, the simulator and the
 * docs table all read this, so a new provider is its adapter file, its fixtures, and its two lines here.
 *
 * Each entry spreads its adapter in behind a test the bundler can decide. The stack bundles one ingest function per
 * provider and sets {@link BUNDLED_PROVIDER_DEFINE} to that provider's id at build time (esbuild `define`): every
 * test then folds to a constant, the other entries to nothing (`...{}`, dropped) and their adapters' imports go
 * unused; since this directory's `package.json` declares its modules free of side effects (`"sideEffects": false`),
 * esbuild leaves those adapters out of the bundle with what only they import (fast-xml-parser comes with Webcom
 * alone). Static imports rather than a `require` in each branch: a required module is wrapped for CommonJS with
 * every export kept, which cost each bundle 2–3 kB; spreads rather than `id: adapter or undefined`, which left an
 * `id: void 0` per other provider in every bundle (0.4 kB).
 * Unbundled (tests, the local runtime, scripts) the variable is unset and every adapter loads. The test is spelled
 * out on each line, not put in a function, because esbuild folds only literal comparisons.
 */
import { UnknownProviderError } from '../core/errors';
import type { ProviderAdapter } from './types';
import { innopaasOtp } from './innopaas-otp';
import { innopaasWhatsapp } from './innopaas-whatsapp';
import { webcom } from './webcom';
import { smsgateway24 } from './smsgateway24';
import { nhncloudSms } from './nhncloud-sms';
import { telnyx } from './telnyx';
import { plivo } from './plivo';
import { messagebird } from './messagebird';
import { awsEumSms } from './aws-eum-sms';
import { awsEumWhatsapp } from './aws-eum-whatsapp';
import { vonageSms } from './vonage-sms';
import { vonageMessages } from './vonage-messages';
import { sinchSms } from './sinch-sms';
import { infobipSms } from './infobip-sms';
import { jasmin } from './jasmin';
import { kannel } from './kannel';
import { innopaasSms } from './innopaas-sms';
import { twilio } from './twilio';
import { metaWhatsapp } from './meta-whatsapp';

/**
 * The expression the stack's bundler replaces with the one provider id a bundle is for
 * (`define: { [BUNDLED_PROVIDER_DEFINE]: JSON.stringify(id) }`); see {@link bundledProviderDefine}.
 */
export const BUNDLED_PROVIDER_DEFINE = 'process.env.WEBHOOK_BUNDLED_PROVIDER';

const registry = {
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'innopaas-otp') === 'innopaas-otp' ? { 'innopaas-otp': innopaasOtp } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'innopaas-whatsapp') === 'innopaas-whatsapp' ? { 'innopaas-whatsapp': innopaasWhatsapp } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'webcom') === 'webcom' ? { webcom } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'smsgateway24') === 'smsgateway24' ? { smsgateway24 } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'nhncloud-sms') === 'nhncloud-sms' ? { 'nhncloud-sms': nhncloudSms } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'telnyx') === 'telnyx' ? { telnyx } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'plivo') === 'plivo' ? { plivo } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'messagebird') === 'messagebird' ? { messagebird } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'aws-eum-sms') === 'aws-eum-sms' ? { 'aws-eum-sms': awsEumSms } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'aws-eum-whatsapp') === 'aws-eum-whatsapp' ? { 'aws-eum-whatsapp': awsEumWhatsapp } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'vonage-sms') === 'vonage-sms' ? { 'vonage-sms': vonageSms } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'vonage-messages') === 'vonage-messages' ? { 'vonage-messages': vonageMessages } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'sinch-sms') === 'sinch-sms' ? { 'sinch-sms': sinchSms } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'infobip-sms') === 'infobip-sms' ? { 'infobip-sms': infobipSms } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'jasmin') === 'jasmin' ? { jasmin } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'kannel') === 'kannel' ? { kannel } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'innopaas-sms') === 'innopaas-sms' ? { 'innopaas-sms': innopaasSms } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'twilio') === 'twilio' ? { twilio } : {}),
  ...((process.env.WEBHOOK_BUNDLED_PROVIDER ?? 'meta-whatsapp') === 'meta-whatsapp' ? { 'meta-whatsapp': metaWhatsapp } : {}),
} satisfies Partial<Record<string, ProviderAdapter>>;

export type ProviderId = keyof typeof registry;

/** Every registered adapter by id (in a one-provider bundle: that provider's alone). */
export const providers: Readonly<Record<ProviderId, ProviderAdapter>> = registry as Record<ProviderId, ProviderAdapter>;

// The lists below are marked pure: a Lambda bundle, which looks one adapter up by id, leaves them out.
export const providerIds = /* @__PURE__ */ Object.keys(providers) as ProviderId[];

/** Whether an adapter is called over HTTP (a route and an ingest function), as every adapter is unless it says not. */
export function hasHttpRoute(adapter: Pick<ProviderAdapter, 'sources'>): boolean {
  return (adapter.sources ?? ['http']).includes('http');
}

/** Whether an AWS service delivers an adapter's events to the record ingest (EventBridge, SNS). */
export function acceptsRecords(adapter: Pick<ProviderAdapter, 'sources' | 'normalizeRecord'>): boolean {
  return adapter.normalizeRecord !== undefined && (adapter.sources ?? []).some((source) => source !== 'http');
}

/** The providers with an HTTP route: the API's routes, `npm start`'s, and the ingest functions. */
export const httpProviderIds = /* @__PURE__ */ providerIds.filter((id) => hasHttpRoute(providers[id]));

/** The providers fed by the record ingest (AWS End User Messaging): no HTTP route. */
export const recordProviderIds = /* @__PURE__ */ providerIds.filter((id) => acceptsRecords(providers[id]));

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
