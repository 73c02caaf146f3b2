import { CfnResource, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { build, synth } from './support/synth';

/** Every acknowledgement in the tree: where it is, which rule, and why. */
function acknowledgements(root: IConstruct): Array<{ node: IConstruct; rule: string; reason: string }> {
  return root.node
    .findAll()
    .flatMap((node) =>
      node.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([rule, reason]) => ({ node, rule, reason }))),
    );
}

describe('cdk-nag AwsSolutionsChecks (reliability case 16)', () => {
  it('leaves no finding unacknowledged on the stack built from cdk.json', () => {
    const { app } = synth();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('leaves no finding unacknowledged on a production stage with several subscribers and alarm e-mails', () => {
    const { app } = synth(require('./fixtures/context-production.json'));
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('leaves no finding unacknowledged with the record ingests of AWS End User Messaging (EventBridge rules, SNS subscriptions)', () => {
    const { app } = synth(require('./fixtures/context-aws-sources.json'));
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('acknowledges each finding on the one resource it concerns, with its reason', () => {
    const acks = acknowledgements(synth().app);
    expect(acks.length).toBeGreaterThan(0);
    for (const { node, rule, reason } of acks) {
      expect({ path: node.node.path, rule, isResource: CfnResource.isCfnResource(node) }).toEqual({ path: node.node.path, rule, isResource: true });
      expect(reason.length).toBeGreaterThan(60);
    }
    expect([...new Set(acks.map((a) => a.rule.replace(/^annotation::/i, '')))].sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-L1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
  });

  it('runs as a synth-time validation plugin that lets the clean stack through', () => {
    const { app } = build();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('stops the synth on a finding nobody acknowledged', () => {
    const { app, stack } = build();
    new sqs.Queue(stack, 'Careless', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS(2|3|4)/);
  });
});
