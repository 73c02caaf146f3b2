/**
 * Puts normalized events on the events queue with `SendMessageBatch` and says exactly which ones are there, so
 * the reply never acknowledges an event that is not durably queued (promise 1).
 *
 * - Chunks of at most 10 entries and at most `maxBatchBytes` (a single larger message goes alone).
 * - Entries the batch reports as failed are retried, and only those, with a short backoff, a bounded number of
 *   times (default 3 attempts, 100 ms then 400 ms: well under API Gateway's 30 s). Sender faults
 *   (`SenderFault: true`: the entry itself is bad) are not retried: they would fail the same way.
 * - A chunk whose call throws counts as not queued at all. The SDK client has already retried it under its own
 *   retry strategy; if it did reach the queue after all, the provider's retry makes a duplicate, which the
 *   consumer absorbs (same eventId).
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { MAX_MESSAGE_SIZE_BYTES } from '../settings';
import { messageAttributesOf } from '../events/constants';
import type { NormalizedEvent } from '../events/schema';

/** Retry and batching knobs; the defaults keep a request well under API Gateway's 30 s. */
export interface EnqueueOptions {
  /** Attempts per entry, counting the first. @default 3 */
  readonly maxAttempts?: number;
  /** Wait before attempt `n` (2, 3, …), in ms. @default 100 × 4^(n−2) */
  readonly backoffMs?: (attempt: number) => number;
  /** Largest batch in bytes (bodies + attributes). @default MAX_MESSAGE_SIZE_BYTES (1 MiB, as the queues are set) */
  readonly maxBatchBytes?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Why one event is not on the queue. */
export interface EnqueueFailure {
  readonly eventId: string;
  /** The SQS error code (`InternalError`, `InvalidMessageContents`) or the thrown error's name. */
  readonly code: string;
  readonly senderFault: boolean;
}

/** What is on the queue and what is not: every event is in exactly one of `queued` and `failures`. */
export interface EnqueueResult {
  /** `eventId`s durably on the queue. */
  readonly queued: ReadonlySet<string>;
  /** SQS `MessageId`s of the queued events, for logs. */
  readonly messageIds: readonly string[];
  readonly failures: readonly EnqueueFailure[];
}

const MAX_ENTRIES = 10;
const DEFAULT_MAX_BATCH_BYTES = MAX_MESSAGE_SIZE_BYTES;
const defaultBackoff = (attempt: number) => 100 * 4 ** (attempt - 2);
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// SQS accepts #x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF. JSON.stringify already escapes control
// characters and lone surrogates; U+FFFE/U+FFFF would be refused, and some SQS emulators (fauxqs) refuse every
// astral character (emoji) too. Escaping them keeps the JSON value identical and the message always accepted.
const OUTSIDE_SAFE_SQS_TEXT = /[\uD800-\uDFFF\uFFFE\uFFFF]/g;
const escapeUnit = (unit: string) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The SQS message body of an event: its JSON, with characters SQS may refuse written as `\u` escapes. */
export function messageBodyOf(event: NormalizedEvent): string {
  return JSON.stringify(event).replace(OUTSIDE_SAFE_SQS_TEXT, escapeUnit);
}

interface Entry {
  readonly eventId: string;
  readonly request: SendMessageBatchRequestEntry;
  readonly bytes: number;
}

/**
 * The message body of an event, within the queue's size limit. An event carries the provider's item twice (as
 * `data` fields and as `raw`), and escaping can triple text, so a body under the cap can still make a message over
 * SQS's limit, which would be refused on every retry. Then `raw`, the audit copy, is left out (`null`, as the
 * consumer does for the topic): the normalized fields and `data` are all there, and the event is queued.
 */
function boundedBodyOf(event: NormalizedEvent, maxBytes: number): { body: string; bytes: number } {
  const body = messageBodyOf(event);
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes <= maxBytes || event.raw === null) return { body, bytes };
  const withoutRaw = messageBodyOf({ ...event, raw: null });
  return { body: withoutRaw, bytes: Buffer.byteLength(withoutRaw, 'utf8') };
}

/** Room left for the body once the attributes are counted, with a margin for their names and types. */
const ATTRIBUTE_ALLOWANCE = 1024;

