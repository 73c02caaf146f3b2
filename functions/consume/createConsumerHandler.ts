/**
 * The consumer Lambda (SQS event source with `ReportBatchItemFailures`): Powertools `batch` runs each record
 * through {@link applyEvent} and answers the records that failed, so only those are retried and, after
 * `maxReceiveCount` tries, dead-lettered. The handler owns the loop, metrics and logs; the business is in
 * `applyEvent.ts`, the table in `functions/store`, the topic in `functions/publish`.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { QUEUE, TIMERS } from '../settings';
import { PROVIDER_ID_PATTERN } from '../events/schema';
import { createPublisher } from '../publish/createPublisher';
import { ConfigurationError } from '../core/errors';
import { logger } from '../core/logger';
import { createStatusStore } from '../store/createStatusStore';
import { createTimerStore } from '../timers/createTimerStore';
import { staleTimerOf, type StaleWindows } from '../timers/stale';
import { applyRecord, applyWholeMessage, type MultipartContext } from './multipart';
import { countFinal, createDeliveryMetricsSink, firstFinalOf, type FinalCounts } from './delivery';
import { countFailure, countResult, createMetricsSink, type BatchCounts } from './metrics';
import { parseRecord } from './parseRecord';

/**
 * A claim to publish outlives any one invocation (the consumer's timeout), so a live claimant is never overtaken,
 * and expires well before a dead-lettered claimant would be looked at, so a later duplicate can publish instead.
 */
export const DEFAULT_CLAIM_SECONDS = 2 * QUEUE.consumerTimeoutSeconds;

export interface ConsumerDependencies {
  dynamodb: DynamoDBClient;
  tableName: string;
  /** With `topicArn`: publish each recorded event on the topic of applied events. */
  sns?: SNSClient;
  topicArn?: string;
  /** Days until recorded items expire; 0 keeps them for ever. @default TABLE.defaultTtlDays */
  ttlDays?: number;
  now?: () => Date;
  /** The EMF sink. @default a Metrics instance in the `METRICS.namespace` namespace */
  metrics?: Metrics;
  /** @default DEFAULT_CLAIM_SECONDS */
  claimSeconds?: number;
  /**
   * The EMF sink of the delivery analytics (`FinalStatuses`, four dimensions, ./delivery.ts). @default its own
   * Metrics instance; none when `metrics` is given without it (a caller with its own sink, such as a test, gets
   * no second stream of EMF on stdout)
   */
  deliveryMetrics?: Metrics;
  /** Hours a provider time may be from its arrival and still order events (functions/events/status.ts). @default 24 */
  trustedTimeWindowHours?: number;
  /** Seconds the parts of an inbound SMS are waited for before it is published incomplete (./multipart.ts). @default 3600 */
  reassemblyTimeoutSeconds?: number;
  /**
   * How long each provider's messages may stay non-final before the sweeper marks them `unknown`
   * (functions/timers/stale.ts): the consumer writes a message's timer with its first status.
   * @default TIMERS.defaultStaleAfterHours for every provider
   */
  staleWindows?: StaleWindows;
}

/** The `provider` attribute the ingest side sets on every record, when it is a provider id; for failure counts. */
function providerAttributeOf(record: SQSRecord): string {
  const value = record.messageAttributes?.provider?.stringValue;
  return value !== undefined && PROVIDER_ID_PATTERN.test(value) ? value : 'unknown';
}

