#!/usr/bin/env node
/**
 * The CDK app: one `WebhookIngestionStack` per stage, configured from `cdk.json` context (`webhooks`, see
 * lib/config.ts and docs/deploy.md), with cdk-nag's AWS Solutions checks run on every synth.
 *
 *   npx cdk synth                 # stage from cdk.json (default dev)
 *   npx cdk deploy -c stage=prod  # the same app, another stage
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { providers } from '../functions/providers';
import { providerDescriptors, readPipelineConfig } from '../lib/config';
import { WebhookIngestionStack } from '../lib/webhook-ingestion-stack';

const app = new App();
const config = readPipelineConfig((key) => app.node.tryGetContext(key), providerDescriptors(providers));

const stack = new WebhookIngestionStack(app, `WebhookIngestion-${config.stage}`, {
  config,
  // Environment-agnostic on purpose: the account and region come from the caller's credentials at deploy time.
});
Tags.of(stack).add('project', 'webhook-ingestion');
Tags.of(stack).add('stage', config.stage);

// cdk-nag 3 is a validation plugin (the v2 `Aspects.of(app).add(...)` call crashes on 3.x). Findings are errors
// that stop the synth; each accepted one is acknowledged next to the resource, with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
