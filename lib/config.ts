/**
 * The deployment's configuration: `cdk.json` context under `webhooks` (CONTEXT_KEY), read once and validated up
 * front. Every bad value is listed in one error, so an operator fixes the file in one pass instead of one synth
 * per typo. Defaults are plain data ({@link CONFIG_DEFAULTS}); the stack never reads context itself.
 *
 * @example
 * ```ts
 * import { App } from 'aws-cdk-lib';
 * import { providers } from '../functions/providers';
 * import { WebhookIngestionStack } from './webhook-ingestion-stack';
 * const app = new App();
 * const config = readPipelineConfig((key) => app.node.tryGetContext(key), providerDescriptors(providers));
 * new WebhookIngestionStack(app, `WebhookIngestion-${config.stage}`, { config });
 * ```
 */
import { isCidr } from '../functions/origin/cidr';
import { CHANNELS, EVENT_TYPES } from '../functions/events/schema';
import { CANONICAL_STATUSES } from '../functions/events/status';
import type { ProviderAdapter } from '../functions/providers/types';
import {
  APPLIED_EVENT_ATTRIBUTES,
  CONTEXT_KEY,
  INGEST,
  METRICS,
  TABLE,
  type AppliedEventAttribute,
  type SubscriberConfig,
} from './pipeline-settings';

/** What the stack needs to know about a provider: the registry adapter's static fields, nothing executable. */
export type ProviderDescriptor = Pick<
  ProviderAdapter,
  'id' | 'displayName' | 'authentication' | 'credentialHeaders' | 'defaultTimeZone' | 'sources' | 'eventPattern'
>;

/** A provider this deployment serves, with its deployment-specific settings resolved. */
export interface EnabledProvider extends ProviderDescriptor {
  /** IANA zone of its zone-less timestamps: `providerTimeZones[id]`, else the adapter's default. */
  readonly timeZone: string;
  /** CIDRs its requests must come from, in addition to the credentials document's own; empty = no extra check. */
  readonly allowedIps: readonly string[];
}

/**
 * Where the stack subscribes the record ingest of a provider AWS delivers through EventBridge or SNS (AWS End User
 * Messaging): `recordSources[providerId]` of the context.
 */
export interface RecordSourceConfig {
  readonly provider: EnabledProvider;
  /** An EventBridge rule on the default bus matching the adapter's `eventPattern`. */
  readonly eventBridge: boolean;
  /** SNS topics (configuration-set event destinations, two-way SMS, a WABA's event destination) to subscribe to. */
  readonly snsTopicArns: readonly string[];
}

/** CloudFront's price classes: which edge locations serve the distribution (`PriceClass_All`: every one). */
export const EDGE_PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;

/**
 * The optional CloudFront distribution in front of the API (`edge` in the context, docs/deploy.md "Request size"):
 * its viewer-request function answers our own 413 for a body whose `Content-Length` is over the ingest's cap, so a
 * body Lambda would refuse never becomes API Gateway's bare 500.
 */
export interface EdgeConfig {
  /** A name of your own for the distribution (`hooks.example.com`); with `certificateArn`. Absent: its cloudfront.net name. */
  readonly domainName?: string;
  /** ACM certificate in us-east-1 covering `domainName`; lets viewers be held to TLS 1.2. */
  readonly certificateArn?: string;
  /** A CLOUDFRONT-scope AWS WAF web ACL (its ARN) to attach. */
  readonly webAclArn?: string;
  readonly priceClass: (typeof EDGE_PRICE_CLASSES)[number];
}

export interface ApiThrottle {
  /** Steady-state requests per second (of the whole stage for `apiThrottle`, of each route for `routeThrottle`). */
  readonly rateLimit: number;
  /** Requests the API absorbs in a burst above the rate. */
  readonly burstLimit: number;
}

