/**
 * The record ingest: the entry for providers that do not call us over HTTP (AWS End User Messaging), one function per
 * provider from one factory, like the HTTP ingest. EventBridge or SNS invokes it; it has no reply.
 *
 * ```
 * EventBridge event | SNS Records[]  →  records  →  adapter.normalizeRecord  →  SendMessageBatch (enqueue.ts)
 *                                                          all queued → return       anything not queued → throw
 * ```
 *
 * Both services invoke Lambda asynchronously: a thrown error makes Lambda retry the invocation, then hand the event
 * to the function's on-failure destination (the stack's dead-letter queue), so an event that could not be queued is
 * retried and never lost. A record the adapter cannot read at all is thrown too: it ends on that queue, where an
 * operator can see it, instead of being acknowledged. Every invocation writes one structured log line (ids, counts,
 * outcome; never a body or a whole phone number), which carries the EMF record of its counts (`metrics.ts`).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { INGEST_METRICS } from '../settings';
import type { NormalizedEvent } from '../events/schema';
import { sourceRecordsOf } from '../providers/records';
import type { ProviderAdapter } from '../providers/types';
import { ConfigurationError, ValidationError } from '../core/errors';
import { isValidTimeZone } from '../core/time';
import { enqueueEvents, type EnqueueOptions } from './enqueue';
import { logger } from './logger';
import { count, createMetricsRecorder, newRequestMetrics } from './metrics';
import { errorOrigin, maskDigits } from './trace';

export interface RecordIngestDependencies {
  /** An adapter with `normalizeRecord`. */
  adapter: ProviderAdapter;
  sqs: SQSClient;
  eventsQueueUrl: string;
  /** IANA zone of the provider's zone-less timestamps. @default the adapter's `defaultTimeZone` */
  timeZone?: string;
  now?: () => Date;
  /** Retry knobs of the enqueue step (tests shorten the backoff). */
  enqueue?: EnqueueOptions;
}

/** What one invocation did, returned to the caller (Lambda ignores it; the local entry point answers with it). */
export interface RecordIngestResult {
  readonly records: number;
  readonly events: number;
  readonly queued: number;
  readonly eventIds: readonly string[];
}

/** Thrown when an event could not be queued, so the invocation fails and AWS retries it. */
export class RecordEnqueueError extends Error {
  constructor(
    readonly notQueued: number,
    readonly events: number,
  ) {
    super(`${notQueued} of ${events} events could not be queued; the invocation fails so that it is retried`);
    this.name = 'RecordEnqueueError';
  }
}

/** Ids listed in one log line; the counts are always complete. */
const MAX_LOGGED_IDS = 50;

/**
 * Builds the record ingest handler of one provider.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { adapterFor } from '../providers';
 * declare const eventsQueueUrl: string;
 * declare const eventBridgeEvent: unknown;
 * const handler = createRecordIngestHandler({ adapter: adapterFor('aws-eum-sms'), sqs: new SQSClient({}), eventsQueueUrl });
 * await handler(eventBridgeEvent); // throws when anything could not be queued
 * ```
 */
export function createRecordIngestHandler(deps: RecordIngestDependencies): (event: unknown) => Promise<RecordIngestResult> {
  const { adapter } = deps;
  const normalizeRecord = adapter.normalizeRecord?.bind(adapter);
  if (!normalizeRecord) throw new ConfigurationError(`provider ${adapter.id} has no record ingest (normalizeRecord)`);
  const timeZone = deps.timeZone ?? adapter.defaultTimeZone;
  if (timeZone !== adapter.defaultTimeZone && !isValidTimeZone(timeZone)) throw new ConfigurationError(`unknown time zone ${timeZone}`);
  const now = deps.now ?? (() => new Date());
  const metricsOf = createMetricsRecorder(adapter.id);

  return async function handle(event: unknown): Promise<RecordIngestResult> {
    const startedAt = Date.now();
    const metrics = newRequestMetrics();
    const fields: Record<string, unknown> = { provider: adapter.id, outcome: 'internal_error' };
    let events: NormalizedEvent[] = [];
    let level: 'INFO' | 'WARN' | 'ERROR' = 'ERROR';
    try {
      const receivedAt = now().toISOString();
      let records: ReturnType<typeof sourceRecordsOf>;
      try {
        records = sourceRecordsOf(event);
        fields.records = records.length;
        fields.source = records[0]?.source;
        events = records.flatMap((record) => normalizeRecord(record, { receivedAt, timeZone }).events);
      } catch (error) {
        if (error instanceof ValidationError) {
          count(metrics, INGEST_METRICS.invalidBodies);
          fields.outcome = 'invalid_record';
          fields.detail = maskDigits(error.message);
        }
        throw error;
      }
      const enqueued = events.length > 0 ? await enqueueEvents(deps.sqs, deps.eventsQueueUrl, events, deps.enqueue) : undefined;
      const queued = enqueued?.queued.size ?? 0;
      count(metrics, INGEST_METRICS.eventsQueued, queued);
      count(metrics, INGEST_METRICS.enqueueFailures, events.length - queued);
      count(metrics, INGEST_METRICS.unknownEvents, events.filter((item) => item.type === 'provider.unknown').length);
      fields.queued = queued;
      const failures = enqueued?.failures ?? [];
      if (failures.length > 0) fields.enqueueFailures = failures.slice(0, MAX_LOGGED_IDS).map(({ eventId, code }) => ({ eventId, code }));
      if (queued < events.length) {
        fields.outcome = 'queue_unavailable';
        throw new RecordEnqueueError(events.length - queued, events.length);
      }
      fields.outcome = 'accepted';
      level = 'INFO';
      return { records: records.length, events: events.length, queued, eventIds: events.map((item) => item.eventId) };
    } catch (error) {
      if (fields.outcome === 'internal_error') Object.assign(fields, errorOrigin(error));
      if (fields.outcome === 'invalid_record') level = 'WARN';
      throw error;
    } finally {
      fields.events = events.length;
      if (events.length > 0) {
        fields.eventIds = events.slice(0, MAX_LOGGED_IDS).map((item) => item.eventId);
        fields.messageIds = events.slice(0, MAX_LOGGED_IDS).flatMap((item) => (item.messageId ? [item.messageId] : []));
      }
      fields.durationMs = Date.now() - startedAt;
      const record = metricsOf(metrics, startedAt);
      if (logger.isEnabled(level)) {
        if (record) Object.assign(fields, record);
        logger.log(level, `records ${String(fields.outcome)}`, fields);
      } else if (record) logger.writeRecord(record);
    }
  };
}
