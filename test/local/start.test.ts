import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { providerIds } from '../../functions/providers';

const ROOT = path.resolve(__dirname, '../..');

/** `npm start` itself (tsx local/start.ts), as a newcomer runs it, on a free port and a temporary DATA_DIR. */
describe('npm start', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'npm-start-'));
  let child: ChildProcess;
  let output = '';
  let errors = '';

  const waitFor = (pattern: RegExp, timeoutMs = 45_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in time; stdout:\n${output}\nstderr:\n${errors}`)), timeoutMs);
      const check = () => {
        const match = output.match(pattern);
        if (match) {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          resolve(match);
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => reject(new Error(`exited with ${code}; stdout:\n${output}\nstderr:\n${errors}`)));
      check();
    });

  beforeAll(() => {
    const tsxCli = require.resolve('tsx/cli', { paths: [ROOT] });
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir };
    delete env.WEBHOOK_SECRETS_FILE;
    delete env.POWERTOOLS_METRICS_DISABLED;
    delete env.POWERTOOLS_LOG_LEVEL;
    // Its own process group, so the test can signal it the way a terminal's Ctrl-C does: the whole group at once.
    child = spawn(process.execPath, [tsxCli, 'local/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  });
  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGKILL');
      await once(child, 'exit');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints every provider URL, the dev credentials and a curl example, answers /health, and drains and exits 0 on Ctrl-C', async () => {
    const [, url] = await waitFor(/Gateway: (http:\/\/127\.0\.0\.1:\d+)/);
    await waitFor(/Ctrl-C/);
    for (const provider of providerIds) expect(output).toContain(`${url}/webhooks/${provider}`);
    expect(output).toMatch(/DEV credentials/);
    expect(output).toContain('dev-webcom-token-0123456789abcdef');
    expect(output).toMatch(/curl -s -X POST/);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(true);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    await waitFor(/GET\s+\/health\s+200/);

    // A webhook through ingest and the consumer: both count metrics and log, none of which may reach the console.
    const webhook = await fetch(`${url}/webhooks/webcom/dev-webcom-token-0123456789abcdef`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<response><state id_sms="77001" time="2024-05-14 10:21:07" sms="deliver">deliver</state></response>',
    });
    expect(webhook.status).toBe(200);
    await waitFor(/POST\s+\/webhooks\/webcom\/\*\*\*\s+200/);
    expect(output).not.toContain('dev-webcom-token-0123456789abcdef/');

    // Ctrl-C under npm and tsx can reach the server twice a moment apart: that must still drain, not abort.
    const exited = once(child, 'exit');
    process.kill(-child.pid!, 'SIGINT');
    process.kill(-child.pid!, 'SIGINT');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(output).toMatch(/stopped\./);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
  });

  it('keeps EMF metric records and function logs off the console', () => {
    expect(output).toMatch(/POST\s+\/webhooks\/webcom/);
    expect(output).not.toContain('"_aws"');
    expect(output).not.toMatch(/"level":"(INFO|WARN)"/);
  });
});