/** The validated configuration of one deployment. */
export interface PipelineConfig {
  /** Suffix of every resource name and of the stack name; `dev` relaxes deletion protection. */
  readonly stage: string;
  /**
   * Providers this deployment serves, in registry order: those with an HTTP route get a route, a function and a
   * secret; those AWS delivers (no HTTP route) get a record ingest when `recordSources` names them.
   */
  readonly providers: readonly EnabledProvider[];
  /** The EventBridge rules and SNS subscriptions of the record ingests, one entry per provider that has any. */
  readonly recordSources: readonly RecordSourceConfig[];
  readonly apiThrottle: ApiThrottle;
  /**
   * Per provider, the throttle of its webhook routes in place of `apiThrottle` (each of its two routes, with and
   * without a token, gets these limits). Providers absent here get `apiThrottle`.
   */
  readonly routeThrottle: Readonly<Record<string, ApiThrottle>>;
  /** Retention of every log group the stack creates (functions and API access logs). */
  readonly logRetentionDays: number;
  /** Days a message's status and history are kept (the table's TTL); 0 keeps them for ever. */
  readonly tableTtlDays: number;
  /** Hours a provider time may be from its arrival and still order a message's events (farther: not trusted). */
  readonly trustedTimeWindowHours: number;
  /** Seconds the parts of an inbound SMS are waited for before what came is published, marked incomplete. */
  readonly reassemblyTimeoutSeconds: number;
  /** Deletion protection on the table and RETAIN on stateful resources. */
  readonly deletionProtection: boolean;
  /** CloudWatch namespace the functions emit to and the alarms read. */
  readonly metricsNamespace: string;
  /** Upper bound of concurrent consumer invocations the SQS event source starts. */
  readonly consumerMaxConcurrency: number;
  /** `AuthFailures` of one provider in five minutes that raise the alarm. */
  readonly authFailureAlarmThreshold: number;
  /** E-mail addresses subscribed to the alarm topic. */
  readonly alarmEmails: readonly string[];
  readonly subscribers: readonly SubscriberConfig[];
  /**
   * The URL providers call when it is not the API's own (a custom domain, a proxy): URL-signed schemes (Twilio,
   * Plivo, MessageBird) verify against it. Absent: the edge distribution's URL when `edge` is on, else the URL the
   * request arrived at.
   */
  readonly publicBaseUrl?: string;
  /** How far a signed timestamp may be from the clock (Telnyx, Sinch, Vonage), in seconds. */
  readonly signatureToleranceSeconds: number;
  /** Present only when `edge.enabled` is true: the CloudFront distribution providers call instead of the API. */
  readonly edge?: EdgeConfig;
}

/**
 * Defaults of every optional context value, as plain data.
 *
 * - `stage` `dev`: a first `cdk deploy` is a sandbox; every other stage gets deletion protection.
 * - `apiThrottle` 500 rps / burst 1000: far above what these providers send (delivery receipts of bulk campaigns
 *   arrive in bursts), far below the 10,000 rps account quota, so one noisy caller cannot starve other APIs of the
 *   account. A throttled provider gets 429 and, for the ones that retry, retries.
 * - `routeThrottle` none: every route has the stage's limits until one provider needs its own.
 * - `logRetentionDays` 30: long enough to investigate an incident reported by a provider a few weeks later.
 * - `consumerMaxConcurrency` 5: bounds the write rate on the table and the publish rate on the topic; the queue
 *   absorbs bursts, which is its job.
 * - `authFailureAlarmThreshold` 20 per five minutes: a provider's retries of one misconfigured request stay below
 *   it; a credential rotation gone wrong or someone probing the URL does not.
 */
export const CONFIG_DEFAULTS = {
  stage: 'dev',
  apiThrottle: { rateLimit: 500, burstLimit: 1000 },
  logRetentionDays: 30,
  tableTtlDays: TABLE.defaultTtlDays,
  trustedTimeWindowHours: 24,
  reassemblyTimeoutSeconds: TABLE.defaultReassemblyTimeoutSeconds,
  metricsNamespace: METRICS.namespace,
  consumerMaxConcurrency: 5,
  authFailureAlarmThreshold: 20,
  alarmEmails: [] as readonly string[],
  subscribers: [] as readonly SubscriberConfig[],
  signatureToleranceSeconds: INGEST.signatureToleranceSeconds,
} as const;

/** The stage whose stateful resources may be deleted with the stack. */
export const DEV_STAGE = 'dev';

/** Retention values CloudWatch Logs accepts (`logs.RetentionDays`, minus "infinite": logs must expire). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Thrown with every problem found in the context, one line each. */
export class PipelineConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid cdk.json context "${CONTEXT_KEY}":\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PipelineConfigError';
  }
}

