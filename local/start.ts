/**
 * `npm start`: the whole pipeline on this machine (see `local/pipeline.ts`), configured from the environment:
 *
 * - `PORT` (3000; 0 picks a free port), `DATA_DIR` (`.data/`: the table and the queues on disk, the lock that keeps
 *   a second `npm start` off them, and `runtime.json` for `npm run tail` and `npm run simulate`),
 *   `WEBHOOK_SECRETS_FILE` (`config/credentials.dev.json`),
 *   `MAX_BODY_BYTES` (256 KiB, the gateway's and the ingest handlers' cap).
 * - `POWERTOOLS_LOG_LEVEL` (ERROR): the functions' structured logs; the console otherwise shows one line per
 *   request. `POWERTOOLS_METRICS_DISABLED` (true): set it to `false` to see the EMF metric records.
 *
 * It prints each provider's URL and credentials (values only for the public dev file), and a curl example. On
 * SIGINT or SIGTERM it stops taking requests, drains the events queue into the table and exits 0; a second
 * signal exits at once with 1. Whatever it acknowledged and had not applied yet (after a second signal, a crash or
 * a `kill -9`) is on disk under `DATA_DIR` and is applied after the next start.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { usageExit } from '../scripts/cli';
import { DataDirInUseError, lockDataDir, type DataDirLock } from './data-dir-lock';
import path from 'node:path';
import { ENV, INGEST, TABLE } from '../lib/pipeline-settings';
import { getNumberFromEnv, getStringFromEnv } from '../functions/core/env';
import { messageIdSegment } from '../functions/lookup/messageId';
import { DEV_SECRETS_FILE, providerScenarios, loadFixtures } from './scenarios';
import type { LocalPipeline, ProviderRoute } from './pipeline';
import type { RuntimeFile } from './tail';
import type { AccessLogEntry } from './gateway';

const write = (line = '') => void process.stdout.write(`${line}\n`);

/** `'` inside single quotes, for a curl line a shell accepts as is. */
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function describeRoute(route: ProviderRoute, showValues: boolean): string[] {
  const url = showValues ? route.url : route.url.replace(/(\/webhooks\/[^/]+\/).+$/, '$1<token>');
  const lines = [`  ${route.provider.padEnd(18)} ${route.methods.join('|').padEnd(8)} ${url}`];
  if (!route.configured) {
    lines.push(`  ${''.padEnd(18)} no credentials configured: every request is refused (401)`);
    return lines;
  }
  if (route.authentication === 'iam') {
    lines.push(`  ${''.padEnd(18)} an EventBridge event or SNS notification as AWS delivers it (local only; IAM on AWS)`);
    return lines;
  }
  const headers = Object.entries(route.headers).map(([name, value]) => `${name}: ${showValues ? value : '<from the secrets file>'}`);
  if (headers.length > 0) lines.push(`  ${''.padEnd(18)} headers  ${headers.join('   ')}`);
  // Signed with the secrets file's signingKeys: `npm run simulate -- <provider>` signs as the provider does.
  if (route.signedBy)
    lines.push(`  ${''.padEnd(18)} signed   ${route.signedBy.join(', ')} (npm run simulate -- ${route.provider} signs its requests)`);
  return lines;
}

/** A first callback a newcomer can paste: the SmsGateway24 script's final status (a URL-token provider, plain JSON). */
function curlExample(pipeline: LocalPipeline, showValues: boolean): string[] {
  const route = pipeline.routes.find((item) => item.provider === 'smsgateway24') ?? pipeline.routes[0];
  const script = providerScenarios[route.provider]?.script(loadFixtures(route.provider), 1001, new Date());
  const callback = script?.callbacks.at(-1);
  if (!script || !callback) return [];
  const url = showValues ? route.url : route.url.replace(/(\/webhooks\/[^/]+\/).+$/, '$1<token>');
  const headers = Object.entries(route.headers).map(([name, value]) => ` -H ${shellQuote(`${name}: ${showValues ? value : '<value>'}`)}`);
  return [
    'Try it:',
    `  curl -s -X POST ${shellQuote(url)} -H ${shellQuote(`content-type: ${callback.contentType}`)}${headers.join('')} \\`,
    `    -d ${shellQuote(callback.body.replace(/\s*\n\s*/g, ' '))}`,
    // The 2xx only says "queued": the lookup retries its 404 until the consumer has written the status.
    `  curl -sf --retry 5 --retry-all-errors --retry-delay 1 ${pipeline.url}/messages/${route.provider}/${messageIdSegment(script.messageId)}`,
    `  npm run simulate -- all all        # every provider, in order, shuffled and duplicated`,
  ];
}

/** One console line per request; a refused one says why (which check, which header: never a value). */
function accessLine(entry: AccessLogEntry): string {
  const reason = entry.reason ? `  ${entry.reason}` : '';
  return `${new Date().toISOString().slice(11, 23)}  ${entry.method.padEnd(4)} ${entry.path}  ${entry.statusCode}  ${entry.durationMs.toFixed(1)} ms${reason}`;
}

/** The queue engine keeps its data with `node:sqlite`, which Node has had since 22.5. */
function nodeTooOld(version = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 5);
}

const USAGE = `Run the whole webhook pipeline on this machine: gateway, ingest, queues, consumer and status table.

Usage: npm start            (settings from the environment; no options)

  PORT                  gateway port on 127.0.0.1 (3000; 0 picks a free port)
  DATA_DIR              queues, table and lock on disk (.data); one npm start per folder
  WEBHOOK_SECRETS_FILE  credentials of every provider (config/credentials.dev.json)
  MAX_BODY_BYTES        body cap, checked before parsing (262144)
  POWERTOOLS_LOG_LEVEL  the functions' own logs (ERROR: the console shows one line per request)

Ctrl-C drains the queue into the table and exits; what it acknowledged is kept in DATA_DIR whatever happens.`;

