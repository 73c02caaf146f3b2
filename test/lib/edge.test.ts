/**
 * The optional CloudFront distribution in front of the API (`edge` in the context; docs/deploy.md "Request size"):
 * off by default with the template untouched; on, every request forwarded to the API as it came, never cached, a
 * body over the ingest's cap answered 413 by the viewer-request function, and the providers given its URL.
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import { Validations } from 'aws-cdk-lib';
import { httpProviderIds } from '../../functions/providers';
import { bodyGuardSource } from '../../lib/constructs/body-guard';
import { ENV, INGEST } from '../../lib/pipeline-settings';
import { pascalCase } from '../../lib/config';
import { build, resourcesOf, shippedContext, synth, type Synthesized } from './support/synth';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f';
const ACL = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/webhooks/0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f';
/** CloudFront's managed policies (CloudFront guide, "Use managed cache policies" / "managed origin request policies"). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

/** The shipped cdk.json context with `edge` (and any other key) set. */
function withEdge(edge: Record<string, unknown>, more: Record<string, unknown> = {}): Record<string, unknown> {
  const shipped = shippedContext();
  return { ...shipped, webhooks: { ...(shipped.webhooks as object), edge, ...more } };
}

const only = <T>(record: Record<string, T>): [string, T] => {
  const entries = Object.entries(record);
  if (entries.length !== 1) throw new Error(`expected one, found ${entries.length}`);
  return entries[0];
};
const distributionOf = (s: Synthesized) => only(resourcesOf(s.template, 'AWS::CloudFront::Distribution'));
const ingestFunctions = (s: Synthesized) =>
  Object.entries(resourcesOf(s.template, 'AWS::Lambda::Function')).filter(([, fn]) => fn.Properties.Environment?.Variables?.[ENV.providerId]);

/** Resource-to-resource references (Ref, GetAtt, DependsOn) of a template, and any cycle among them. */
function dependencyCycles(resources: Record<string, any>): string[] {
  const collect = (value: unknown, out: Set<string>): void => {
    if (Array.isArray(value)) for (const item of value) collect(item, out);
    else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (typeof object.Ref === 'string') out.add(object.Ref);
      if (Array.isArray(object['Fn::GetAtt'])) out.add(object['Fn::GetAtt'][0] as string);
      for (const item of Object.values(object)) collect(item, out);
    }
  };
  const edges = new Map(
    Object.entries(resources).map(([id, resource]) => {
      const out = new Set<string>();
      collect(resource.Properties, out);
      for (const dependency of [resource.DependsOn ?? []].flat()) out.add(dependency);
      return [id, [...out].filter((target) => target in resources)];
    }),
  );
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'open') return void cycles.push([...path, id].join(' -> '));
    state.set(id, 'open');
    for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
    state.set(id, 'done');
  };
  for (const id of edges.keys()) visit(id, []);
  return cycles;
}

let off: Synthesized;
let on: Synthesized;
beforeAll(() => {
  off = synth();
  on = synth(withEdge({ enabled: true }));
});

describe('edge off (the default)', () => {
  it('leaves the template exactly as it is without the key: no distribution, no function, no public base URL', () => {
    expect(synth(withEdge({ enabled: false })).template.toJSON()).toEqual(off.template.toJSON());
    expect(resourcesOf(off.template, 'AWS::CloudFront::Distribution')).toEqual({});
    expect(resourcesOf(off.template, 'AWS::CloudFront::Function')).toEqual({});
    for (const [, fn] of ingestFunctions(off)) expect(fn.Properties.Environment.Variables[ENV.publicBaseUrl]).toBeUndefined();
  });
});