/** The static fields of the registry's adapters, in registry order. */
export function providerDescriptors(registry: Readonly<Record<string, ProviderDescriptor>>): ProviderDescriptor[] {
  return Object.values(registry).map(({ id, displayName, authentication, credentialHeaders, defaultTimeZone, sources, eventPattern }) => ({
    id,
    displayName,
    authentication,
    credentialHeaders,
    defaultTimeZone,
    ...(sources ? { sources } : {}),
    ...(eventPattern ? { eventPattern } : {}),
  }));
}

type Problems = string[];
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);
const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;
const SUBSCRIBER_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
const NAMESPACE_PATTERN = /^[A-Za-z0-9._/#:-]{1,255}$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** SNS limits on one filter policy (SNS developer guide, "Filter policy constraints"). */
const FILTER_POLICY_LIMITS = { maxKeys: 5, maxCombinations: 150 } as const;

/** Integer-valued settings: `[key, min, max]`. */
const INTEGER_SETTINGS: ReadonlyArray<readonly [keyof typeof CONFIG_DEFAULTS, number, number]> = [
  ['tableTtlDays', 0, 3650],
  ['trustedTimeWindowHours', 1, 8760],
  ['reassemblyTimeoutSeconds', 60, 7 * 86_400],
  // The SQS event source accepts 2 to 1000.
  ['consumerMaxConcurrency', 2, 1000],
  ['authFailureAlarmThreshold', 1, 100_000],
  ['signatureToleranceSeconds', 1, 86_400],
];

const KNOWN_KEYS = new Set([
  'stage',
  'providers',
  'providerTimeZones',
  'allowedIps',
  'apiThrottle',
  'routeThrottle',
  'logRetentionDays',
  'tableTtlDays',
  'trustedTimeWindowHours',
  'reassemblyTimeoutSeconds',
  'deletionProtection',
  'metricsNamespace',
  'consumerMaxConcurrency',
  'authFailureAlarmThreshold',
  'alarmEmails',
  'subscribers',
  'publicBaseUrl',
  'signatureToleranceSeconds',
  'recordSources',
  'edge',
]);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The one CIDR rule (`functions/origin/cidr.ts`): a bare address is one host, as in the credentials document. */
export { isCidr };

/** `innopaas-otp` → `InnopaasOtp`, for construct and output ids (letters and digits only). */
export const pascalCase = (id: string): string =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');

/** Context values set with `-c key=value` arrive as strings; objects may be given as JSON text. */
function fromJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return value;
  try {
    return JSON.parse(text);
  } catch {
    return value;
  }
}

function readStage(raw: unknown, problems: Problems): string {
  if (raw === undefined) return CONFIG_DEFAULTS.stage;
  if (typeof raw === 'string' && STAGE_PATTERN.test(raw)) return raw;
  problems.push(`stage: ${show(raw)} must be 1-16 characters, lower-case letters, digits and "-", starting with a letter`);
  return CONFIG_DEFAULTS.stage;
}

function readProviderIds(raw: unknown, known: readonly string[], problems: Problems): string[] {
  if (raw === undefined) return [...known];
  const list =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : raw;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`providers: ${show(raw)} must be a non-empty list of provider ids (known: ${known.join(', ')})`);
    return [...known];
  }
  const seen = new Set<string>();
  for (const id of list) {
    if (typeof id !== 'string' || !known.includes(id)) {
      problems.push(`providers: ${show(id)} is not a provider of the registry (known: ${known.join(', ')})`);
    } else if (seen.has(id)) {
      problems.push(`providers: "${id}" is listed twice`);
    }
    if (typeof id === 'string') seen.add(id);
  }
  // Registry order, so the template does not change when someone reorders the list.
  return known.filter((id) => seen.has(id));
}

/** A `{ providerId: value }` map whose keys must be known providers and whose values pass `check`. */
function readPerProvider<T>(
  key: string,
  raw: unknown,
  known: readonly string[],
  problems: Problems,
  check: (value: unknown, where: string) => T | undefined,
): Map<string, T> {
  const result = new Map<string, T>();
  if (raw === undefined) return result;
  if (!isObject(raw)) {
    problems.push(`${key}: ${show(raw)} must be an object keyed by provider id`);
    return result;
  }
  for (const [id, value] of Object.entries(raw)) {
    if (!known.includes(id)) problems.push(`${key}.${id}: not a provider of the registry (known: ${known.join(', ')})`);
    const checked = check(value, `${key}.${id}`);
    if (checked !== undefined) result.set(id, checked);
  }
  return result;
}

