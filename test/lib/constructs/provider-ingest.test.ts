/**
 * The one test that really bundles (the others skip it): one provider's ingest function, built the way
 * `cdk synth` builds it, with the local esbuild.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { providers } from '../../../functions/providers';
import { providerDescriptors, readPipelineConfig } from '../../../lib/config';
import { WebhookIngestionStack } from '../../../lib/webhook-ingestion-stack';
import { logicalIdOf } from '../support/synth';

let outdir: string;
let bundle: string;
let sourceMapPath: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'cdk-bundle-'));
  // Bundling on (the stack's own name in bundling-stacks), one provider, no subscribers: three esbuild runs.
  const app = new App({
    outdir,
    context: { webhooks: { providers: ['nhncloud-sms'] }, 'aws:cdk:bundling-stacks': ['WebhookIngestion-dev'] },
  });
  const config = readPipelineConfig((key) => app.node.tryGetContext(key), providerDescriptors(providers));
  const stack = new WebhookIngestionStack(app, 'WebhookIngestion-dev', { config });
  const template = Template.fromStack(stack);
  const fn = template.toJSON().Resources[logicalIdOf(template, 'AWS::Lambda::Function', 'IngestnhncloudsmsIngestFunction')];
  const assetDir = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
  bundle = readFileSync(join(assetDir, 'index.js'), 'utf8');
  sourceMapPath = join(assetDir, 'index.js.map');
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Which of `needles` the bundle contains (short output on failure, unlike printing a 500 kB bundle). */
const found = (...needles: string[]) => needles.filter((needle) => bundle.includes(needle));

describe('ingest function bundle', () => {
  it("carries its own provider's adapter and none of the others", () => {
    expect(found('X-Toast-Webhook-Signature', 'MESSAGE_RESULT_UPDATE')).toHaveLength(2);
    // What only the other adapters hold: Webcom's XML parser, InnoPaaS WhatsApp's and SmsGateway24's event names.
    expect(found('XMLParser', 'whatsapp_message_status_updated', 'status_message', 'id_sms')).toEqual([]);
  });

  it("bundles the AWS SDK clients it uses instead of requiring the runtime's copy", () => {
    expect(found('SendMessageBatch')).toEqual(['SendMessageBatch']);
    // (Optional signers the SDK probes for inside a try, such as @aws-sdk/signature-v4-crt, stay requires.)
    expect(bundle.match(/require\(["']@aws-sdk\/(client-[^"']+|lib-dynamodb)["']\)/g)).toBeNull();
  });

  it('reads its secret through the Parameters and Secrets extension and leaves the Secrets Manager client out', () => {
    expect(found('X-Aws-Parameters-Secrets-Token', '/secretsmanager/get?secretId=')).toHaveLength(2);
    expect(found('GetSecretValueCommand', 'secretsmanager.GetSecretValue', 'SecretsManagerClient')).toEqual([]);
  });

  it('is minified, with a source map beside it', () => {
    // Minified: a few very long lines (the line breaks left are inside template literals).
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(2000);
    expect(bundle.slice(-40)).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
    expect(existsSync(sourceMapPath)).toBe(true);
  });
});
