import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
/** What `npm start` runs (test/local/start.test.ts checks that package.json says so). */
const START_ARGS = ['--import', 'tsx', 'local/start.ts'];
const WEBHOOKS = 300;
const SMS_GATEWAY_URL_PATH = '/webhooks/smsgateway24/dev-smsgateway24-token-0123456789abcdef';

interface Started {
  readonly child: ChildProcess;
  output(): string;
  errors(): string;
}

/** `npm start` on a free port and `dataDir`, in its own process group, as a terminal would run it. */
function startNpmStart(dataDir: string): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir };
  delete env.WEBHOOK_SECRETS_FILE;
  delete env.POWERTOOLS_LOG_LEVEL;
  const child = spawn(process.execPath, START_ARGS, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return { child, output: () => output, errors: () => errors };
}

function gatewayUrl(started: Started): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = /Gateway: (http:\/\/127\.0\.0\.1:\d+)/.exec(started.output());
      if (match && started.output().includes('Ctrl-C')) {
        started.child.stdout?.off('data', check);
        resolve(match[1]);
      }
    };
    started.child.stdout?.on('data', check);
    started.child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${started.output()}\n${started.errors()}`)));
    check();
  });
}

async function killGroup(started: Started | undefined, signal: NodeJS.Signals): Promise<number | null> {
  const child = started?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = once(child, 'exit');
  process.kill(-child.pid!, signal);
  return ((await exited) as [number | null])[0];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A 2xx from `npm start` is on disk before it is sent, so `kill -9` of the
 * whole process group right after the answers loses nothing: the next start on the same DATA_DIR applies it.
 */
describe('npm start, killed with SIGKILL right after answering', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'npm-start-kill-'));
  let running: Started | undefined;
  afterAll(async () => {
    await killGroup(running, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second npm start on the same DATA_DIR, naming the running one', async () => {
    running = startNpmStart(dataDir);
    const url = await gatewayUrl(running);
    const second = startNpmStart(dataDir);
    const [code] = (await once(second.child, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    expect(second.errors()).toContain(`npm start is already running on ${dataDir} (pid ${running.child.pid}, ${url})`);
    expect(second.errors()).not.toMatch(/\n\s+at /);
    // The first one is untouched by it.
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('applies after the next start every webhook it answered 2xx before the kill', async () => {
    const url = await gatewayUrl(running!);
    const acknowledged: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < WEBHOOKS) {
          const smsId = 970_000 + next++;
          const response = await fetch(`${url}${SMS_GATEWAY_URL_PATH}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ sms_id: smsId, status_id: 7, status_message: 'delivered', senttime: '2024-12-12 14:38:01', sim: 0 }),
          });
          if (response.status === 200) acknowledged.push(smsId);
        }
      }),
    );
    expect(acknowledged).toHaveLength(WEBHOOKS);
    // No drain, no close: the gateway, the consumer and both engines die in the middle of whatever they were doing.
    expect(await killGroup(running, 'SIGKILL')).toBeNull();

    running = startNpmStart(dataDir);
    const again = await gatewayUrl(running);
    let missing = acknowledged;
    for (let round = 0; round < 120 && missing.length > 0; round++) {
      if (round > 0) await sleep(500);
      const stillMissing: number[] = [];
      for (const smsId of missing) {
        const response = await fetch(`${again}/messages/smsgateway24/${smsId}`);
        const body = (await response.json()) as { status?: string };
        if (response.status !== 200 || body.status !== 'delivered') stillMissing.push(smsId);
      }
      missing = stillMissing;
    }
    expect(missing).toEqual([]);
    expect(await killGroup(running, 'SIGINT')).toBe(0);
  }, 150_000);
});