function readTimeZone(problems: Problems) {
  return (value: unknown, where: string): string | undefined => {
    if (typeof value === 'string' && isTimeZone(value)) return value;
    problems.push(`${where}: ${show(value)} is not an IANA time zone (e.g. "Asia/Shanghai")`);
    return undefined;
  };
}

function readCidrs(problems: Problems) {
  return (value: unknown, where: string): string[] | undefined => {
    if (!Array.isArray(value)) {
      problems.push(`${where}: ${show(value)} must be a list of CIDRs (e.g. ["203.0.113.0/24"])`);
      return undefined;
    }
    const bad = value.filter((cidr) => typeof cidr !== 'string' || !isCidr(cidr));
    for (const cidr of bad) problems.push(`${where}: ${show(cidr)} is not a CIDR or an address (e.g. "203.0.113.0/24", "198.51.100.7")`);
    return bad.length === 0 ? (value as string[]) : undefined;
  };
}

/** An SNS topic ARN (any partition): `arn:aws:sns:<region>:<account>:<name>`. */
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** `recordSources`: per provider without an HTTP route, `{ "eventBridge": true, "snsTopicArns": [ARN, …] }`. */
function readRecordSources(
  raw: unknown,
  registry: readonly ProviderDescriptor[],
  problems: Problems,
): Map<string, { eventBridge: boolean; snsTopicArns: string[] }> {
  const byId = new Map(registry.map((p) => [p.id, p]));
  const fed = registry.filter((p) => (p.sources ?? []).some((source) => source !== 'http')).map((p) => p.id);
  const result = new Map<string, { eventBridge: boolean; snsTopicArns: string[] }>();
  if (raw === undefined) return result;
  if (!isObject(raw)) {
    problems.push(`recordSources: ${show(raw)} must be an object keyed by provider id (${fed.join(', ')})`);
    return result;
  }
  for (const [id, value] of Object.entries(raw)) {
    const where = `recordSources.${id}`;
    const sources = byId.get(id)?.sources ?? [];
    if (!fed.includes(id)) {
      problems.push(`${where}: not a provider AWS delivers through EventBridge or SNS (${fed.join(', ')})`);
      continue;
    }
    if (!isObject(value)) {
      problems.push(`${where}: ${show(value)} must be { "eventBridge": true|false, "snsTopicArns": [ARN, …] }`);
      continue;
    }
    const { eventBridge = false, snsTopicArns = [], ...extra } = value;
    for (const key of Object.keys(extra)) problems.push(`${where}.${key}: unknown setting (eventBridge, snsTopicArns)`);
    if (typeof eventBridge !== 'boolean') problems.push(`${where}.eventBridge: ${show(eventBridge)} must be true or false`);
    else if (eventBridge && !sources.includes('eventbridge')) problems.push(`${where}.eventBridge: ${id} does not come through EventBridge`);
    const arns = Array.isArray(snsTopicArns) ? snsTopicArns : [];
    if (!Array.isArray(snsTopicArns)) problems.push(`${where}.snsTopicArns: ${show(snsTopicArns)} must be a list of SNS topic ARNs`);
    for (const arn of arns) {
      if (typeof arn !== 'string' || !SNS_TOPIC_ARN.test(arn)) {
        problems.push(`${where}.snsTopicArns: ${show(arn)} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)`);
      }
    }
    if (new Set(arns).size !== arns.length) problems.push(`${where}.snsTopicArns: a topic is listed twice`);
    if (arns.length > 0 && !sources.includes('sns')) problems.push(`${where}.snsTopicArns: ${id} does not come through SNS`);
    if (eventBridge !== true && arns.length === 0) {
      problems.push(`${where}: subscribes to nothing; set "eventBridge": true or list "snsTopicArns" (or leave ${id} out)`);
    }
    result.set(id, { eventBridge: eventBridge === true, snsTopicArns: arns.filter((arn): arn is string => typeof arn === 'string') });
  }
  return result;
}

/**
 * `{ rateLimit, burstLimit }` under `where`; a limit left out is `fallback`'s. API Gateway's account quota is 10,000
 * rps with a 5,000 burst: a limit above them means nothing.
 */
