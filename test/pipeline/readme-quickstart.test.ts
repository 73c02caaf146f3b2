/**
 * The README's quick start, run as written: its `curl` commands (POST a receipt, then look the message up) against a
 * local pipeline, with only the port changed. The lookup must not race the consumer: the answer to the POST only
 * says "queued", so the README's lookup retries its 404 until the status is written.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LocalPipeline } from '../../local/pipeline';
import { startSqs, type TestSqs } from '../support/sqs';
import { startTestPipeline } from './support';

const README = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

/** The shell commands of the first bash block after "With `npm start` running", continuation lines joined. */
function quickStartCommands(): string[] {
  const from = README.indexOf('With `npm start` running');
  const block = /```bash\n([\s\S]*?)```/.exec(README.slice(from))![1];
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '));
}

let sqs: TestSqs;
let pipeline: LocalPipeline;
beforeAll(async () => {
  sqs = await startSqs();
  // A slow consumer (a 2 s long poll, one batch at a time) makes the race the README once lost likely.
  pipeline = await startTestPipeline(sqs, { pollWaitSeconds: 2, pollerConcurrency: 1 });
});
afterAll(async () => {
  await pipeline?.stop();
  await sqs?.stop();
});

describe("README's quick start", () => {
  it('has a POST and a lookup that retries a 404 (curl -f with --retry-all-errors)', () => {
    const [post, lookup] = quickStartCommands();
    expect(post).toMatch(/^curl -s -X POST 'http:\/\/127\.0\.0\.1:3000\/webhooks\/smsgateway24\//);
    expect(lookup).toMatch(/^curl -sf --retry \d+ --retry-all-errors --retry-delay \d+ http:\/\/127\.0\.0\.1:3000\/messages\/smsgateway24\/1001$/);
  });

  it('answers the lookup with the delivered status when its commands run one right after the other', async () => {
    const script = quickStartCommands()
      .map((command) => command.replaceAll('http://127.0.0.1:3000', pipeline.url))
      .join(' && echo && ');
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { timeout: 20_000 });
    const [queued, looked] = stdout.trim().split('\n');
    expect(JSON.parse(queued)).toBeDefined();
    expect(JSON.parse(looked)).toMatchObject({ provider: 'smsgateway24', messageId: '1001', status: 'delivered', final: true });
  });
});
