/**
 * Runs in a fresh `node` process, bundled by the bench with the provider's ingest bundling options (so the code
 * is what the stack deploys: same modules, same minification, only that provider's adapter): warm CPU per request
 * of the real ingest handler, and the "JSON floor" of the same body.
 *
 * The handler is built by `createIngestHandler` exactly as the Lambda entry builds it, except for two things at
 * its edges: the queue client is replaced at the send boundary (a `send` that answers every entry as queued,
 * without I/O), and the credentials come from an in-memory document instead of Secrets Manager (read once and
 * cached either way). Everything between runs for real: request adaptation, authentication, body parsing,
 * validation, normalization, the SQS message bodies and attributes, the reply, the log line and the EMF record.
 *
 * CPU time is `process.cpuUsage` (user + system) over many requests after a warm-up, in rounds (see
 * {@link ROUNDS}). Input: env `BENCH_CPU_INPUT` (JSON, {@link ProbeInput}). Output: one JSON line on fd 3.
 */
import { webhookRequest } from '../../functions/providers/common';
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { XMLParser } from 'fast-xml-parser';
import { createIngestHandler } from '../../functions/ingest/createIngestHandler';
import { staticCredentialSource } from '../../functions/ingest/credentials';
import { adapterFor } from '../../functions/providers';

export interface ProbeInput {
  readonly provider: string;
  /** The body, or for a GET the query string. */
  readonly body: string;
  readonly contentType: string;
  /** @default POST */
  readonly method?: 'GET' | 'POST';
  /** Credential headers as the provider sends them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly token?: string;
  /** The credentials document (docs/design.md "Provider credentials", keyed by provider). */
  readonly credentials: unknown;
  /**
   * The API Gateway event of the provider's request, built and signed by the bench as the provider sends it (the
   * tools' one request builder, {@link probeEventOf}): the probe is bundled as a Lambda is, without the signing half
   * of the schemes. Signed once: a signed timestamp stays fresh for the few seconds the probe runs.
   */
  readonly event: APIGatewayProxyEventV2;
  readonly warmup: number;
  readonly iterations: number;
}

export interface ProbeOutput {
  /**
   * Wall time of the first request of the process, in ms (diagnostic): what a cold start adds after the import,
   * such as Intl's set-up for the first zone-less time. Its queue and credentials are in memory, so no I/O.
   */
  readonly firstRequestMs: number;
  /** The whole handler, per request. */
  readonly cpuUsPerRequest: number;
  /** `adapter.normalize` alone, per request (diagnostic: the rest is the handler around it). */
  readonly normalizeUsPerRequest: number;
  /** Bytes the handler writes to stdout and stderr for one request (its log line with the EMF record): the cost model's log volume. */
  readonly logBytesPerRequest: number;
  readonly jsonFloorUsPerRequest: number;
  /** Status code of the last request: anything but 2xx means the probe measured a refusal. */
  readonly statusCode: number;
  readonly events: number;
}

const input = JSON.parse(process.env.BENCH_CPU_INPUT ?? '{}') as ProbeInput;

/** A queue that takes everything at once: the handler's own work is all that is measured. */
const acceptingQueue = {
  send: async (command: SendMessageBatchCommand) => ({
    Successful: (command.input.Entries ?? []).map((entry, index) => ({
      Id: entry.Id,
      MessageId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }),
} as unknown as SQSClient;

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
});

const method = input.method ?? 'POST';
const get = method === 'GET';
const isForm = get || input.contentType.startsWith('application/x-www-form-urlencoded');

/**
 * `JSON.parse` + `JSON.stringify` of the body; for XML the parser's parse instead of `JSON.parse`, for a form body
 * or a GET's query `URLSearchParams`.
 */
const jsonFloor: (body: string) => string = input.contentType.includes('xml')
  ? (body) => JSON.stringify(xmlParser.parse(body))
  : isForm
    ? (body) => JSON.stringify(Object.fromEntries(new URLSearchParams(body)))
    : (body) => JSON.stringify(JSON.parse(body));

/**
 * Rounds each figure is measured in. Other processes only ever add to a round's CPU time (cache and core
 * contention), so the cheapest round is the closest to the code's own cost: the figure is that round's.
 */
const ROUNDS = 5;

/** CPU time (user + system) per call of `fn`, in µs: the cheapest of {@link ROUNDS} rounds. */
async function cpuPerCall(fn: () => unknown, iterations: number): Promise<number> {
  const perRound = Math.max(1, Math.floor(iterations / ROUNDS));
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < perRound; i++) await fn();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / perRound);
  }
  return best;
}

function cpuPerCallSync(fn: () => unknown, iterations: number): number {
  const perRound = Math.max(1, Math.floor(iterations / ROUNDS));
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < perRound; i++) fn();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / perRound);
  }
  return best;
}

/** Bytes written to stdout and stderr while `fn` runs (counted outside the CPU rounds, so they stay unwrapped). */
async function bytesWrittenBy(fn: () => Promise<unknown>): Promise<number> {
  let bytes = 0;
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    const original = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  }
  try {
    await fn();
  } finally {
    for (const [index, stream] of streams.entries()) stream.write = originals[index];
  }
  return bytes;
}

async function main(): Promise<ProbeOutput> {
  const adapter = adapterFor(input.provider);
  const handler = createIngestHandler({
    adapter,
    sqs: acceptingQueue,
    eventsQueueUrl: process.env.EVENTS_QUEUE_URL ?? 'https://sqs.eu-west-1.amazonaws.com/123456789012/webhook-events',
    credentials: staticCredentialSource(input.credentials),
    timeZone: process.env.PROVIDER_TIME_ZONE,
  });
  const event = input.event;
  const request = get
    ? webhookRequest({ method, body: '', rawQuery: input.body, query: Object.fromEntries(new URLSearchParams(input.body)) })
    : webhookRequest({ body: input.body, headers: { 'content-type': input.contentType }, contentType: input.contentType });
  const context = { receivedAt: new Date().toISOString(), timeZone: process.env.PROVIDER_TIME_ZONE ?? adapter.defaultTimeZone };

  const firstStarted = performance.now();
  let last = await handler(event);
  const firstRequestMs = performance.now() - firstStarted;
  for (let i = 0; i < input.warmup; i++) last = await handler(event);
  const logBytesPerRequest = await bytesWrittenBy(() => handler(event));
  const cpuUsPerRequest = await cpuPerCall(async () => {
    last = await handler(event);
  }, input.iterations);

  cpuPerCallSync(() => adapter.normalize(request, context), input.warmup);
  const normalizeUsPerRequest = cpuPerCallSync(() => adapter.normalize(request, context), input.iterations);

  cpuPerCallSync(() => jsonFloor(input.body), input.warmup);
  const jsonFloorUsPerRequest = cpuPerCallSync(() => jsonFloor(input.body), input.iterations);

  return {
    firstRequestMs,
    cpuUsPerRequest,
    normalizeUsPerRequest,
    logBytesPerRequest,
    jsonFloorUsPerRequest,
    statusCode: last.statusCode ?? 0,
    events: adapter.normalize(request, context).events.length,
  };
}

main().then(
  (output) => writeSync(3, `${JSON.stringify(output)}\n`),
  (error: unknown) => {
    writeSync(3, `${JSON.stringify({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })}\n`);
    process.exitCode = 1;
  },
);