function readLimits(raw: unknown, where: string, fallback: ApiThrottle, problems: Problems): ApiThrottle | undefined {
  if (!isObject(raw)) {
    problems.push(`${where}: ${show(raw)} must be { "rateLimit": number, "burstLimit": integer }`);
    return undefined;
  }
  const { rateLimit = fallback.rateLimit, burstLimit = fallback.burstLimit } = raw;
  const before = problems.length;
  for (const extra of Object.keys(raw).filter((k) => k !== 'rateLimit' && k !== 'burstLimit')) {
    problems.push(`${where}.${extra}: unknown setting (rateLimit, burstLimit)`);
  }
  if (typeof rateLimit !== 'number' || !(rateLimit > 0 && rateLimit <= 10_000)) {
    problems.push(`${where}.rateLimit: ${show(rateLimit)} must be a number above 0 and at most 10000`);
  }
  if (!isInteger(burstLimit) || burstLimit < 1 || burstLimit > 5000) {
    problems.push(`${where}.burstLimit: ${show(burstLimit)} must be an integer from 1 to 5000`);
  }
  return problems.length === before ? { rateLimit: rateLimit as number, burstLimit: burstLimit as number } : undefined;
}

function readThrottle(raw: unknown, problems: Problems): ApiThrottle {
  if (raw === undefined) return CONFIG_DEFAULTS.apiThrottle;
  return readLimits(raw, 'apiThrottle', CONFIG_DEFAULTS.apiThrottle, problems) ?? CONFIG_DEFAULTS.apiThrottle;
}

function readAlarmEmails(raw: unknown, problems: Problems): string[] {
  if (raw === undefined) return [...CONFIG_DEFAULTS.alarmEmails];
  if (!Array.isArray(raw)) {
    problems.push(`alarmEmails: ${show(raw)} must be a list of e-mail addresses`);
    return [];
  }
  for (const email of raw) {
    if (typeof email !== 'string' || !EMAIL_PATTERN.test(email)) problems.push(`alarmEmails: ${show(email)} is not an e-mail address`);
  }
  return raw.filter((email): email is string => typeof email === 'string');
}

/** Literal values each filterable attribute can take: what the consumer publishes. */
function attributeValues(providerIds: readonly string[]): Record<AppliedEventAttribute, readonly string[]> {
  return {
    provider: providerIds,
    channel: CHANNELS,
    type: EVENT_TYPES,
    // `none` is what events without a status (inbound messages, template reviews…) carry.
    status: [...CANONICAL_STATUSES, 'none'],
    final: ['true', 'false', 'none'],
    statusChanged: ['true', 'false'],
  };
}

/** SNS string-matching operators; the attributes are all `String`, so numeric matching never applies. */
const STRING_OPERATORS = new Set(['anything-but', 'prefix', 'suffix', 'exists', 'equals-ignore-case', 'wildcard']);

function checkFilterValue(value: unknown, allowed: readonly string[], where: string, problems: Problems): void {
  if (typeof value === 'boolean') {
    problems.push(`${where}: ${show(value)} must be the string "${String(value)}" (message attributes are Strings)`);
  } else if (typeof value === 'string') {
    if (!allowed.includes(value)) problems.push(`${where}: ${show(value)} never occurs (one of: ${allowed.join(', ')})`);
  } else if (isObject(value) && Object.keys(value).length === 1) {
    const [operator, operand] = Object.entries(value)[0];
    if (!STRING_OPERATORS.has(operator)) {
      problems.push(`${where}: operator "${operator}" does not apply to String attributes (${[...STRING_OPERATORS].join(', ')})`);
    } else if (operator === 'exists' && typeof operand !== 'boolean') {
      problems.push(`${where}: "exists" takes true or false`);
    } else if (operator === 'anything-but') {
      for (const item of Array.isArray(operand) ? operand : [operand]) {
        if (typeof item === 'string' || typeof item === 'boolean') checkFilterValue(item, allowed, `${where}.anything-but`, problems);
      }
    } else if (operator !== 'exists' && typeof operand !== 'string') {
      problems.push(`${where}: "${operator}" takes a string`);
    }
  } else {
    problems.push(`${where}: ${show(value)} must be a string or one operator object such as {"anything-but": ["sent"]}`);
  }
}

