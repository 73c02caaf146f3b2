import { Template } from 'aws-cdk-lib/assertions';
import { Fact, FactName } from 'aws-cdk-lib/region-info';
import { httpProviderIds, providers } from '../../../functions/providers';
import { providerDescriptors, readPipelineConfig } from '../../../lib/config';
import { paramsAndSecretsRegions } from '../../../lib/constructs/params-and-secrets-region';
import { FUNCTION_DEFAULTS, PARAMS_AND_SECRETS_EXTENSION } from '../../../lib/defaults';
import { WebhookIngestionStack } from '../../../lib/webhook-ingestion-stack';
import { shippedContext, testApp } from '../support/synth';

/** The stack of cdk.json, bundling skipped, in `region` (environment-agnostic when undefined). */
function stackIn(region: string | undefined): WebhookIngestionStack {
  const app = testApp({ context: { ...shippedContext(), 'aws:cdk:bundling-stacks': [] } });
  const config = readPipelineConfig((key) => app.node.tryGetContext(key), providerDescriptors(providers));
  return new WebhookIngestionStack(app, 'WebhookIngestion-dev', { config, ...(region ? { env: { account: '123456789012', region } } : {}) });
}

const layerFact = FactName.paramsAndSecretsLambdaLayer(PARAMS_AND_SECRETS_EXTENSION.version, FUNCTION_DEFAULTS.architecture.name);

describe('the Parameters and Secrets extension in every region the stack deploys to', () => {
  const regions = paramsAndSecretsRegions();

  it('lists the commercial regions where the layer of our version and architecture is known, and only those', () => {
    expect(regions).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-northeast-2']));
    for (const region of regions) expect(Fact.find(region, layerFact)).toMatch(/^arn:aws:lambda:/);
    expect(regions.some((region) => region.startsWith('cn-') || region.startsWith('us-gov-'))).toBe(false);
  });

  it("synthesizes in a region that has the layer, with that region's layer on every ingest function", () => {
    const template = Template.fromStack(stackIn('eu-west-1'));
    const layers = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((fn) => (fn.Properties as { Layers?: string[] }).Layers)
      .filter((list): list is string[] => list !== undefined);
    expect(layers.length).toBe(httpProviderIds.length);
    for (const list of layers) expect(list).toEqual([Fact.find('eu-west-1', layerFact)]);
  });

  it('fails the synth in a commercial region without the layer, naming the regions that have it', () => {
    const without = 'ap-southeast-5';
    expect(regions).not.toContain(without);
    expect(() => stackIn(without)).toThrow(`The stack cannot be deployed to ${without}`);
    expect(() => stackIn(without)).toThrow(regions.join(', '));
  });

  it('environment-agnostic, asks CloudFormation to refuse any other region before it creates anything', () => {
    const template = Template.fromStack(stackIn(undefined));
    const rule = template.toJSON().Rules.ParamsAndSecretsExtensionRegion;
    expect(rule.Assertions).toEqual([
      {
        Assert: { 'Fn::Contains': [regions, { Ref: 'AWS::Region' }] },
        AssertDescription: expect.stringContaining(regions.join(', ')),
      },
    ]);
  });
});
