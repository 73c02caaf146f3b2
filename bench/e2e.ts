/**
 * The local end-to-end run: `npm start`'s pipeline (`startLocalPipeline`: fauxqs and dynalite in this process,
 * the table on disk in the bench's work directory, every function as `npm start` runs it), loaded by a separate
 * client process over loopback, then every message read back through `GET /messages/{provider}/{messageId}`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EndToEndFigures } from './budgets';
import type { BenchOptions } from './options';
import { buildHelperScript } from './probes';
import type { LoadInput, LoadOutput } from './probes/load-client';
import { percentile, round } from './stats';
import { buildWorkload, judge, storedKey, type ExpectedMessage } from './workload';
import { engineWriteRate, meterWrites, startRelay, type WriteMeter } from './consumer-figures';
import { localDynamoClient, localSqsClient } from '../local/engines/clients';

/** How long one webhook may take before the client gives up on it (a stuck request is a failure, not a hang). */
const REQUEST_TIMEOUT_MS = 30_000;
/** Lookups in flight at once while verifying. */
const LOOKUP_CONCURRENCY = 16;

function runClient(client: string, inputFile: string, outputFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [client, inputFile, outputFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`load client exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

/** Reads every message back through the lookup route: its stored status, or `undefined` when it is unknown (404). */
export async function storedStatuses(baseUrl: string, messages: readonly ExpectedMessage[]): Promise<Map<string, string | undefined>> {
  const stored = new Map<string, string | undefined>();
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const message = messages[next++];
      const response = await fetch(`${baseUrl}/messages/${encodeURIComponent(message.provider)}/${encodeURIComponent(message.messageId)}`);
      if (response.status === 404) {
        stored.set(storedKey(message.provider, message.messageId), undefined);
        continue;
      }
      if (!response.ok) throw new Error(`lookup of ${message.provider} ${message.messageId} answered ${response.status}`);
      const view = (await response.json()) as { status?: string };
      stored.set(storedKey(message.provider, message.messageId), view.status);
    }
  };
  await Promise.all(Array.from({ length: LOOKUP_CONCURRENCY }, worker));
  return stored;
}

/** What the consumer did in the run, beside the end-to-end figures. */
export interface ConsumerRunFigures {
  readonly eventsPerSecond: number;
  readonly engineWritesPerSecond: number;
  readonly writeUnitsPerStatusEvent: number;
}

/** Records in flight in the consumer under `npm start`: 2 pollers, batches of 10 records run in parallel. */
const CONSUMER_IN_FLIGHT = 20;

/** Runs the end-to-end load (and, first, the same load against a bare relay); `say` prints progress. */
export async function runEndToEnd(
  options: BenchOptions,
  workdir: string,
  say: (text: string) => void,
): Promise<EndToEndFigures & { consumer: ConsumerRunFigures }> {
  const [{ startLocalPipeline }, { loadFixtures, providerScenarios }, { providerRequest, signingMaterial }] = await Promise.all([
    import('../local/pipeline'),
    import('../local/scenarios'),
    import('../local/provider-requests'),
  ]);
  const dataDir = path.join(workdir, 'data');
  mkdirSync(dataDir, { recursive: true });
  let meter: WriteMeter | undefined;
  const pipeline = await startLocalPipeline({ port: 0, dataDir, logLevel: 'ERROR', instrumentDynamoDb: (client) => (meter = meterWrites(client)) });
  const sqs = localSqsClient(pipeline.endpoints.sqs);
  const dynamodb = localDynamoClient(pipeline.endpoints.dynamodb);
  try {
    const routes = new Map(
      pipeline.routes.filter((route) => route.configured && providerScenarios[route.provider]).map((route) => [route.provider, route]),
    );
    const fixtures = new Map([...routes.keys()].map((provider) => [provider, loadFixtures(provider)]));
    // Provider times an hour back, so none is in the future for the consumer whatever the run's length.
    const start = new Date(Date.now() - 3_600_000);
    const workload = buildWorkload({
      webhooks: options.webhooks,
      duplicateShare: options.duplicateShare,
      seed: options.seed,
      providers: [...routes.keys()],
      script: (provider, n) => providerScenarios[provider].script(fixtures.get(provider)!, options.seed * 100_000 + n + 1, start),
    });
    const input: LoadInput = {
      baseUrl: pipeline.url,
      concurrency: options.concurrency,
      timeoutMs: REQUEST_TIMEOUT_MS,
      // Signed as the provider signs, by the schemes the ingest verifies with (a timestamp stays fresh for the run).
      requests: await Promise.all(
        workload.webhooks.map(async (webhook) => {
          const request = await providerRequest(webhook, { baseUrl: pipeline.url, material: signingMaterial(webhook.provider) });
          const url = new URL(request.url);
          return { method: request.method, path: `${url.pathname}${url.search}`, headers: request.headers, body: request.body.toString('utf8') };
        }),
      ),
    };
    say(
      `  ${workload.webhooks.length} webhooks (${workload.duplicates} repeats) for ${workload.messages.length} messages of ` +
        `${routes.size} providers, ${options.concurrency} connections, to ${pipeline.url}`,
    );

    const client = await buildHelperScript('load-client', workdir);
    // The baseline first, same requests, same client, same SQS engine: a bare relay.
    const relay = await startRelay(sqs);
    let relayRequestsPerSecond: number;
    try {
      const relayInput = path.join(workdir, 'relay-input.json');
      const relayOutput = path.join(workdir, 'relay-output.json');
      writeFileSync(relayInput, JSON.stringify({ ...input, baseUrl: relay.url }));
      await runClient(client, relayInput, relayOutput);
      const relayed = JSON.parse(readFileSync(relayOutput, 'utf8')) as LoadOutput;
      relayRequestsPerSecond = workload.webhooks.length / (relayed.durationMs / 1000);
      say(`  bare relay (HTTP in, SendMessageBatch out): ${relayRequestsPerSecond.toFixed(0)} requests/s`);
    } finally {
      await relay.stop();
    }

    const inputFile = path.join(workdir, 'load-input.json');
    const outputFile = path.join(workdir, 'load-output.json');
    writeFileSync(inputFile, JSON.stringify(input));
    const loadStarted = Date.now();
    await runClient(client, inputFile, outputFile);
    const output = JSON.parse(readFileSync(outputFile, 'utf8')) as LoadOutput;
    const refused = output.statuses.filter((status) => status < 200 || status >= 300);
    const byStatus: Record<number, number> = {};
    for (const status of refused) byStatus[status] = (byStatus[status] ?? 0) + 1;
    say(
      `  sent in ${(output.durationMs / 1000).toFixed(1)} s; not 2xx: ${refused.length}` +
        (refused.length > 0
          ? ` (${JSON.stringify(byStatus)}${Object.keys(output.errors).length ? `, errors ${JSON.stringify(output.errors)}` : ''})`
          : ''),
    );

    const drainStarted = Date.now();
    const finishedBeforeDrain = meter?.finishedEvents() ?? 0;
    const drained = await pipeline.drain();
    const appliedSeconds = (Date.now() - loadStarted) / 1000;
    const drainSeconds = (Date.now() - drainStarted) / 1000;
    const finished = meter?.finishedEvents() ?? 0;
    const callsAfterDrain = meter?.calls() ?? {};
    // The drain alone: the consumer with the process to itself (the ingest done), to tell its cost from the ingest's.
    say(
      `  consumer drained the queue ${drainSeconds.toFixed(1)} s after the last answer (${finished - finishedBeforeDrain} events, ` +
        `${((finished - finishedBeforeDrain) / drainSeconds).toFixed(1)} events/s); awaiting retry: ${drained.awaitingRetry}`,
    );
    const consumer: ConsumerRunFigures = {
      eventsPerSecond: round(finished / appliedSeconds, 1),
      writeUnitsPerStatusEvent: finished > 0 ? round((meter?.writeUnits() ?? Number.NaN) / finished, 3) : Number.NaN,
      engineWritesPerSecond: round(await engineWriteRate(dynamodb, Math.min(5_000, Math.max(1_000, finished)), CONSUMER_IN_FLIGHT), 1),
    };
    say(
      `  consumer: ${finished} events finished, ${consumer.eventsPerSecond} events/s from the first webhook to the drained queue; ` +
        `${consumer.writeUnitsPerStatusEvent} write units per event; the engine alone: ${consumer.engineWritesPerSecond} conditional writes/s`,
    );
    // Reads and writes alike cost the one event loop the engines share with the consumer (docs/performance.md).
    const perEvent = Object.entries(callsAfterDrain)
      .filter(([name]) => name.endsWith('ItemCommand') || name === 'QueryCommand')
      .map(([name, count]) => `${(count / Math.max(1, finished)).toFixed(2)} ${name.replace(/Command$/, '')}`);
    say(`  the consumer's table calls per event: ${perEvent.join(', ')}`);
    const health = (await (await fetch(`${pipeline.url}/health`)).json()) as { queues?: { deadLetters?: { visible: number; inFlight: number } } };
    const deadLetters = health.queues?.deadLetters;
    if (deadLetters && deadLetters.visible + deadLetters.inFlight > 0)
      say(`  dead-letter queue: ${deadLetters.visible + deadLetters.inFlight} record(s)`);

    const verdict = judge(workload.messages, await storedStatuses(pipeline.url, workload.messages));
    say(`  ${workload.messages.length} messages read back: lost ${verdict.lost}, wrong status ${verdict.wrongStatus}`);
    for (const example of verdict.examples) say(`    ${example}`);

    return {
      webhooks: workload.webhooks.length,
      concurrency: options.concurrency,
      lost: verdict.lost,
      wrongStatus: verdict.wrongStatus,
      requestsPerSecond: round(workload.webhooks.length / (output.durationMs / 1000), 1),
      p50Ms: round(percentile(output.latenciesMs, 50), 2),
      p99Ms: round(percentile(output.latenciesMs, 99), 2),
      relayRequestsPerSecond: round(relayRequestsPerSecond, 1),
      consumer,
    };
  } finally {
    sqs.destroy();
    dynamodb.destroy();
    await pipeline.stop();
  }
}