let lock: DataDirLock | undefined;

async function main(): Promise<void> {
  const exit = usageExit(process.argv.slice(2), USAGE, []);
  if (exit !== undefined) {
    process.exitCode = exit;
    return;
  }
  if (nodeTooOld()) {
    throw new Error(
      `this is Node ${process.versions.node}; npm start needs Node 22.5 or newer, 24 recommended (.nvmrc): ` +
        `nvm use, or npm install --prefix .node --no-save node@24 && export PATH="$PWD/.node/node_modules/.bin:$PATH"`,
    );
  }
  // Loaded only now: `--help` and the checks above answer without loading the engines, the SDK or the handlers.
  const [{ startLocalPipeline }, { runtimeFilePath }] = await Promise.all([import('./pipeline'), import('./tail')]);
  const port = getNumberFromEnv('PORT', { default: 3000, min: 0, max: 65535 });
  const dataDir = path.resolve(getStringFromEnv('DATA_DIR', { default: '.data' }));
  const secretsFile = path.resolve(getStringFromEnv(ENV.secretsFile, { default: DEV_SECRETS_FILE }));
  const maxBodyBytes = getNumberFromEnv(ENV.maxBodyBytes, { default: INGEST.maxBodyBytes, min: 1 });
  const trustedTimeWindowHours = getNumberFromEnv(ENV.trustedTimeWindowHours, { default: 24, min: 1 });
  const reassemblyTimeoutSeconds = getNumberFromEnv(ENV.reassemblyTimeoutSeconds, { default: TABLE.defaultReassemblyTimeoutSeconds, min: 1 });
  const devCredentials = secretsFile === DEV_SECRETS_FILE;
  mkdirSync(dataDir, { recursive: true });
  lock = lockDataDir(dataDir);

  const pipeline = await startLocalPipeline({
    port,
    dataDir,
    secretsFile,
    maxBodyBytes,
    trustedTimeWindowHours,
    reassemblyTimeoutSeconds,
    onAccess: (entry) => write(accessLine(entry)),
    onError: (error) => process.stderr.write(`consumer poller: ${(error as Error).message ?? String(error)}\n`),
    onDrained: ({ awaitingRetry }) => {
      if (awaitingRetry > 0) write(`${awaitingRetry} failed record(s) wait for a retry: kept in ${dataDir}, retried after the next start`);
    },
  });

  const runtimeFile = runtimeFilePath(dataDir);
  const runtime: RuntimeFile & Pick<LocalPipeline, 'resources'> = {
    pid: process.pid,
    url: pipeline.url,
    endpoints: pipeline.endpoints,
    resources: pipeline.resources,
  };
  writeFileSync(runtimeFile, `${JSON.stringify({ ...runtime, startedAt: new Date().toISOString() }, null, 2)}\n`);
  lock.serving(pipeline.url);

  write(`Webhook ingestion pipeline running on this machine (embedded SQS and DynamoDB, queues and table in ${dataDir})`);
  write(`Gateway: ${pipeline.url}`);
  write();
  write(
    devCredentials
      ? `Credentials: ${path.relative(process.cwd(), secretsFile)}: DEV credentials, public, never use them anywhere real`
      : `Credentials: ${secretsFile} (values not printed)`,
  );
  write();
  write('Provider webhooks:');
  for (const route of pipeline.routes) for (const line of describeRoute(route, devCredentials)) write(line);
  write();
  write(`Lookup:      GET ${pipeline.url}/messages/{provider}/{messageId}`);
  write(`Health:      GET ${pipeline.url}/health`);
  write(`Console:     ${pipeline.url}/console   (last requests, messages, queues, replay; npm run ops -- --help)`);
  const subscribers = Object.keys(pipeline.resources.subscriberQueueUrls);
  write(`Subscribers: ${subscribers.map((name) => `${name} (npm run tail -- ${name})`).join(', ') || '(none)'}`);
  write();
  for (const line of curlExample(pipeline, devCredentials)) write(line);
  write();
  write('Ctrl-C stops taking requests, drains the queue into the table and exits.');

  // A terminal's Ctrl-C can reach this process twice, a moment apart: once from the terminal's process group and
  // once relayed by a wrapper (the `tsx` command, some shells). Only a second signal well after the first means
  // "stop now". (`npm start` runs `node --import tsx`, not the `tsx` command: that wrapper SIGKILLs a child that
  // is too busy to acknowledge a relayed signal within about 60 ms, cutting the drain short.)
  const REPEAT_GRACE_MS = 2_000;
  let firstSignalAt: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < REPEAT_GRACE_MS) return;
      process.stderr.write(
        `${signal} again: exiting without draining; what is still queued stays in ${dataDir} and is applied after the next start\n`,
      );
      lock?.release();
      process.exit(1);
    }
    firstSignalAt = Date.now();
    write(`\n${signal}: no new requests; draining the events queue… (${signal} again after 2 s to exit at once)`);
    pipeline
      .stop()
      .then(() => {
        rmSync(runtimeFile, { force: true });
        lock?.release();
        write('stopped.');
        process.exit(0);
      })
      .catch((error: unknown) => {
        process.stderr.write(`stopping failed: ${(error as Error).message ?? String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', shutdown).on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  lock?.release();
  if (error instanceof DataDirInUseError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const code = (error as NodeJS.ErrnoException).code;
  const hint = code === 'EADDRINUSE' ? ` (port in use: set PORT to another one, or PORT=0 for any free port)` : '';
  process.stderr.write(`npm start failed: ${(error as Error).message ?? String(error)}${hint}\n`);
  process.exit(1);
});