function checkFilterPolicy(policy: unknown, where: string, providerIds: readonly string[], problems: Problems): void {
  if (!isObject(policy)) {
    problems.push(`${where}: must be an SNS filter policy object, e.g. {"final": ["true"]}`);
    return;
  }
  const keys = Object.keys(policy);
  if (keys.length === 0) problems.push(`${where}: is empty; leave filterPolicy out to receive every event`);
  if (keys.length > FILTER_POLICY_LIMITS.maxKeys) {
    problems.push(`${where}: names ${keys.length} attributes; SNS allows at most ${FILTER_POLICY_LIMITS.maxKeys}`);
  }
  const allowed = attributeValues(providerIds);
  let combinations = 1;
  for (const [key, conditions] of Object.entries(policy)) {
    if (!(APPLIED_EVENT_ATTRIBUTES as readonly string[]).includes(key)) {
      problems.push(`${where}.${key}: not a message attribute of applied events (${APPLIED_EVENT_ATTRIBUTES.join(', ')})`);
      continue;
    }
    if (!Array.isArray(conditions) || conditions.length === 0) {
      problems.push(`${where}.${key}: must be a non-empty list, e.g. ["delivered", "failed"]`);
      continue;
    }
    combinations *= conditions.length;
    for (const [i, value] of conditions.entries()) checkFilterValue(value, allowed[key as AppliedEventAttribute], `${where}.${key}[${i}]`, problems);
  }
  if (combinations > FILTER_POLICY_LIMITS.maxCombinations) {
    problems.push(`${where}: has ${combinations} value combinations; SNS allows at most ${FILTER_POLICY_LIMITS.maxCombinations}`);
  }
}

function readSubscribers(raw: unknown, providerIds: readonly string[], problems: Problems): SubscriberConfig[] {
  if (raw === undefined) return [...CONFIG_DEFAULTS.subscribers];
  if (!Array.isArray(raw)) {
    problems.push(`subscribers: ${show(raw)} must be a list of { "name", "filterPolicy" }`);
    return [];
  }
  // Output ids are PascalCase of the name (lib/webhook-ingestion-stack.ts), so `team-1` and `team1` would collide.
  const names = new Map<string, string>();
  const subscribers: SubscriberConfig[] = [];
  raw.forEach((entry, i) => {
    const where = `subscribers[${i}]`;
    if (!isObject(entry)) {
      problems.push(`${where}: ${show(entry)} must be { "name", "filterPolicy" }`);
      return;
    }
    const { name, filterPolicy, ...extra } = entry;
    for (const key of Object.keys(extra)) problems.push(`${where}.${key}: unknown setting (name, filterPolicy)`);
    if (typeof name !== 'string' || !SUBSCRIBER_NAME_PATTERN.test(name)) {
      problems.push(`${where}.name: ${show(name)} must be 1-40 characters, lower-case letters, digits and "-"`);
    } else if (names.get(pascalCase(name)) === name) {
      problems.push(`${where}.name: "${name}" is used by another subscriber`);
    } else if (names.has(pascalCase(name))) {
      problems.push(`${where}.name: "${name}" differs from "${names.get(pascalCase(name))}" only in "-": their stack output names would be the same`);
    }
    if (typeof name === 'string' && !names.has(pascalCase(name))) names.set(pascalCase(name), name);
    if (filterPolicy !== undefined) checkFilterPolicy(filterPolicy, `${where}.filterPolicy`, providerIds, problems);
    subscribers.push({ name: String(name), ...(filterPolicy === undefined ? {} : { filterPolicy: filterPolicy as Json }) });
  });
  return subscribers;
}

/**
 * Reads and validates the `webhooks` context. Any of its keys given on the command line overrides that key alone
 * (`-c stage=prod` overrides `webhooks.stage`, so one `cdk.json` deploys every stage; `-c providers=webcom`), as
 * text: numbers and booleans as text, lists and objects as JSON text (a provider list also as `a,b`).
 *
 * @param getContext - `(key) => app.node.tryGetContext(key)`
 * @param registry - the providers the code knows, in registry order
 * @throws PipelineConfigError listing every bad value
 */
