/**
 * Shared set-up of the ingest suites: an ingest handler wired to fresh queues on the embedded SQS engine
 * (fauxqs, started once per suite by `startSqs()`), output capture for the structured logs and EMF metrics, and a
 * stand-in AWS Parameters and Secrets Lambda Extension (the HTTP server the ingest reads its secret from on AWS) that
 * counts its calls.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BatchResultErrorEntry, Message, SendMessageBatchRequest, SendMessageBatchCommandOutput, SQSClient } from '@aws-sdk/client-sqs';
import { localSqsClient } from '../../../local/engines/clients';
import { createPipelineQueues, type PipelineQueues } from '../../../local/engines/queues';
import { createIngestHandler, type IngestDependencies } from '../../../functions/ingest/createIngestHandler';
import { fileCredentialSource, staticCredentialSource } from '../../../functions/ingest/credentials';
import { adapterFor } from '../../../functions/providers';
import { DEV_CREDENTIALS_FILE } from '../../support/requests';
import { queueDepth, receiveAll, startSqs, type TestSqs } from '../../support/sqs';

/** What an ingest suite shares: the embedded SQS engine (one per suite) and the current test's captured output. */
export interface IngestSuite {
  readonly sqs: TestSqs;
  readonly output: CapturedOutput;
}

/**
 * Registers the hooks every ingest suite needs: fauxqs started before the suite and stopped after it, stdout and
 * stderr captured around each test. Read `suite.sqs` and `suite.output` inside tests (they exist once hooks ran).
 */
export function useIngestSuite(): IngestSuite {
  let sqs: TestSqs | undefined;
  let output: CapturedOutput | undefined;
  beforeAll(async () => {
    sqs = await startSqs();
  });
  afterAll(async () => {
    await sqs?.stop();
  });
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => output?.restore());
  return {
    get sqs() {
      if (!sqs) throw new Error('the SQS engine is not started yet: use suite.sqs inside a test or hook');
      return sqs;
    },
    get output() {
      if (!output) throw new Error('output is captured only while a test runs');
      return output;
    },
  };
}

export interface IngestHarness {
  readonly handler: ReturnType<typeof createIngestHandler>;
  readonly queues: PipelineQueues;
  /** Receives until `count` messages arrived (or a timeout), without deleting them. */
  events(count: number, timeoutMs?: number): Promise<Message[]>;
  rejected(count: number, timeoutMs?: number): Promise<Message[]>;
  /** Messages on the events queue right now (visible + in flight). */
  eventsDepth(): Promise<number>;
  rejectedDepth(): Promise<number>;
}

export interface HarnessOptions extends Partial<IngestDependencies> {
  /** A credentials document (file shape) instead of the dev file. */
  readonly document?: unknown;
}

/**
 * An ingest handler for `provider` on fresh queues of the engine behind `client`. The SQS client the handler
 * uses can be swapped (`options.sqs`) for one with a fault injected; the queues are read with `client`.
 */
export async function ingestHarness(client: SQSClient, provider: string, options: HarnessOptions = {}): Promise<IngestHarness> {
  const { document, ...overrides } = options;
  const queues = await createPipelineQueues(client, { prefix: `t${randomUUID().slice(0, 8)}-` });
  const handler = createIngestHandler({
    adapter: adapterFor(provider),
    sqs: client,
    eventsQueueUrl: queues.eventsQueueUrl,
    rejectedQueueUrl: queues.rejectedQueueUrl,
    credentials: document === undefined ? fileCredentialSource(DEV_CREDENTIALS_FILE) : staticCredentialSource(document),
    ...overrides,
  });
  return {
    handler,
    queues,
    events: (count, timeoutMs = 3_000) => receiveAll(client, queues.eventsQueueUrl, count, timeoutMs),
    rejected: (count, timeoutMs = 3_000) => receiveAll(client, queues.rejectedQueueUrl, count, timeoutMs),
    eventsDepth: () => queueDepth(client, queues.eventsQueueUrl),
    rejectedDepth: () => queueDepth(client, queues.rejectedQueueUrl),
  };
}

export interface CapturedOutput {
  /** Every line written to stdout or stderr since capture began. */
  readonly lines: string[];
  /** Lines that parse as JSON (Powertools logs and EMF records). */
  records(): Array<Record<string, unknown>>;
  /** Log records (not EMF) whose `message` is set. */
  logs(): Array<Record<string, unknown>>;
  /** EMF metric records. */
  metrics(): Array<Record<string, unknown>>;
  clear(): void;
  restore(): void;
}

/**
 * Captures (and silences) stdout and stderr: the Powertools logger and metrics write there through their own
 * `Console` (info and EMF to stdout, warn and error to stderr), which calls the streams' `write`.
 */
