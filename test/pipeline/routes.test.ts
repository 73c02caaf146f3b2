import { writeFileSync } from 'node:fs';
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
      }),
    );
    pipeline = await startTestPipeline(sqs, { secretsFile, dataDir: data.dir });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await sqs?.stop();
    data.remove();
  });

  it('calls a provider configured only when its entry has a header or a token', () => {
    const configured = Object.fromEntries(pipeline.routes.map((route) => [route.provider, route.configured]));
    expect(configured).toEqual({
      'innopaas-otp': false,
      'innopaas-whatsapp': false,
      webcom: true,
      smsgateway24: false,
      'nhncloud-sms': false,
      // No HTTP route and no credentials: IAM on AWS, the local /aws-events/ entry point under npm start.
      'aws-eum-sms': true,
      'aws-eum-whatsapp': true,
    });
  });

  it('will not start on a credentials file that is not JSON, and names the file', async () => {
    const broken = path.join(data.dir, 'broken.json');
    writeFileSync(broken, '{bad json');
    await expect(startTestPipeline(sqs, { secretsFile: broken })).rejects.toThrow(
      `${broken}: the credentials document is invalid: not valid JSON`,
    );
  });

  it('refuses every request of a provider it does not call configured', async () => {
    for (const route of pipeline.routes.filter((item) => !item.configured)) {
      const response = await fetch(route.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect([route.provider, response.status]).toEqual([route.provider, 401]);
    }
  });
});