export function readPipelineConfig(getContext: (key: string) => unknown, registry: readonly ProviderDescriptor[]): PipelineConfig {
  const problems: Problems = [];
  const rawRoot = fromJsonText(getContext(CONTEXT_KEY)) ?? {};
  if (!isObject(rawRoot)) throw new PipelineConfigError([`${show(rawRoot)} must be an object`]);
  const raw: Json = { ...rawRoot };
  // `-c key=value` on the command line overrides that one key of cdk.json's block and keeps the others: replacing
  // the whole block (`-c webhooks=…`) would silently drop, say, the subscribers and delete their queues.
  for (const key of KNOWN_KEYS) {
    const override = getContext(key);
    if (override !== undefined) raw[key] = override;
  }

  for (const key of Object.keys(raw).filter((k) => !KNOWN_KEYS.has(k))) {
    problems.push(`${key}: unknown setting (${[...KNOWN_KEYS].join(', ')})`);
  }

  const known = registry.map((p) => p.id);
  const stage = readStage(raw.stage, problems);
  const enabledIds = readProviderIds(fromJsonText(raw.providers), known, problems);
  const zones = readPerProvider('providerTimeZones', fromJsonText(raw.providerTimeZones), known, problems, readTimeZone(problems));
  const ips = readPerProvider('allowedIps', fromJsonText(raw.allowedIps), known, problems, readCidrs(problems));
  const apiThrottle = readThrottle(fromJsonText(raw.apiThrottle), problems);
  const routeThrottle = readPerProvider('routeThrottle', fromJsonText(raw.routeThrottle), known, problems, (value, where) =>
    readLimits(value, where, apiThrottle, problems),
  );
  for (const id of routeThrottle.keys()) {
    if (known.includes(id) && !enabledIds.includes(id)) problems.push(`routeThrottle.${id}: not deployed (providers: ${enabledIds.join(', ')})`);
  }

  const integers = Object.fromEntries(
    INTEGER_SETTINGS.map(([key, min, max]) => {
      const value = raw[key] === undefined ? CONFIG_DEFAULTS[key] : Number(raw[key]);
      if (!isInteger(value) || value < min || value > max) {
        problems.push(`${key}: ${show(raw[key])} must be an integer from ${min} to ${max}`);
        return [key, CONFIG_DEFAULTS[key]];
      }
      return [key, value];
    }),
  ) as Record<(typeof INTEGER_SETTINGS)[number][0], number>;

  const logRetentionDays = raw.logRetentionDays === undefined ? CONFIG_DEFAULTS.logRetentionDays : Number(raw.logRetentionDays);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    problems.push(`logRetentionDays: ${show(raw.logRetentionDays)} must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }

  const rawProtection = raw.deletionProtection;
  const deletionProtection = rawProtection === undefined ? stage !== DEV_STAGE : rawProtection === true || rawProtection === 'true';
  if (rawProtection !== undefined && ![true, false, 'true', 'false'].includes(rawProtection as never)) {
    problems.push(`deletionProtection: ${show(rawProtection)} must be true or false`);
  }

  const metricsNamespace = raw.metricsNamespace ?? CONFIG_DEFAULTS.metricsNamespace;
  if (typeof metricsNamespace !== 'string' || !NAMESPACE_PATTERN.test(metricsNamespace) || metricsNamespace.startsWith('AWS/')) {
    problems.push(`metricsNamespace: ${show(metricsNamespace)} must be a CloudWatch namespace not starting with "AWS/"`);
  }

  const alarmEmails = readAlarmEmails(fromJsonText(raw.alarmEmails), problems);
  const publicBaseUrl = readPublicBaseUrl(raw.publicBaseUrl, problems);
  const edge = readEdge(fromJsonText(raw.edge), problems);
  if (edge) {
    // Behind CloudFront the API sees an edge server's address, not the provider's: an allow-list would refuse all.
    for (const [id, cidrs] of ips) {
      if (cidrs.length > 0)
        problems.push(`allowedIps.${id}: cannot be checked behind "edge" (the API sees CloudFront's addresses); remove it or turn edge off`);
    }
  }
  const subscribers = readSubscribers(fromJsonText(raw.subscribers), known, problems);
  const recordSources = readRecordSources(fromJsonText(raw.recordSources), registry, problems);
  for (const id of recordSources.keys()) {
    if (!enabledIds.includes(id)) problems.push(`recordSources.${id}: ${id} is not among the enabled providers`);
  }

  if (problems.length > 0) throw new PipelineConfigError(problems);

  const providers = registry
    .filter((p) => enabledIds.includes(p.id))
    .map((p) => ({ ...p, timeZone: zones.get(p.id) ?? p.defaultTimeZone, allowedIps: ips.get(p.id) ?? [] }));
  return {
    stage,
    providers,
    recordSources: providers.flatMap((provider) => {
      const sources = recordSources.get(provider.id);
      return sources ? [{ provider, ...sources }] : [];
    }),
    apiThrottle,
    routeThrottle: Object.fromEntries(routeThrottle),
    logRetentionDays,
    tableTtlDays: integers.tableTtlDays,
    trustedTimeWindowHours: integers.trustedTimeWindowHours,
    reassemblyTimeoutSeconds: integers.reassemblyTimeoutSeconds,
    deletionProtection,
    metricsNamespace: metricsNamespace as string,
    consumerMaxConcurrency: integers.consumerMaxConcurrency,
    authFailureAlarmThreshold: integers.authFailureAlarmThreshold,
    alarmEmails,
    subscribers,
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    signatureToleranceSeconds: integers.signatureToleranceSeconds,
    ...(edge ? { edge } : {}),
  };
}

