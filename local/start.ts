/**
 * `npm start`: the whole pipeline on this machine (see `local/pipeline.ts`), configured from the environment:
 *
 * - `PORT` (3000; 0 picks a free port), `DATA_DIR` (`.data/`: the table on disk, and `runtime.json` for
 *   `npm run tail` and `npm run simulate`), `WEBHOOK_SECRETS_FILE` (`config/credentials.dev.json`),
 *   `MAX_BODY_BYTES` (256 KiB, the gateway's and the ingest handlers' cap).
 * - `POWERTOOLS_LOG_LEVEL` (ERROR): the functions' structured logs; the console otherwise shows one line per
 *   request. `POWERTOOLS_METRICS_DISABLED` (true): set it to `false` to see the EMF metric records.
 *
 * It prints each provider's URL and credentials (values only for the public dev file), and a curl example. On
 * SIGINT or SIGTERM it stops taking requests, drains the events queue into the table and exits 0; a second
 * signal exits at once with 1.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENV, INGEST } from '../lib/pipeline-settings';
import { getNumberFromEnv, getStringFromEnv } from '../functions/shared/env';
import { DEV_SECRETS_FILE, providerScenarios, loadFixtures } from './scenarios';
import type { LocalPipeline, ProviderRoute } from './pipeline';
import type { RuntimeFile } from './tail';
import type { AccessLogEntry } from './gateway';

const write = (line = '') => void process.stdout.write(`${line}\n`);

/** `'` inside single quotes, for a curl line a shell accepts as is. */
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function describeRoute(route: ProviderRoute, showValues: boolean): string[] {
  const lines = [`  ${route.provider.padEnd(18)} POST ${showValues ? route.url : route.url.replace(/(\/webhooks\/[^/]+\/).+$/, '$1<token>')}`];
  if (!route.configured) {
    lines.push(`  ${''.padEnd(18)} no credentials configured: every request is refused (401)`);
    return lines;
  }
  const headers = Object.entries(route.headers).map(([name, value]) => `${name}: ${showValues ? value : '<from the secrets file>'}`);
  if (headers.length > 0) lines.push(`  ${''.padEnd(18)} headers  ${headers.join('   ')}`);
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
    `  curl -s ${pipeline.url}/messages/${route.provider}/${encodeURIComponent(script.messageId)}`,
    `  npm run simulate -- all all        # every provider, in order, shuffled and duplicated`,
  ];
}

function accessLine(entry: AccessLogEntry): string {
  return `${new Date().toISOString().slice(11, 23)}  ${entry.method.padEnd(4)} ${entry.path}  ${entry.statusCode}  ${entry.durationMs.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  // Lambda runs Node 22; the SDK's notice about this machine's Node 20 would be the console's first line.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Loaded after the line above: the SDK reads it when the first client is built, Powertools when it loads.
  const [{ startLocalPipeline }, { runtimeFilePath }] = await Promise.all([import('./pipeline'), import('./tail')]);
  const port = getNumberFromEnv('PORT', { default: 3000, min: 0, max: 65535 });
  const dataDir = path.resolve(getStringFromEnv('DATA_DIR', { default: '.data' }));
  const secretsFile = path.resolve(getStringFromEnv(ENV.secretsFile, { default: DEV_SECRETS_FILE }));
  const maxBodyBytes = getNumberFromEnv(ENV.maxBodyBytes, { default: INGEST.maxBodyBytes, min: 1 });
  const trustedTimeWindowHours = getNumberFromEnv(ENV.trustedTimeWindowHours, { default: 24, min: 1 });
  const devCredentials = secretsFile === DEV_SECRETS_FILE;
  mkdirSync(dataDir, { recursive: true });

  const pipeline = await startLocalPipeline({
    port,
    dataDir,
    secretsFile,
    maxBodyBytes,
    trustedTimeWindowHours,
    onAccess: (entry) => write(accessLine(entry)),
    onError: (error) => process.stderr.write(`consumer poller: ${(error as Error).message ?? String(error)}\n`),
    onDrained: ({ awaitingRetry }) => {
      if (awaitingRetry > 0) write(`${awaitingRetry} failed record(s) were waiting for a retry and are not applied`);
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

  write(`Webhook ingestion pipeline running on this machine (embedded SQS and DynamoDB, data in ${dataDir})`);
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
  const subscribers = Object.keys(pipeline.resources.subscriberQueueUrls);
  write(`Subscribers: ${subscribers.map((name) => `${name} (npm run tail -- ${name})`).join(', ') || '(none)'}`);
  write();
  for (const line of curlExample(pipeline, devCredentials)) write(line);
  write();
  write('Ctrl-C stops taking requests, drains the queue into the table and exits.');

  // A terminal's Ctrl-C can reach this process twice, a moment apart: once from the terminal's process group and
  // once relayed by a wrapper (the `tsx` command, some shells). Only a second signal well after the first means
  // "stop now". (`npm start` runs `node --import tsx`, not the `tsx` command: that wrapper SIGKILLs a child that
  // is too busy to acknowledge a relayed signal within about 60 ms, which would lose the in-memory queue.)
  const REPEAT_GRACE_MS = 2_000;
  let firstSignalAt: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < REPEAT_GRACE_MS) return;
      process.stderr.write(
        `${signal} again: exiting without draining; events still on the in-memory queue are lost (statuses already stored are kept)\n`,
      );
      process.exit(1);
    }
    firstSignalAt = Date.now();
    write(`\n${signal}: no new requests; draining the events queue… (${signal} again after 2 s to exit at once)`);
    pipeline
      .stop()
      .then(() => {
        rmSync(runtimeFile, { force: true });
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
  const code = (error as NodeJS.ErrnoException).code;
  const hint = code === 'EADDRINUSE' ? ` (port in use: set PORT to another one, or PORT=0 for any free port)` : '';
  process.stderr.write(`npm start failed: ${(error as Error).message ?? String(error)}${hint}\n`);
  process.exit(1);
});