function entryOf(event: NormalizedEvent, index: number): Entry {
  const { body, bytes } = boundedBodyOf(event, MAX_MESSAGE_SIZE_BYTES - ATTRIBUTE_ALLOWANCE);
  const attributes = messageAttributesOf(event);
  const MessageAttributes = Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
  // SQS counts body and attribute names, types and values against the size limit.
  const attributeBytes = Object.entries(attributes).reduce((sum, [name, value]) => sum + name.length + 6 + value.length, 0);
  return {
    eventId: event.eventId,
    request: { Id: String(index), MessageBody: body, MessageAttributes },
    bytes: bytes + attributeBytes,
  };
}

/** Splits entries into batches of at most 10 entries and `maxBytes` bytes, keeping their order. */
export function chunk<T extends { readonly bytes: number }>(entries: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const entry of entries) {
    if (current.length > 0 && (current.length === MAX_ENTRIES || size + entry.bytes > maxBytes)) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += entry.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

interface BatchOutcome {
  readonly sent: ReadonlyArray<{ entry: Entry; messageId: string }>;
  readonly retry: readonly Entry[];
  readonly failed: readonly EnqueueFailure[];
}

async function sendBatch(sqs: SQSClient, queueUrl: string, entries: readonly Entry[], lastAttempt: boolean): Promise<BatchOutcome> {
  const byId = new Map(entries.map((entry) => [entry.request.Id!, entry]));
  try {
    const output = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.map((e) => e.request) }));
    const sent = (output.Successful ?? []).flatMap((result) => {
      const entry = result.Id === undefined ? undefined : byId.get(result.Id);
      return entry ? [{ entry, messageId: result.MessageId ?? '' }] : [];
    });
    const retry: Entry[] = [];
    const failed: EnqueueFailure[] = [];
    const reported = new Set(sent.map(({ entry }) => entry.request.Id));
    for (const result of output.Failed ?? []) {
      const entry = result.Id === undefined ? undefined : byId.get(result.Id);
      if (!entry) continue;
      reported.add(entry.request.Id);
      const senderFault = result.SenderFault === true;
      if (senderFault || lastAttempt) failed.push({ eventId: entry.eventId, code: result.Code ?? 'Unknown', senderFault });
      else retry.push(entry);
    }
    // An entry the answer does not mention is not known to be queued: treat it as failed, never as sent.
    for (const entry of entries) {
      if (reported.has(entry.request.Id)) continue;
      if (lastAttempt) failed.push({ eventId: entry.eventId, code: 'MissingFromResponse', senderFault: false });
      else retry.push(entry);
    }
    return { sent, retry, failed };
  } catch (error) {
    const code = error instanceof Error ? error.name : 'Error';
    return { sent: [], retry: [], failed: entries.map((entry) => ({ eventId: entry.eventId, code, senderFault: false })) };
  }
}

/**
 * Sends `events` to the queue at `queueUrl`: one message per event, body = the event's JSON, message attributes
 * `provider`, `type`, `status`. Never throws; the result says what is queued and why the rest is not.
 *
 * @example
 * ```ts
 * import type { SQSClient } from '@aws-sdk/client-sqs';
 * import type { Normalized, ProviderAdapter } from '../providers/types';
 * declare const sqs: SQSClient;
 * declare const queueUrl: string;
 * declare const adapter: ProviderAdapter;
 * declare const normalized: Normalized;
 * const { queued } = await enqueueEvents(sqs, queueUrl, normalized.events);
 * const reply = adapter.reply({ normalized, queued });
 * ```
 */
export async function enqueueEvents(
  sqs: SQSClient,
  queueUrl: string,
  events: readonly NormalizedEvent[],
  options: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const backoff = options.backoffMs ?? defaultBackoff;
  const sleep = options.sleep ?? defaultSleep;
  const queued = new Set<string>();
  const messageIds: string[] = [];
  const failures: EnqueueFailure[] = [];

  let pending: Entry[] = events.map(entryOf);
  for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 1) await sleep(backoff(attempt));
    const lastAttempt = attempt === maxAttempts;
    const outcomes = await Promise.all(
      chunk(pending, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES).map((batch) => sendBatch(sqs, queueUrl, batch, lastAttempt)),
    );
    pending = [];
    for (const outcome of outcomes) {
      for (const { entry, messageId } of outcome.sent) {
        queued.add(entry.eventId);
        messageIds.push(messageId);
      }
      failures.push(...outcome.failed);
      pending.push(...outcome.retry);
    }
  }
  return { queued, messageIds, failures };
}