const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** CloudFront takes certificates and web ACLs from us-east-1 only, whatever the stack's region. */
const EDGE_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/;
const EDGE_WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[A-Za-z0-9_-]{1,128}\/[0-9a-f-]{36}$/;
const EDGE_KEYS = ['enabled', 'domainName', 'certificateArn', 'webAclArn', 'priceClass'];

/** `edge`: `{ "enabled": true, "domainName"?, "certificateArn"?, "webAclArn"?, "priceClass"? }`; off unless enabled. */
function readEdge(raw: unknown, problems: Problems): EdgeConfig | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) {
    problems.push(`edge: ${show(raw)} must be { "enabled": true|false, … } (${EDGE_KEYS.join(', ')})`);
    return undefined;
  }
  const { enabled = false, domainName, certificateArn, webAclArn, priceClass = 'PriceClass_All', ...extra } = raw;
  for (const key of Object.keys(extra)) problems.push(`edge.${key}: unknown setting (${EDGE_KEYS.join(', ')})`);
  const on = enabled === true || enabled === 'true';
  if (!on && ![false, 'false'].includes(enabled as never)) problems.push(`edge.enabled: ${show(enabled)} must be true or false`);
  const before = problems.length;
  if (domainName !== undefined && (typeof domainName !== 'string' || !DOMAIN_NAME.test(domainName))) {
    problems.push(`edge.domainName: ${show(domainName)} must be a lower-case host name, e.g. "hooks.example.com"`);
  }
  if (certificateArn !== undefined && (typeof certificateArn !== 'string' || !EDGE_CERTIFICATE_ARN.test(certificateArn))) {
    problems.push(`edge.certificateArn: ${show(certificateArn)} must be an ACM certificate ARN in us-east-1 (CloudFront takes no other region)`);
  }
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    problems.push('edge: domainName and certificateArn go together (CloudFront serves a name of your own only with its certificate)');
  }
  if (webAclArn !== undefined && (typeof webAclArn !== 'string' || !EDGE_WEB_ACL_ARN.test(webAclArn))) {
    problems.push(
      `edge.webAclArn: ${show(webAclArn)} must be a CLOUDFRONT-scope AWS WAF web ACL ARN (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)`,
    );
  }
  if (!(EDGE_PRICE_CLASSES as readonly unknown[]).includes(priceClass)) {
    problems.push(`edge.priceClass: ${show(priceClass)} must be one of ${EDGE_PRICE_CLASSES.join(', ')}`);
  }
  if (!on || problems.length > before) return undefined;
  return {
    ...(domainName ? { domainName: domainName as string, certificateArn: certificateArn as string } : {}),
    ...(webAclArn ? { webAclArn: webAclArn as string } : {}),
    priceClass: priceClass as EdgeConfig['priceClass'],
  };
}

/** `https://hooks.example.com[/prefix]`: an http(s) origin with an optional path, no query, no trailing slash kept. */
function readPublicBaseUrl(raw: unknown, problems: Problems): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL | undefined;
  try {
    url = typeof raw === 'string' ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !['https:', 'http:'].includes(url.protocol) || url.search || url.hash || url.username) {
    problems.push(`publicBaseUrl: ${show(raw)} must be an https URL with no query, e.g. "https://hooks.example.com"`);
    return undefined;
  }
  return (raw as string).replace(/\/+$/, '');
}
