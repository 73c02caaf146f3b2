/**
 * Delivery analytics as CloudWatch metrics: one `FinalStatuses` count per message reaching its first final
 * status, by provider, channel, recipient country and outcome. The dashboard derives the delivery rate and the
 * share of `unknown` outcomes from it (lib/constructs/monitoring.ts); `npm run ops -- stats` computes the same
 * figures, and the times to final status, from the table.
 *
 * Counted from what applying the event already knows (the status it replaced), so it costs no read. A message
 * whose status moves between finals (delivered, then read) counts once, at its first; an `unknown` final that a
 * real outcome overtakes later stays counted as unknown.
 *
 * Its own Metrics instance (four dimensions, not the consumer counters' one): published per batch, each
 * dimension combination in one EMF document.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ENV, METRICS } from '../settings';
import type { NormalizedEvent } from '../events/schema';
import { STATUS_TABLE, type CanonicalStatus } from '../events/status';
import { countryOf } from '../core/countries';
import { getOptionalStringFromEnv } from '../core/env';
import type { EventResult } from './applyEvent';

export type DeliveryOutcome = 'delivered' | 'failed' | 'unknown';

const OUTCOMES: Readonly<Record<CanonicalStatus, DeliveryOutcome | undefined>> = {
  accepted: undefined,
  queued: undefined,
  sending: undefined,
  sent: undefined,
  unknown: 'unknown',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  expired: 'failed',
  rejected: 'failed',
};

export interface FinalStatus {
  readonly provider: string;
  readonly channel: string;
  readonly country: string;
  readonly outcome: DeliveryOutcome;
}

/** The final status this delivery gave its message for the first time, or undefined. Pure. */
export function firstFinalOf(event: NormalizedEvent, result: Pick<EventResult, 'applied' | 'previousStatus'>): FinalStatus | undefined {
  // A part's final is not its message's: the roll-up's event counts for the message (multipart.ts).
  if (event.type !== 'message.status' || event.part || !result.applied || event.final !== true || event.status === undefined) return undefined;
  const previous = result.previousStatus;
  if (previous !== undefined && previous !== null && STATUS_TABLE[previous].final) return undefined;
  const outcome = OUTCOMES[event.status];
  if (!outcome) return undefined;
  return { provider: event.provider, channel: event.channel, country: countryOf(event.recipient?.e164), outcome };
}

/** Final statuses of one batch, counted per dimension combination. */
export type FinalCounts = Map<string, { readonly final: FinalStatus; count: number }>;

export function countFinal(counts: FinalCounts, final: FinalStatus | undefined): void {
  if (!final) return;
  const key = `${final.provider}\u0000${final.channel}\u0000${final.country}\u0000${final.outcome}`;
  const entry = counts.get(key) ?? { final, count: 0 };
  entry.count += 1;
  counts.set(key, entry);
}

/** The sink: one EMF document per dimension combination of the batch. */
export function createDeliveryMetricsSink(
  metrics: Metrics = new Metrics({ namespace: getOptionalStringFromEnv(ENV.metricsNamespace) ?? METRICS.namespace }),
): (counts: FinalCounts) => void {
  metrics.clearDefaultDimensions();
  return (counts) => {
    for (const { final, count } of counts.values()) {
      metrics.addDimension('provider', final.provider);
      metrics.addDimension('channel', final.channel);
      metrics.addDimension('country', final.country);
      metrics.addDimension('outcome', final.outcome);
      metrics.addMetric(METRICS.finalStatuses, MetricUnit.Count, count);
      metrics.publishStoredMetrics();
    }
  };
}
