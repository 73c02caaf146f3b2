/**
 * Shared set-up of the ingest suites: an ingest handler wired to fresh queues on the embedded SQS engine
 * (fauxqs, started once per suite by `startSqs()`), and stdout capture for the structured logs and EMF metrics.
 */
import { randomUUID } from 'node:crypto';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { createPipelineQueues, type PipelineQueues } from '../../../local/engines/queues';
import { createIngestHandler, type IngestDependencies } from '../../../functions/ingest/createIngestHandler';
import { fileCredentialSource, staticCredentialSource } from '../../../functions/ingest/credentials';
import { adapterFor } from '../../../functions/providers';
import { DEV_CREDENTIALS_FILE } from '../../support/requests';
import { queueDepth, receiveAll } from '../../support/sqs';

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
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

/** The JSON body of a handler's answer. */
export function jsonBody(response: { body?: string }): Record<string, unknown> {
  return JSON.parse(response.body ?? '') as Record<string, unknown>;
}
