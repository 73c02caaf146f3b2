/**
 * `npm run chaos` (docs/design.md "Reliability promises", "Runs outside the unit suite"): webhooks from every provider, with repeats and in
 * shuffled order, sent while the pipeline is killed outright and restarted, and while the queue refuses every call
 * for a while; then every message is read back, and the run fails unless each ends in its expected status.
 *
 * ```
 * load (16 connections, each webhook retried until 2xx, as providers do)
 *   │
 *   ▼ pipeline process (gateway, ingest, consumer, dynalite on disk) ── kill -9 at 30 %, restarted at once
 *   │
 *   ▼ proxy ── refuses every connection for 5 s at 60 %
 *   │
 *   ▼ fauxqs process (the queues and the topic outlive the pipeline, as SQS does)
 * ```
 *
 * `--webhooks=N` (default 3,000; `--quick` 1,000), `--seed=N`. Loopback only; everything it starts, it stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadFixtures, providerScenarios } from '../local/scenarios';
import { providerRequest, sendRequest, signingMaterial } from '../local/provider-requests';
import { usageExit } from '../scripts/cli';
import { storedStatuses } from './e2e';
import { buildWorkload, judge } from './workload';

const ROOT = path.resolve(__dirname, '..');
const CONCURRENCY = 16;
const KILL_AT = 0.3;
const REFUSE_AT = 0.6;
const REFUSE_MS = 5_000;
const DRAIN_TIMEOUT_MS = 180_000;

const say = (line: string) => void process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `entry` (TypeScript, through tsx's loader) and resolves with the JSON it prints on its first line. */
async function startChild<T>(entry: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; ready: T }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start in 60 s: ${stderr}`)), 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}: ${stderr}`));
    });
  });
  return { child, ready };
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** A TCP relay to the queue engine that can refuse every connection, new and open, for a while. */
function startProxy(target: URL): Promise<{ server: Server; endpoint: string; refuseFor(ms: number): Promise<number> }> {
  let refusing = false;
  let refused = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (refusing) {
      refused += 1;
      return void client.destroy();
    }
    const upstream = connect(Number(target.port), target.hostname);
    open.add(client);
    const close = () => {
      open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        server,
        endpoint: `http://127.0.0.1:${port}`,
        /** Resolves with the number of connections refused (those cut included). */
        async refuseFor(ms) {
          refusing = true;
          refused = open.size;
          for (const socket of open) socket.destroy();
          await sleep(ms);
          refusing = false;
          return refused;
        },
      });
    });
  });
}

