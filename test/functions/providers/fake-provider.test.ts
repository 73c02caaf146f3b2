/**
 * The promise of `docs/adding-a-provider.md`: a new signed provider is an adapter, its fixtures, a registry entry and
 * its credentials, and it then gets a verified route locally and on AWS (a function with its own secret), signed
 * simulator traffic, and its rows in the generated README table and docs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { providers } from '../../../functions/providers';
import { providerDescriptors, readPipelineConfig } from '../../../lib/config';
import { WebhookIngestionStack } from '../../../lib/webhook-ingestion-stack';
import { simulate } from '../../../local/simulate';
import { renderProviderTable } from '../../../scripts/provider-table';
import { acmeSms } from '../../support/acme-sms/adapter';
import { testApp } from '../../lib/support/synth';
import { startSqs, type TestSqs } from '../../support/sqs';
import { startTestPipeline, tempDir } from '../../pipeline/support';
import type { LocalPipeline } from '../../../local/pipeline';

const FIXTURES = path.join(__dirname, '../../support/acme-sms/events');
/** Its dev credentials: the fourth file of the checklist, here a document of its own. */
const CREDENTIALS = { 'acme-sms': { signingKeys: ['acme-dev-signing-key'] } };

describe('a fake signed provider added by the checklist', () => {
  let sqs: TestSqs;
  let pipeline: LocalPipeline;
  const data = tempDir('fake-provider');
  const secretsFile = path.join(data.dir, 'credentials.json');

  beforeAll(async () => {
    writeFileSync(secretsFile, JSON.stringify(CREDENTIALS));
    sqs = await startSqs();
    pipeline = await startTestPipeline(sqs, { secretsFile, adapters: [acmeSms] });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await sqs?.stop();
    data.remove();
  });

  it('gets a route that verifies its signature: the simulator signs its fixtures, each is answered OK and stored', async () => {
    const lines: string[] = [];
    const result = await simulate({
      provider: 'acme-sms',
      scenario: 'fixtures',
      url: pipeline.url,
      secretsFile,
      adapters: [acmeSms],
      fixturesDir: FIXTURES,
      print: (line) => lines.push(line),
    });
    expect(result.sent.map((sent) => [sent.label, sent.statusCode, sent.reply])).toEqual([
      ['status-delivered.form', 200, 'OK'],
      ['status-sent.form', 200, 'OK'],
    ]);
    await pipeline.drain();
    const stored = await (await fetch(`${pipeline.url}/messages/acme-sms/acme-1`)).json();
    expect(stored).toMatchObject({ status: 'delivered', final: true });
  });

  it('refuses a request whose signature does not match the URL it was sent to', async () => {
    const response = await fetch(`${pipeline.url}/webhooks/acme-sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-acme-signature': 'bm90IGEgc2lnbmF0dXJl' },
      body: 'id=acme-2&status=delivered',
    });
    expect(response.status).toBe(401);
  });

  it('gets a function with its own secret and its routes in the stack', () => {
    const app = testApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    const config = readPipelineConfig((key) => app.node.tryGetContext(key), [...providerDescriptors(providers), acmeSms]);
    const template = Template.fromStack(new WebhookIngestionStack(app, 'Fake', { config }));
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    expect(routes).toEqual(expect.arrayContaining(['ANY /webhooks/acme-sms', 'ANY /webhooks/acme-sms/{token}']));
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))).toContainEqual(expect.stringContaining('Ingestacmesms'));
  });

  it('gets its row in the generated provider table (README and docs/events.md)', () => {
    const table = renderProviderTable({ ...providers, 'acme-sms': acmeSms });
    expect(table).toContain('| Acme SMS (`acme-sms`) | signature: `hmac-sha256 x-acme-signature` | `status` | `sms` | `message.status` |');
  });
});