function checked(deps: ConsumerDependencies): ConsumerDependencies {
  const problems: string[] = [];
  if (!deps.tableName) problems.push('tableName is empty');
  if (deps.topicArn && !deps.sns) problems.push('topicArn is set but no SNS client was given');
  if (deps.ttlDays !== undefined && !(deps.ttlDays >= 0)) problems.push('ttlDays must be 0 or more');
  if (deps.claimSeconds !== undefined && !(deps.claimSeconds > 0)) problems.push('claimSeconds must be more than 0');
  if (deps.trustedTimeWindowHours !== undefined && !(deps.trustedTimeWindowHours > 0)) problems.push('trustedTimeWindowHours must be more than 0');
  if (deps.reassemblyTimeoutSeconds !== undefined && !(deps.reassemblyTimeoutSeconds > 0))
    problems.push('reassemblyTimeoutSeconds must be more than 0');
  const windows = deps.staleWindows;
  if (windows && !(windows.defaultHours >= 0)) problems.push('staleWindows.defaultHours must be 0 or more');
  for (const [provider, hours] of Object.entries(windows?.byProvider ?? {})) {
    if (!(hours >= 0)) problems.push(`staleWindows.byProvider.${provider} must be 0 or more`);
  }
  if (problems.length > 0) throw new ConfigurationError(`consumer: ${problems.join('; ')}`);
  return deps;
}

/**
 * Builds the consumer handler.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { SNSClient } from '@aws-sdk/client-sns';
 *
 * const handler = createConsumerHandler({
 *   dynamodb: new DynamoDBClient({}),
 *   tableName: 'webhook-messages-prod',
 *   sns: new SNSClient({}),
 *   topicArn: 'arn:aws:sns:eu-west-1:123456789012:webhook-applied-events-prod',
 * });
 * ```
 */
export function createConsumerHandler(deps: ConsumerDependencies): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const {
    dynamodb,
    tableName,
    sns,
    topicArn,
    ttlDays,
    now,
    metrics,
    claimSeconds,
    deliveryMetrics,
    trustedTimeWindowHours,
    reassemblyTimeoutSeconds,
  } = checked(deps);
  const clock = now ?? (() => new Date());
  const staleWindows = deps.staleWindows ?? { defaultHours: TIMERS.defaultStaleAfterHours };
  const timers = createTimerStore({ dynamodb, tableName });
  const applyContext: MultipartContext = {
    store: createStatusStore({
      dynamodb,
      tableName,
      ttlDays,
      now,
      trustedTimeWindowMs: trustedTimeWindowHours === undefined ? undefined : trustedTimeWindowHours * 3_600_000,
    }),
    publisher: sns && topicArn ? createPublisher({ sns, topicArn }) : undefined,
    claimSeconds: claimSeconds ?? DEFAULT_CLAIM_SECONDS,
    now: clock,
    onNewMessage: async (item) => {
      const timer = staleTimerOf(item, clock(), staleWindows);
      if (timer) await timers.schedule(timer);
    },
    reassemblyTimeoutSeconds,
    schedule: (timer) => timers.schedule(timer),
  };
  const flush = createMetricsSink(metrics);
  const flushFinals = deliveryMetrics || !metrics ? createDeliveryMetricsSink(deliveryMetrics) : () => undefined;

  return async (event, context) => {
    const counts: BatchCounts = new Map();
    const finals: FinalCounts = new Map();
    const recordHandler = async (record: SQSRecord): Promise<void> => {
      let provider = providerAttributeOf(record);
      let eventId: string | undefined;
      try {
        const normalized = parseRecord(record);
        ({ provider, eventId } = normalized);
        // A reassembled message from the sweeper may find its parts in another message already: then nothing to do.
        const result = await applyRecord(normalized, record.messageId, applyContext);
        if (result) {
          countResult(counts, result);
          countFinal(finals, firstFinalOf(normalized, result));
        }
        // A part (recorded, never published) may complete its message: that one is applied and counted in its place.
        const whole = await applyWholeMessage(normalized, record.messageId, applyContext);
        if (whole) {
          countResult(counts, whole.result);
          countFinal(finals, firstFinalOf(whole.event, whole.result));
        }
      } catch (error) {
        countFailure(counts, provider);
        logger.warn('record failed; left for retry or the dead-letter queue', {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          provider,
          eventId,
          error: error as Error,
        });
        throw error;
      }
    };
    try {
      // A new processor per invocation: it holds the batch's state, and the local runtime may run two at once.
      return await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
        context,
        // Every failure as batchItemFailures, even when all fail, so the answer has one shape (same effect on AWS).
        throwOnFullBatchFailure: false,
      });
    } finally {
      flush(counts);
      flushFinals(finals);
    }
  };
}
