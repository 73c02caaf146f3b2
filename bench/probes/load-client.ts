/**
 * The end-to-end run's load generator, in its own `node` process (bundled by the bench) so it never competes with
 * the pipeline for an event loop: a bounded client that sends every planned webhook exactly once over at most
 * `concurrency` keep-alive connections to 127.0.0.1, and records each answer's status and latency. No retries: a
 * provider would retry a 5xx, but here every non-2xx is counted and shows in the verdict.
 *
 * argv[2]: input JSON file ({@link LoadInput}); argv[3]: where to write the {@link LoadOutput} JSON.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadRequest {
  /** @default POST */
  readonly method?: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface LoadInput {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly concurrency: number;
  readonly requests: readonly LoadRequest[];
  /** Per request. */
  readonly timeoutMs: number;
}

export interface LoadOutput {
  readonly durationMs: number;
  /** One per request, in request order: the status code, or 0 when no answer came (connection error, timeout). */
  readonly statuses: readonly number[];
  /** One per request, in request order. */
  readonly latenciesMs: readonly number[];
  /** Connection errors, by message, with how often each happened. */
  readonly errors: Readonly<Record<string, number>>;
}

const [inputFile, outputFile] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputFile, 'utf8')) as LoadInput;
const target = new URL(input.baseUrl);
if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost' && target.hostname !== '::1') {
  throw new Error(`the load client only sends to loopback, not ${target.hostname}`);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: input.concurrency, maxFreeSockets: input.concurrency });

const statuses = new Array<number>(input.requests.length).fill(0);
const latenciesMs = new Array<number>(input.requests.length).fill(0);
const errors: Record<string, number> = {};

function send(index: number): Promise<void> {
  const request = input.requests[index];
  const body = Buffer.from(request.body, 'utf8');
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: number) => {
      statuses[index] = status;
      latenciesMs[index] = performance.now() - started;
      resolve();
    };
    const outgoing = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: request.method ?? 'POST',
        path: request.path,
        headers: { ...request.headers, 'content-length': String(body.length) },
        timeout: input.timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => done(response.statusCode ?? 0));
        response.on('error', () => done(0));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', (error) => {
      errors[error.message] = (errors[error.message] ?? 0) + 1;
      done(0);
    });
    outgoing.end(body);
  });
}

async function main(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < input.requests.length) await send(next++);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(input.concurrency, input.requests.length) }, worker));
  const output: LoadOutput = { durationMs: performance.now() - started, statuses, latenciesMs, errors };
  writeFileSync(outputFile, JSON.stringify(output));
  agent.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`load client: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
