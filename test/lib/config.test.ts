import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '../../functions/events/constants';
import { CANONICAL_STATUSES } from '../../functions/events/status';
import { providers } from '../../functions/providers';
import { CONFIG_DEFAULTS, PipelineConfigError, isCidr, providerDescriptors, readPipelineConfig, type ProviderDescriptor } from '../../lib/config';
import { CONTEXT_KEY } from '../../lib/pipeline-settings';
import { shippedContext } from './support/synth';

const registry = providerDescriptors(providers);
const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as Record<string, unknown>;
const read = (context: Record<string, unknown>, descriptors: readonly ProviderDescriptor[] = registry) =>
  readPipelineConfig((key) => context[key], descriptors);
const problemsOf = (context: Record<string, unknown>): readonly string[] => {
  try {
    read(context);
  } catch (error) {
    if (error instanceof PipelineConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the context to be refused');
};
const webhooks = (settings: Record<string, unknown>) => ({ [CONTEXT_KEY]: settings });

describe('readPipelineConfig', () => {
  it('gives a dev stage with every registry provider and their default zones when the context is empty', () => {
    const config = read({});
    expect(config.stage).toBe('dev');
    expect(config.providers.map((p) => p.id)).toEqual(Object.keys(providers));
    expect(config.providers.map((p) => p.timeZone)).toEqual(Object.values(providers).map((p) => p.defaultTimeZone));
    expect(config.providers.every((p) => p.allowedIps.length === 0)).toBe(true);
    expect(config.deletionProtection).toBe(false);
    expect(config.apiThrottle).toEqual(CONFIG_DEFAULTS.apiThrottle);
    expect(config.subscribers).toEqual([]);
  });

  it('marks messages stale after 72 hours and sweeps every 15 minutes unless told otherwise, per provider if asked', () => {
    expect(read({})).toMatchObject({ staleAfterHours: 72, staleAfterHoursByProvider: {}, sweepIntervalMinutes: 15 });
    const config = read(webhooks({ staleAfterHours: 48, staleAfterHoursByProvider: { webcom: 24, kannel: 0 }, sweepIntervalMinutes: 5 }));
    expect(config).toMatchObject({ staleAfterHours: 48, staleAfterHoursByProvider: { webcom: 24, kannel: 0 }, sweepIntervalMinutes: 5 });
    // On the command line, as text.
    expect(read({ ...webhooks({}), staleAfterHours: '0', staleAfterHoursByProvider: '{"webcom":"12"}' })).toMatchObject({
      staleAfterHours: 0,
      staleAfterHoursByProvider: { webcom: 12 },
    });
    expect(problemsOf(webhooks({ staleAfterHours: -1, staleAfterHoursByProvider: { nobody: 1, webcom: 1.5 }, sweepIntervalMinutes: 0 }))).toEqual(
      expect.arrayContaining([
        'staleAfterHours: -1 must be an integer from 0 to 8760',
        'sweepIntervalMinutes: 0 must be an integer from 1 to 1440',
        expect.stringMatching(/^staleAfterHoursByProvider\.nobody: not a provider of the registry/),
        'staleAfterHoursByProvider.webcom: 1.5 must be an integer number of hours from 0 (never) to 8760',
      ]),
    );
  });

  it('accepts the context shipped in cdk.json, with its example subscriber of final status changes', () => {
    const config = read(shippedContext());
    expect(config.subscribers).toEqual([
      { name: 'final-statuses', filterPolicy: { type: ['message.status'], final: ['true'], statusChanged: ['true'] } },
    ]);
  });

  it('lists every bad value of the context in one error', () => {
    const problems = problemsOf(fixture('context-every-mistake.json'));
    const expected = [
      /^stage: "Prod_1"/,
      /^providers: "acme-unknown" is not a provider/,
      /^providers: "webcom" is listed twice/,
      /^providerTimeZones\.webcom: "Moscow" is not an IANA time zone/,
      /^providerTimeZones\.acme: not a provider/,
      /^allowedIps\.smsgateway24: "10\.0\.0\.0\/33" is not a CIDR/,
      /^apiThrottle\.rate: unknown setting/,
      /^apiThrottle\.rateLimit: 0/,
      /^apiThrottle\.burstLimit: 2\.5/,
      /^routeThrottle\.webcom\.burst: unknown setting/,
      /^routeThrottle\.webcom\.rateLimit: -1/,
      /^routeThrottle\.acme: not a provider/,
      /^routeThrottle\.nhncloud-sms: not deployed \(providers: webcom\)/,
      /^logRetentionDays: 31/,
      /^tableTtlDays: -1/,
      /^deletionProtection: "yes"/,
      /^metricsNamespace: "AWS\/Lambda"/,
      /^consumerMaxConcurrency: 1/,
      /^authFailureAlarmThreshold: 0/,
      /^alarmEmails: "not-an-email"/,
      /^subcribers: unknown setting/,
      /^subscribers\[0\]\.name: "OTP Service"/,
      /^subscribers\[0\]\.filterPolicy\.final\[0\]: true must be the string "true"/,
      /^subscribers\[1\]\.filterPolicy\.channel\[0\]: "telegram" never occurs/,
      /^subscribers\[2\]\.name: "crm" is used by another subscriber/,
      /^subscribers\[2\]\.filterPolicy\.status\[1\]: operator "numeric" does not apply/,
      /^subscribers\[2\]\.filterPolicy\.direction: not a message attribute/,
      /^subscribers\[3\]\.queue: unknown setting/,
      /^subscribers\[3\]\.filterPolicy: is empty/,
    ];
    for (const pattern of expected) expect(problems).toContainEqual(expect.stringMatching(pattern));
    expect(problems).toHaveLength(expected.length);
  });

  it('names the file section and every problem in the error message', () => {
    const problems = problemsOf(fixture('context-every-mistake.json'));
    expect(() => read(fixture('context-every-mistake.json'))).toThrow(
      `Invalid cdk.json context "webhooks":\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  });

  it('takes the stage from -c stage=… over the one in cdk.json', () => {
    expect(read({ ...shippedContext(), stage: 'prod' }).stage).toBe('prod');
  });

  it('takes any other key from -c key=… over cdk.json, keeping the keys not given', () => {
    const config = read({
      ...shippedContext(),
      providers: 'webcom,nhncloud-sms',
      tableTtlDays: '30',
      deletionProtection: 'true',
      providerTimeZones: '{"webcom":"Europe/Samara"}',
    });
    expect(config.providers.map((p) => p.id)).toEqual(['webcom', 'nhncloud-sms']);
    expect(config.providers[0].timeZone).toBe('Europe/Samara');
    expect(config.tableTtlDays).toBe(30);
    expect(config.deletionProtection).toBe(true);
    // The shipped subscriber is still there: an override of one key does not replace the block.
    expect(config.subscribers.map((s) => s.name)).toEqual(['final-statuses']);
  });

  it('names a bad value given with -c like one in cdk.json', () => {
    expect(problemsOf({ ...shippedContext(), providers: 'webcom,nobody' })).toEqual([
      expect.stringContaining('providers: "nobody" is not a provider of the registry'),
    ]);
  });

  it('refuses subscriber names that differ only in "-", whose stack outputs would collide', () => {
    expect(problemsOf(webhooks({ subscribers: [{ name: 'team-1' }, { name: 'team1' }, { name: 'a-b' }, { name: 'a--b' }] }))).toEqual([
      'subscribers[1].name: "team1" differs from "team-1" only in "-": their stack output names would be the same',
      'subscribers[3].name: "a--b" differs from "a-b" only in "-": their stack output names would be the same',
    ]);
    expect(read(webhooks({ subscribers: [{ name: 'ab' }, { name: 'a-b' }] })).subscribers).toHaveLength(2);
  });

  it('turns deletion protection on for every stage but dev, unless set explicitly', () => {
    expect(read(webhooks({ stage: 'staging' })).deletionProtection).toBe(true);
    expect(read(webhooks({ stage: 'dev' })).deletionProtection).toBe(false);
    expect(read(webhooks({ stage: 'dev', deletionProtection: true })).deletionProtection).toBe(true);
    expect(read(webhooks({ stage: 'prod', deletionProtection: 'false' })).deletionProtection).toBe(false);
  });

  it('keeps the enabled providers in registry order with their own zones and allowed IPs', () => {
    const config = read(fixture('context-production.json'));
    expect(config.providers.map((p) => [p.id, p.timeZone, p.allowedIps])).toEqual([
      ['webcom', 'Europe/Samara', ['203.0.113.0/24', '198.51.100.7/32']],
      ['nhncloud-sms', providers['nhncloud-sms'].defaultTimeZone, []],
    ]);
  });

  it('accepts a provider list given on the command line as comma-separated text', () => {
    expect(read(webhooks({ providers: 'smsgateway24, webcom' })).providers.map((p) => p.id)).toEqual(['webcom', 'smsgateway24']);
  });

  it('accepts subscribers given on the command line as JSON text', () => {
    const config = read(webhooks({ subscribers: '[{"name":"otp","filterPolicy":{"provider":["innopaas-otp"]}}]' }));
    expect(config.subscribers).toEqual([{ name: 'otp', filterPolicy: { provider: ['innopaas-otp'] } }]);
  });

  it('accepts every SNS string operator on every attribute the consumer publishes', () => {
    const policy = {
      provider: [{ prefix: 'innopaas-' }],
      status: [{ 'anything-but': ['sent', 'queued'] }, 'none'],
      final: ['none', { exists: true }],
      type: [{ 'equals-ignore-case': 'MESSAGE.STATUS' }],
      statusChanged: ['false'],
    };
    expect(read(webhooks({ subscribers: [{ name: 'all-ops', filterPolicy: policy }] })).subscribers[0].filterPolicy).toEqual(policy);
  });

  it('refuses a filter policy that SNS would refuse: six attributes, or more than 150 combinations', () => {
    const six = { provider: ['webcom'], channel: ['sms'], type: ['message.status'], status: ['sent'], final: ['true'], statusChanged: ['true'] };
    expect(problemsOf(webhooks({ subscribers: [{ name: 'six', filterPolicy: six }] }))).toContainEqual(
      expect.stringMatching(/names 6 attributes; SNS allows at most 5/),
    );
    // Every status × every event type × final: far past SNS's 150, whatever the exact lists hold.
    const wide = { status: [...CANONICAL_STATUSES], type: [...EVENT_TYPES], final: ['true', 'false'] };
    const combinations = CANONICAL_STATUSES.length * EVENT_TYPES.length * 2;
    expect(problemsOf(webhooks({ subscribers: [{ name: 'wide', filterPolicy: wide }] }))).toEqual([
      expect.stringMatching(new RegExp(`has ${combinations} value combinations; SNS allows at most 150`)),
    ]);
  });

  it('refuses a value a filter on `anything-but` could never see', () => {
    expect(problemsOf(webhooks({ subscribers: [{ name: 'x', filterPolicy: { status: [{ 'anything-but': ['delivred'] }] } }] }))).toEqual([
      expect.stringMatching(/status\[0\]\.anything-but: "delivred" never occurs/),
    ]);
  });

  it('accepts a provider added to the registry without any change to the configuration code', () => {
    const sixth: ProviderDescriptor = { id: 'acme-sms', displayName: 'Acme SMS', authentication: 'url-token', defaultTimeZone: 'UTC' };
    const config = read(webhooks({ providerTimeZones: { 'acme-sms': 'Europe/Berlin' } }), [...registry, sixth]);
    expect(config.providers.at(-1)).toMatchObject({ id: 'acme-sms', timeZone: 'Europe/Berlin' });
  });
});

describe('publicBaseUrl and signatureToleranceSeconds', () => {
  const read = (values: Record<string, unknown>) =>
    readPipelineConfig((key) => (key === 'webhooks' ? values : undefined), providerDescriptors(providers));

  it('passes a custom domain through, without its trailing slash, and defaults the tolerance to 300 s', () => {
    expect(read({ publicBaseUrl: 'https://hooks.example.com/sms/' })).toMatchObject({
      publicBaseUrl: 'https://hooks.example.com/sms',
      signatureToleranceSeconds: 300,
    });
    expect(read({}).publicBaseUrl).toBeUndefined();
  });

  it.each([['not a URL'], ['ftp://hooks.example.com'], ['https://hooks.example.com/?x=1'], [42]])('refuses publicBaseUrl %p, naming it', (value) => {
    expect(() => read({ publicBaseUrl: value })).toThrow(/publicBaseUrl: .* must be an https URL/);
  });

  it('refuses a tolerance outside 1 s to a day', () => {
    expect(() => read({ signatureToleranceSeconds: 0 })).toThrow(/signatureToleranceSeconds/);
    expect(read({ signatureToleranceSeconds: 600 }).signatureToleranceSeconds).toBe(600);
  });
});

describe('edge (CloudFront in front of the API)', () => {
  const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f';
  const ACL = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/webhooks/0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f';

  it('is off unless enabled: absent, or given with enabled false, the configuration has no edge', () => {
    expect(read({}).edge).toBeUndefined();
    expect(read(shippedContext()).edge).toBeUndefined();
    expect(read(webhooks({ edge: { enabled: false, priceClass: 'PriceClass_100' } })).edge).toBeUndefined();
  });

  it('defaults to every edge location, and takes a name of your own with its certificate, a web ACL and a price class', () => {
    expect(read(webhooks({ edge: { enabled: true } })).edge).toEqual({ priceClass: 'PriceClass_All' });
    expect(
      read(webhooks({ edge: { enabled: true, domainName: 'hooks.example.com', certificateArn: CERT, webAclArn: ACL, priceClass: 'PriceClass_100' } }))
        .edge,
    ).toEqual({ domainName: 'hooks.example.com', certificateArn: CERT, webAclArn: ACL, priceClass: 'PriceClass_100' });
  });

  it('is turned on from the command line too (-c edge=\'{"enabled":true}\'), over cdk.json', () => {
    const context: Record<string, unknown> = { ...shippedContext(), edge: '{"enabled":true}' };
    expect(read(context).edge).toEqual({ priceClass: 'PriceClass_All' });
  });

  it('names every mistake: an unknown key, a certificate outside us-east-1, a lone domain, a regional web ACL, a price class', () => {
    expect(
      problemsOf(
        webhooks({
          edge: {
            enabled: 'yes',
            domainName: 'Hooks.Example.com',
            certificateArn: CERT.replace('us-east-1', 'eu-west-1'),
            webAclArn: ACL.replace('global', 'regional').replace('us-east-1', 'eu-west-1'),
            priceClass: 'cheap',
            logging: true,
          },
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^edge\.logging: unknown setting/),
      expect.stringMatching(/^edge\.enabled: "yes" must be true or false/),
      expect.stringMatching(/^edge\.domainName: "Hooks.Example.com" must be a lower-case host name/),
      expect.stringMatching(/^edge\.certificateArn: .* must be an ACM certificate ARN in us-east-1/),
      expect.stringMatching(/^edge\.webAclArn: .* must be a CLOUDFRONT-scope AWS WAF web ACL ARN/),
      expect.stringMatching(/^edge\.priceClass: "cheap" must be one of PriceClass_100, PriceClass_200, PriceClass_All/),
    ]);
    expect(problemsOf(webhooks({ edge: { enabled: true, domainName: 'hooks.example.com' } }))).toEqual([
      expect.stringMatching(/^edge: domainName and certificateArn go together/),
    ]);
    expect(problemsOf(webhooks({ edge: true }))).toEqual([expect.stringMatching(/^edge: true must be \{ "enabled": true\|false/)]);
  });

  it('refuses an IP allow-list with it: behind CloudFront the API sees edge addresses, and the list would refuse every delivery', () => {
    expect(problemsOf(webhooks({ edge: { enabled: true }, allowedIps: { webcom: ['203.0.113.0/24'], 'nhncloud-sms': [] } }))).toEqual([
      expect.stringMatching(/^allowedIps\.webcom: cannot be checked behind "edge"/),
    ]);
    expect(
      read(webhooks({ edge: { enabled: false }, allowedIps: { webcom: ['203.0.113.0/24'] } })).providers.find((p) => p.id === 'webcom')?.allowedIps,
    ).toEqual(['203.0.113.0/24']);
  });
});

describe('isCidr (the one rule the credentials document uses too)', () => {
  it.each(['203.0.113.0/24', '198.51.100.7/32', '0.0.0.0/0', '2001:db8::/32', '::1/128', '203.0.113.7', '2001:db8::1'])('accepts %s', (cidr) => {
    expect(isCidr(cidr)).toBe(true);
  });
  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0/8', 'example.com/24', '10.0.0.0/-1', '10.0.0.0/ 8'])('refuses %s', (cidr) => {
    expect(isCidr(cidr)).toBe(false);
  });
});
