/**
 * `npm run tail -- <subscriber> [--json] [--keep]`: prints the applied events arriving on a subscriber's queue of
 * a running `npm start`, as they arrive. It finds the embedded engine and the queue through the runtime file
 * `npm start` writes (`DATA_DIR/runtime.json`, default `.data/runtime.json`).
 *
 * It reads the queue as the subscriber would, so it deletes what it printed (else each event would come back
 * after the visibility timeout); `--keep` leaves them on the queue instead: hidden while it runs (else it would
 * print them again and again), visible again as soon as it stops. SQS has no peek, so each `--keep` run still
 * counts one receive per event towards the queue's redrive limit (5, then the subscriber's dead-letter queue).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { AppliedEvent } from '../functions/events/applied';
import { usageExit } from '../scripts/cli';
import { localSqsClient } from './engines/clients';

/** What `npm start` writes for the other local commands (see `local/start.ts`). */
export interface RuntimeFile {
  readonly pid: number;
  readonly url: string;
  readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  readonly resources: { readonly subscriberQueueUrls: Readonly<Record<string, string>> };
}

export const RUNTIME_FILE_NAME = 'runtime.json';

export function runtimeFilePath(dataDir: string): string {
  return path.resolve(dataDir, RUNTIME_FILE_NAME);
}

/** The running `npm start`'s runtime file, or an error that says how to get one. */
export function readRuntimeFile(dataDir: string): RuntimeFile {
  const file = runtimeFilePath(dataDir);
  let runtime: RuntimeFile;
  try {
    runtime = JSON.parse(readFileSync(file, 'utf8')) as RuntimeFile;
  } catch {
    throw new Error(`no ${file}: start the pipeline first with \`npm start\` (same DATA_DIR)`);
  }
  try {
    process.kill(runtime.pid, 0);
  } catch (error) {
    // EPERM: alive but someone else's; anything else: gone.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw new Error(`${file} is left from an \`npm start\` that is no longer running`);
  }
  return runtime;
}

/** One line per applied event: when, who, what, and how it moved the stored status. Never the raw payload. */
export function formatAppliedEvent(event: Partial<AppliedEvent>): string {
  const change =
    event.type !== 'message.status' ? '' : event.statusChanged ? ` (${event.previousStatus ?? 'new'} → ${event.status})` : ' (status unchanged)';
  return [
    event.occurredAt ?? '-',
    event.provider ?? '-',
    event.type ?? '-',
    event.messageId ?? '-',
    `${event.status ?? ''}${event.final ? ' final' : ''}${change}`.trim(),
  ].join('  ');
}

export interface TailOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Print the whole event as JSON instead of one summary line. */
  readonly json?: boolean;
  /** Leave the events on the queue. */
  readonly keep?: boolean;
  readonly print: (line: string) => void;
  readonly signal: AbortSignal;
  /** @default 10 */
  readonly waitTimeSeconds?: number;
}

/** Long-polls the queue and prints each event until `signal` aborts. */
export async function tail(options: TailOptions): Promise<void> {
  const kept: string[] = [];
  try {
    await printUntilAborted(options, kept);
  } finally {
    await releaseKept(options, kept);
  }
}

/** With `--keep`: makes the printed events visible again at once, rather than after the visibility timeout. */
async function releaseKept({ sqs, queueUrl }: TailOptions, receiptHandles: readonly string[]): Promise<void> {
  for (let start = 0; start < receiptHandles.length; start += 10) {
    const batch = receiptHandles.slice(start, start + 10);
    await sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      )
      .catch(() => undefined); // They come back after the visibility timeout anyway.
  }
}

async function printUntilAborted(options: TailOptions, kept: string[]): Promise<void> {
  const { sqs, queueUrl } = options;
  while (!options.signal.aborted) {
    let messages: Message[];
    try {
      ({ Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: options.waitTimeSeconds ?? 10 }),
        { abortSignal: options.signal },
      ));
    } catch (error) {
      if (options.signal.aborted) return;
      throw error;
    }
    for (const message of messages) {
      let event: Partial<AppliedEvent>;
      try {
        event = JSON.parse(message.Body ?? '') as Partial<AppliedEvent>;
      } catch {
        options.print(`(not JSON: ${String(message.Body).slice(0, 80)})`);
        continue;
      }
      options.print(options.json ? JSON.stringify(event, null, 2) : formatAppliedEvent(event));
    }
    if (options.keep) {
      for (const message of messages) if (message.ReceiptHandle) kept.push(message.ReceiptHandle);
    } else if (messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
  }
}

const HELP = `Print the applied events a subscriber receives, as they arrive (needs a running \`npm start\`).

Usage: npm run tail -- <subscriber> [--json] [--keep]

  subscriber  a name from cdk.json context.webhooks.subscribers
  --json      print each whole event instead of one line
  --keep      leave the events on the queue, visible again when tail stops (by default they are consumed, as the
              subscriber would); each run counts one receive per event towards the queue's redrive limit (5)`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dataDir = process.env.DATA_DIR || '.data';
  const name = args.find((arg) => !arg.startsWith('-'));
  const exit = usageExit(args, HELP, ['--json', '--keep']);
  if (exit !== undefined) {
    process.exitCode = exit;
    return;
  }
  let runtime: RuntimeFile;
  try {
    runtime = readRuntimeFile(dataDir);
  } catch (error) {
    process.stderr.write(`tail: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const subscribers = Object.keys(runtime.resources.subscriberQueueUrls);
  if (!name) {
    process.stdout.write(`${HELP}\n\nSubscribers of the running pipeline: ${subscribers.join(', ') || '(none)'}\n`);
    return;
  }
  const queueUrl = runtime.resources.subscriberQueueUrls[name];
  if (!queueUrl) {
    process.stderr.write(`tail: no subscriber "${name}"; the running pipeline has: ${subscribers.join(', ') || '(none)'}\n`);
    process.exit(1);
  }
  const sqs = localSqsClient(runtime.endpoints.sqs);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  process.stdout.write(`tailing subscriber ${name} (Ctrl-C to stop)\n`);
  try {
    await tail({
      sqs,
      queueUrl,
      json: args.includes('--json'),
      keep: args.includes('--keep'),
      print: (line) => void process.stdout.write(`${line}\n`),
      signal: controller.signal,
    });
  } catch (error) {
    process.stderr.write(`tail: ${(error as Error).message} (did \`npm start\` stop?)\n`);
    process.exitCode = 1;
  } finally {
    sqs.destroy();
  }
}

if (require.main === module) void main();
