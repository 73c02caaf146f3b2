import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpProviderIds, recordProviderIds } from '../../functions/providers';
import { LOCK_FILE_NAME } from '../../local/data-dir-lock';

const ROOT = path.resolve(__dirname, '../..');

/** What `npm start` runs: node with tsx as a loader, one process (no wrapper that could kill it mid-drain). */
const START_ARGS = ['--import', 'tsx', 'local/start.ts'];

/** `npm start` itself, as a newcomer runs it, on a free port and a temporary DATA_DIR. */
describe('npm start', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'npm-start-'));
  let child: ChildProcess;
  let output = '';
  let errors = '';
  const acknowledged: number[] = [];

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

  const start = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir };
    delete env.WEBHOOK_SECRETS_FILE;
    delete env.POWERTOOLS_METRICS_DISABLED;
    delete env.POWERTOOLS_LOG_LEVEL;
    output = '';
    errors = '';
    // Its own process group, so the test can signal it the way a terminal's Ctrl-C does: the whole group at once.
    child = spawn(process.execPath, START_ARGS, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  };

  beforeAll(start);
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
    for (const provider of httpProviderIds) expect(output).toContain(`${url}/webhooks/${provider}`);
    for (const provider of recordProviderIds) expect(output).toContain(`${url}/aws-events/${provider}`);
    expect(output).toMatch(/DEV credentials/);
    expect(output).toContain('dev-webcom-token-0123456789abcdef');
    expect(output).toMatch(/curl -s -X POST/);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({ pid: child.pid, url });

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

    // A burst of webhooks, then Ctrl-C at once: what was acknowledged must be drained into the table (next test).
    const responses = await Promise.all(
      Array.from({ length: 150 }, (_, index) => 880_000 + index).map(async (smsId) => {
        const response = await fetch(`${url}/webhooks/smsgateway24/dev-smsgateway24-token-0123456789abcdef`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sms_id: smsId, status_id: 7, status_message: 'delivered', senttime: '2024-12-12 14:38:01', sim: 0 }),
        });
        return [smsId, response.status] as const;
      }),
    );
    for (const [smsId, status] of responses) if (status === 200) acknowledged.push(smsId);
    expect(acknowledged).toHaveLength(150);

    // Ctrl-C can reach the server twice a moment apart (a wrapper relaying it): that must still drain, not abort.
    const exited = once(child, 'exit');
    process.kill(-child.pid!, 'SIGINT');
    process.kill(-child.pid!, 'SIGINT');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(output).toMatch(/stopped\./);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
    expect(existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(false);
  });

  it('keeps EMF metric records and function logs off the console', () => {
    expect(output).toMatch(/POST\s+\/webhooks\/webcom/);
    expect(output).not.toContain('"_aws"');
    expect(output).not.toMatch(/"level":"(INFO|WARN)"/);
  });

  it('has drained every acknowledged webhook into the table, as the next start shows', async () => {
    expect(acknowledged.length).toBeGreaterThan(0);
    start();
    const [, url] = await waitFor(/Gateway: (http:\/\/127\.0\.0\.1:\d+)/);
    const missing: number[] = [];
    for (const smsId of acknowledged) {
      const response = await fetch(`${url}/messages/smsgateway24/${smsId}`);
      if (response.status !== 200) missing.push(smsId);
    }
    expect(missing).toEqual([]);
    const exited = once(child, 'exit');
    process.kill(-child.pid!, 'SIGINT');
    expect(((await exited) as [number | null])[0]).toBe(0);
  });

  it('is what package.json runs for npm start', () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`node ${START_ARGS.join(' ')}`);
  });
});
