import { writeFileSync } from 'node:fs';
import { adapterFor } from '../../functions/providers';
import path from 'node:path';
import type { LocalPipeline } from '../../local/pipeline';
import { startSqs, type TestSqs } from '../support/sqs';
import { startTestPipeline, tempDir } from './support';

/** What `npm start`'s banner is built from: a provider is "configured" only when the ingest could let a request in. */
describe('local pipeline routes', () => {
  let sqs: TestSqs;
  let pipeline: LocalPipeline;
  const data = tempDir('pipeline-routes');

  beforeAll(async () => {
    sqs = await startSqs();
    const secretsFile = path.join(data.dir, 'credentials.json');
    writeFileSync(
      secretsFile,
      JSON.stringify({
        'nhncloud-sms': { headers: {} },
        smsgateway24: { allowedIps: ['127.0.0.1/32'] },
        // An account list the InnoPaaS OTP adapter cannot check: refused, so not "configured" either.
        'innopaas-otp': { headers: { UserName: ['u'], Authorization: ['p'] }, accounts: ['acme'] },
        webcom: { tokens: ['routes-test-token'] },
        // A signing key is what lets a request in for a provider that signs.
        'sinch-sms': { signingKeys: ['routes-test-secret'] },
      }),
    );
    pipeline = await startTestPipeline(sqs, { secretsFile, dataDir: data.dir });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await sqs?.stop();
    data.remove();
  });

  it('calls a provider configured only when its entry has a header, a token or a signing key', () => {
    const configured = Object.fromEntries(pipeline.routes.map((route) => [route.provider, route.configured]));
    // Only webcom's entry can let a request in; the providers the file does not name are not configured either.
    const admitted = new Set([
      'webcom',
      // A signing key is what lets a request in for a provider that signs.
      'sinch-sms',
      // No HTTP route and no credentials: IAM on AWS, the local /aws-events/ entry point under npm start.
      'aws-eum-sms',
      'aws-eum-whatsapp',
    ]);
    expect(configured).toEqual(Object.fromEntries(pipeline.routes.map((route) => [route.provider, admitted.has(route.provider)])));
    expect(Object.keys(configured)).toEqual(
      expect.arrayContaining(['innopaas-otp', 'innopaas-whatsapp', 'smsgateway24', 'nhncloud-sms', ...admitted]),
    );
  });

  it('will not start on a credentials file that is not JSON, and names the file', async () => {
    const broken = path.join(data.dir, 'broken.json');
    writeFileSync(broken, '{bad json');
    await expect(startTestPipeline(sqs, { secretsFile: broken })).rejects.toThrow(`${broken}: the credentials document is invalid: not valid JSON`);
  });

  it('refuses every request of a provider it does not call configured', async () => {
    for (const route of pipeline.routes.filter((item) => !item.configured)) {
      // Each with its own method (Kannel calls with GET only).
      const method = adapterFor(route.provider).methods?.[0] ?? 'POST';
      const response = await fetch(
        route.url,
        method === 'GET' ? { method } : { method, headers: { 'content-type': 'application/json' }, body: '{}' },
      );
      expect([route.provider, response.status]).toEqual([route.provider, 401]);
    }
  });
});
