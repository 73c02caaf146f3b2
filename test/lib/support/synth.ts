/**
 * Builds the stack the way bin/app.ts does, from a `webhooks` context, with bundling skipped so a template takes
 * a second instead of seven esbuild runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { providers } from '../../../functions/providers';
import { providerDescriptors, readPipelineConfig, type PipelineConfig } from '../../../lib/config';
import { WebhookIngestionStack } from '../../../lib/webhook-ingestion-stack';

export interface Synthesized {
  readonly app: App;
  readonly stack: WebhookIngestionStack;
  readonly template: Template;
  readonly config: PipelineConfig;
}

let assemblies: string | undefined;
// Registered when a suite imports this file (hooks cannot be added once its tests run).
afterAll(() => {
  if (assemblies !== undefined) rmSync(assemblies, { recursive: true, force: true });
  assemblies = undefined;
});

/**
 * A CDK app whose cloud assembly goes to a folder this suite removes when it ends: an app without `outdir` writes
 * one into the system's temporary folder per synth and never removes it.
 */
export function testApp(props: AppProps = {}): App {
  assemblies ??= mkdtempSync(path.join(tmpdir(), 'cdk-test-'));
  return new App({ outdir: mkdtempSync(path.join(assemblies, 'cdk.out-')), ...props });
}

/** The context shipped in cdk.json. */
export function shippedContext(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../../cdk.json') as { context: Record<string, unknown> }).context;
}

/** The app and stack, not yet synthesized (so a test may still add to the tree). */
export function build(context: Record<string, unknown> = shippedContext()): Omit<Synthesized, 'template'> {
  const app = testApp({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const config = readPipelineConfig((key) => app.node.tryGetContext(key), providerDescriptors(providers));
  const stack = new WebhookIngestionStack(app, `WebhookIngestion-${config.stage}`, { config });
  return { app, stack, config };
}

export function synth(context: Record<string, unknown> = shippedContext()): Synthesized {
  const built = build(context);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** Resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, any>; [k: string]: any }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, any> }>;
}

/** The logical id of the one resource of `type` whose path (construct id) contains `fragment`. */
export function logicalIdOf(template: Template, type: string, fragment: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(fragment));
  if (ids.length !== 1) throw new Error(`expected one ${type} matching ${fragment}, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}