/** A free loopback port, so the restarted pipeline answers at the same URL. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

const USAGE = `Send webhooks of every provider, with repeats and shuffled, while the local pipeline is killed with
SIGKILL and restarted (at 30 %) and the queue refuses every call for 5 s (at 60 %); then read every message back.
Exit 0 only when every status is right and the dead-letter queue is empty. Loopback only; it stops everything it starts.

Usage: npm run chaos [-- options]

  --quick        1,000 webhooks instead of 3,000
  --webhooks=N   how many webhooks
  --seed=N       seed of the workload (7)`;

function option(name: string, fallback: number): number {
  const given = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const value = given === undefined ? fallback : Number(given.slice(name.length + 3));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function main(): Promise<number> {
  const exit = usageExit(process.argv.slice(2), USAGE, ['--quick', '--webhooks', '--seed']);
  if (exit !== undefined) return exit;
  const quick = process.argv.includes('--quick');
  const webhooks = option('webhooks', quick ? 1_000 : 3_000);
  const seed = option('seed', 7);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'webhook-chaos-'));
  let sqs: ChildProcess | undefined;
  let pipeline: ChildProcess | undefined;
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  try {
    const engine = await startChild<{ endpoint: string }>('local/engines/serve-sqs.ts', { PORT: '0', DATA_DIR: '' });
    sqs = engine.child;
    proxy = await startProxy(new URL(engine.ready.endpoint));
    const port = await freePort();
    const startPipeline = async () => {
      const started = await startChild<{ url: string }>('bench/chaos-pipeline.ts', {
        PORT: String(port),
        DATA_DIR: dataDir,
        CHAOS_SQS_ENDPOINT: proxy!.endpoint,
      });
      pipeline = started.child;
      return started.ready.url;
    };
    const url = await startPipeline();

    const providers = Object.keys(providerScenarios);
    const fixtures = new Map(providers.map((provider) => [provider, loadFixtures(provider)]));
    const start = new Date(Date.now() - 3_600_000);
    const workload = buildWorkload({
      webhooks,
      duplicateShare: 0.1,
      seed,
      providers,
      script: (provider, n) => providerScenarios[provider].script(fixtures.get(provider)!, seed * 100_000 + n + 1, start),
    });
    say(
      `chaos: ${workload.webhooks.length} webhooks (${workload.duplicates} repeats) for ${workload.messages.length} messages, ${CONCURRENCY} connections, ${url}`,
    );

    let acknowledged = 0;
    let retries = 0;
    const chaos: Promise<void>[] = [];
    let killed = false;
    let refused = false;
    const onAcknowledged = () => {
      acknowledged += 1;
      const share = acknowledged / workload.webhooks.length;
      if (!killed && share >= KILL_AT) {
        killed = true;
        chaos.push(
          (async () => {
            say(`  ${acknowledged} acknowledged: kill -9 the pipeline (gateway and consumer, mid-batch), then restart it`);
            await stopChild(pipeline, 'SIGKILL');
            await startPipeline();
            say('  pipeline restarted');
          })(),
        );
      }
      if (!refused && share >= REFUSE_AT) {
        refused = true;
        chaos.push(
          (async () => {
            say(`  ${acknowledged} acknowledged: the queue refuses every call for ${REFUSE_MS / 1000} s`);
            const connections = await proxy!.refuseFor(REFUSE_MS);
            say(`  the queue answers again (${connections} connections cut or refused)`);
            if (connections === 0) throw new Error('nothing reached the queue through the proxy: the refusal tested nothing');
          })(),
        );
      }
    };

    /** Sends one webhook until it is answered 2xx, as a provider retries; anything but 503 or no answer is a bug. */
    const deliver = async (index: number) => {
      const webhook = workload.webhooks[index];
      for (let attempt = 1; ; attempt++) {
        // Signed afresh on each try, as a provider does (a signed timestamp must stay within the tolerance).
        const request = await providerRequest(webhook, { baseUrl: url, material: signingMaterial(webhook.provider) });
        const status = await sendRequest(request, { signal: AbortSignal.timeout(10_000) }).then(
          (response) => response.arrayBuffer().then(() => response.status),
          () => 0,
        );
        if (status >= 200 && status < 300) return onAcknowledged();
        if (status !== 0 && status !== 503) throw new Error(`webhook ${index} (${webhook.provider}) answered ${status}`);
        if (attempt === 200) throw new Error(`webhook ${index} (${webhook.provider}) was never acknowledged`);
        retries += 1;
        await sleep(Math.min(2_000, 100 * attempt));
      }
    };
    let next = 0;
    const sent = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < workload.webhooks.length) await deliver(next++);
      }),
    );
    await Promise.all(chaos);
    say(`  every webhook acknowledged in ${((Date.now() - sent) / 1000).toFixed(1)} s, after ${retries} retries (503 or no answer)`);

    // Drained: nothing visible or in flight on the events queue twice in a row (the killed consumer's batches come
    // back after the visibility timeout).
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    let quiet = 0;
    let health: { queues?: { events?: { visible: number; inFlight: number }; deadLetters?: { visible: number; inFlight: number } } } = {};
    while (quiet < 2) {
      if (Date.now() > deadline) throw new Error('the events queue did not drain in time');
      await sleep(1_000);
      health = (await (await fetch(`${url}/health`)).json()) as typeof health;
      const events = health.queues?.events;
      quiet = events && events.visible + events.inFlight === 0 ? quiet + 1 : 0;
    }
    const deadLetters = (health.queues?.deadLetters?.visible ?? 0) + (health.queues?.deadLetters?.inFlight ?? 0);

    const verdict = judge(workload.messages, await storedStatuses(url, workload.messages));
    say(`  ${workload.messages.length} messages read back: lost ${verdict.lost}, wrong status ${verdict.wrongStatus}; dead letters ${deadLetters}`);
    for (const example of verdict.examples) say(`    ${example}`);
    const ok = verdict.lost === 0 && verdict.wrongStatus === 0 && deadLetters === 0;
    say(ok ? 'chaos: every status correct' : 'chaos: FAILED');
    return ok ? 0 : 1;
  } finally {
    await stopChild(pipeline);
    await new Promise((resolve) => (proxy ? proxy.server.close(resolve) : resolve(undefined)));
    await stopChild(sqs);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