export function captureOutput(): CapturedOutput {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    lines.push(...text.split('\n').filter((line) => line.length > 0));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  const records = () =>
    lines.flatMap((line) => {
      try {
        const value = JSON.parse(line) as unknown;
        return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  return {
    lines,
    records,
    logs: () => records().filter((record) => typeof record.message === 'string'),
    metrics: () => records().filter((record) => record._aws !== undefined),
    clear: () => {
      lines.length = 0;
    },
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** The JSON body of a handler's answer. */
export function jsonBody(response: { body?: string }): Record<string, unknown> {
  return JSON.parse(response.body ?? '') as Record<string, unknown>;
}

/** A stand-in for the AWS Parameters and Secrets Lambda Extension on 127.0.0.1, counting the reads it gets. */
export interface FakeSecretsExtension {
  readonly host: string;
  readonly port: number;
  /** The session token it accepts in `X-Aws-Parameters-Secrets-Token`; a request without it is answered 401. */
  readonly token: string;
  /** The one secret id it holds; any other is answered as Secrets Manager answers a secret that does not exist. */
  readonly secretId: string;
  /** What `extensionCredentialSource` needs to read from it. */
  readonly connection: { readonly host: string; readonly port: number; readonly token: string };
  /** Requests received so far, answered or not. */
  calls(): number;
  /** The secret's current value; `undefined` makes it answer 400 ResourceNotFoundException. */
  setSecret(value: string | undefined): void;
  /** The next `count` requests answer 500 InternalServiceError (Secrets Manager failing behind the extension). */
  failNext(count: number): void;
  /** The next request gets exactly this answer. */
  answerNext(status: number, body: string): void;
  /** The next `count` requests are accepted and never answered (a stuck extension). */
  stallNext(count: number): void;
  stop(): Promise<void>;
}

/** An AWS error answer, as JSON with the error's type, the way Secrets Manager's own protocol names it. */
const awsError = (type: string, message: string) => JSON.stringify({ __type: type, message });

/**
 * Starts the fake extension: `GET /secretsmanager/get?secretId=…` answers the GetSecretValue result as JSON, like
 * the real one on `localhost:2773`. Every request counts, so the server's count is the source's count of reads.
 */
export async function startFakeSecretsExtension(
  initial?: string,
  options: { secretId?: string; token?: string } = {},
): Promise<FakeSecretsExtension> {
  const secretId = options.secretId ?? 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhooks/nhncloud-sms-AbCdEf';
  const token = options.token ?? `session-token-${randomUUID()}`;
  let secret = initial;
  let calls = 0;
  let failures = 0;
  let stalls = 0;
  const scripted: Array<{ status: number; body: string }> = [];
  const server = createServer((request, response) => {
    calls++;
    const answer = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (stalls > 0) {
      stalls--;
      return;
    }
    const next = scripted.shift();
    if (next) return answer(next.status, next.body, 'text/plain');
    if (request.method !== 'GET' || url.pathname !== '/secretsmanager/get') return answer(404, 'not found', 'text/plain');
    if (request.headers['x-aws-parameters-secrets-token'] !== token) return answer(401, 'unauthorized', 'text/plain');
    if (failures > 0) {
      failures--;
      return answer(500, awsError('InternalServiceError', 'injected fault'));
    }
    const requested = url.searchParams.get('secretId');
    if (requested !== secretId || secret === undefined) {
      return answer(400, awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."));
    }
    return answer(
      200,
      JSON.stringify({
        ARN: secretId,
        Name: 'webhooks/nhncloud-sms',
        SecretString: secret,
        VersionId: 'v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: '2026-01-01T00:00:00Z',
      }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    token,
    secretId,
    connection: { host: '127.0.0.1', port, token },
    calls: () => calls,
    setSecret: (value) => {
      secret = value;
    },
    failNext: (count) => {
      failures = count;
    },
    answerNext: (status, body) => {
      scripted.push({ status, body });
    },
    stallNext: (count) => {
      stalls = count;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the fault injector does to one batch entry on one attempt. */
export type EntryFault = 'ok' | 'fail' | 'sender-fault' | 'throw';

/** Decides per entry; `attempt` counts the sends of that entry (1 for the first). */
export type FaultPlan = (event: { eventId: string; messageId?: string; body: Record<string, unknown> }, attempt: number) => EntryFault;

/**
 * An SQS client for the engine at `endpoint` with a fault injected into `SendMessageBatch`: entries the plan
 * fails are taken out of the real request (so they never reach the queue) and reported back in `Failed`, as
 * SQS reports a partial failure; if any entry says `throw`, the whole call throws before sending anything.
 * Everything else goes to the real queue untouched.
 */
export function faultyClient(endpoint: string, plan: FaultPlan): SQSClient {
  const client = localSqsClient(endpoint);
  const attempts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      const input = args.input as SendMessageBatchRequest;
      const decided = (input.Entries ?? []).map((entry) => {
        const body = JSON.parse(entry.MessageBody ?? '{}') as Record<string, unknown>;
        const eventId = String(body.eventId);
        const attempt = (attempts.get(eventId) ?? 0) + 1;
        attempts.set(eventId, attempt);
        return { entry, fault: plan({ eventId, messageId: body.messageId as string | undefined, body }, attempt) };
      });
      if (decided.some(({ fault }) => fault === 'throw')) {
        throw Object.assign(new Error('injected fault: connection reset'), { name: 'TimeoutError' });
      }
      const passing = decided.filter(({ fault }) => fault === 'ok').map(({ entry }) => entry);
      const failed: BatchResultErrorEntry[] = decided
        .filter(({ fault }) => fault !== 'ok')
        .map(({ entry, fault }) => ({
          Id: entry.Id,
          SenderFault: fault === 'sender-fault',
          Code: fault === 'sender-fault' ? 'InvalidParameterValue' : 'InternalError',
          Message: 'injected fault',
        }));
      const result =
        passing.length > 0
          ? await next({ ...args, input: { ...input, Entries: passing } })
          : { output: { Successful: [], Failed: [], $metadata: {} } as SendMessageBatchCommandOutput, response: {} };
      const output = result.output as SendMessageBatchCommandOutput;
      return { ...result, output: { ...output, Failed: [...(output.Failed ?? []), ...failed] } };
    },
    { step: 'initialize', name: 'injectSendMessageBatchFaults' },
  );
  return client;
}