describe('edge on', () => {
  it('runs the body guard, as tested, at the cap the ingest enforces, on the cloudfront-js-2.0 runtime, published', () => {
    const [, fn] = only(resourcesOf(on.template, 'AWS::CloudFront::Function'));
    expect(fn.Properties.FunctionCode).toBe(bodyGuardSource(INGEST.maxBodyBytes));
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect(fn.Properties.AutoPublish).toBe(true);
    const [, distribution] = distributionOf(on);
    const [functionId] = only(resourcesOf(on.template, 'AWS::CloudFront::Function'));
    expect(distribution.Properties.DistributionConfig.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
  });

  it('forwards every method, header but Host, query string and body to the API over TLS 1.2, and caches nothing', () => {
    const [, distribution] = distributionOf(on);
    const config = distribution.Properties.DistributionConfig;
    expect(config.DefaultCacheBehavior).toMatchObject({
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      ViewerProtocolPolicy: 'https-only',
      Compress: false,
    });
    expect(config.CacheBehaviors).toBeUndefined();
    const [apiId] = only(resourcesOf(on.template, 'AWS::ApiGatewayV2::Api'));
    expect(config.Origins).toEqual([
      {
        Id: config.DefaultCacheBehavior.TargetOriginId,
        DomainName: { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }] }] },
        CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
      },
    ]);
    expect(config.PriceClass).toBe('PriceClass_All');
  });

  it('tells every ingest function the distribution URL, which URL-signed schemes verify against, unless publicBaseUrl says otherwise', () => {
    const [distributionId] = distributionOf(on);
    const functions = ingestFunctions(on);
    expect(functions).toHaveLength(httpProviderIds.length);
    for (const [, fn] of functions) {
      expect(fn.Properties.Environment.Variables[ENV.publicBaseUrl]).toEqual({
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]],
      });
    }
    const proxied = synth(withEdge({ enabled: true }, { publicBaseUrl: 'https://hooks.example.com' }));
    for (const [, fn] of ingestFunctions(proxied)) expect(fn.Properties.Environment.Variables[ENV.publicBaseUrl]).toBe('https://hooks.example.com');
  });

  it('gives providers the distribution URL in the stack outputs, and keeps the API URL (the lookup is signed for its host)', () => {
    const outputs = on.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const [distributionId] = distributionOf(on);
    const edgeUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] };
    expect(outputs.EdgeUrl.Value).toEqual(edgeUrl);
    expect(outputs.ApiUrl.Value).toEqual((off.template.toJSON().Outputs as Record<string, { Value: unknown }>).ApiUrl.Value);
    for (const id of httpProviderIds) {
      const value = JSON.stringify(outputs[`WebhookUrl${pascalCase(id)}`].Value);
      expect(value).toContain(`"Fn::GetAtt":["${distributionId}","DomainName"]`);
      expect(value).toContain(`/webhooks/${id}`);
    }
    expect(JSON.stringify(outputs.LookupUrlPattern.Value)).not.toContain(distributionId);
  });

  it('serves a name of your own with its us-east-1 certificate at TLS 1.2, behind a web ACL, and gives providers that name', () => {
    const named = synth(
      withEdge({ enabled: true, domainName: 'hooks.example.com', certificateArn: CERT, webAclArn: ACL, priceClass: 'PriceClass_100' }),
    );
    const [, distribution] = distributionOf(named);
    expect(distribution.Properties.DistributionConfig).toMatchObject({
      Aliases: ['hooks.example.com'],
      ViewerCertificate: { AcmCertificateArn: CERT, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      WebACLId: ACL,
      PriceClass: 'PriceClass_100',
    });
    for (const [, fn] of ingestFunctions(named)) expect(fn.Properties.Environment.Variables[ENV.publicBaseUrl]).toBe('https://hooks.example.com');
    expect((named.template.toJSON().Outputs as Record<string, { Value: unknown }>).EdgeUrl.Value).toBe('https://hooks.example.com/');
  });

  it('has no dependency cycle, though the functions name the distribution and the distribution names the API', () => {
    expect(dependencyCycles(on.template.toJSON().Resources)).toEqual([]);
  });
});

describe('cdk-nag with the edge on', () => {
  const findings = (context: Record<string, unknown>) => {
    const { app } = synth(context);
    return new AwsSolutionsChecks()
      .validateScope(app)
      .violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
  };
  const acknowledged = (s: Pick<Synthesized, 'stack'>): string[] =>
    (s.stack.node.findChild('Edge').node.findChild('Distribution').node.defaultChild?.node.metadata ?? [])
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as object).map((rule) => rule.replace(/^annotation::/i, '')))
      .sort();

  it('leaves no finding unacknowledged, with the default certificate and no web ACL, or with both', () => {
    expect(findings(withEdge({ enabled: true }))).toEqual([]);
    expect(findings(withEdge({ enabled: true, domainName: 'hooks.example.com', certificateArn: CERT, webAclArn: ACL }))).toEqual([]);
  });

  it('acknowledges on the distribution only what the configuration leaves open: TLS floor and WAF only when they are not set', () => {
    expect(acknowledged(build(withEdge({ enabled: true })))).toEqual([
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR3',
      'AwsSolutions-CFR4',
    ]);
    expect(acknowledged(build(withEdge({ enabled: true, domainName: 'hooks.example.com', certificateArn: CERT, webAclArn: ACL })))).toEqual([
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR3',
    ]);
  });
});
