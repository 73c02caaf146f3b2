/**
 * The consumer's CloudWatch metrics (Powertools EMF, names from `METRICS`, the one dimension `provider`). A batch
 * may mix providers, so counts are gathered per provider while the batch runs and flushed at its end in one
 * synchronous step per provider: concurrent batches in one process (the local runtime) never mix dimensions.
 *
 * Powertools prints EMF JSON to stdout; set `POWERTOOLS_METRICS_DISABLED=true` to keep it off a local console.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ENV, METRICS } from '../settings';
import { getOptionalStringFromEnv } from '../core/env';
import type { EventResult } from './applyEvent';

export type ConsumerMetricName =
  | typeof METRICS.statusesApplied
  | typeof METRICS.unknownStatuses
  | typeof METRICS.duplicateEvents
  | typeof METRICS.recordFailures;

export type BatchCounts = Map<string, Partial<Record<ConsumerMetricName, number>>>;

/** Which metric each fact of an {@link EventResult} counts toward. */
const COUNTED: ReadonlyArray<readonly [keyof EventResult, ConsumerMetricName]> = [
  ['applied', METRICS.statusesApplied],
  ['unmappedStatus', METRICS.unknownStatuses],
  ['duplicate', METRICS.duplicateEvents],
];

function increment(counts: BatchCounts, provider: string, name: ConsumerMetricName): void {
  const row = counts.get(provider) ?? {};
  row[name] = (row[name] ?? 0) + 1;
  counts.set(provider, row);
}

/** Counts one applied delivery. */
export function countResult(counts: BatchCounts, result: EventResult): void {
  for (const [fact, name] of COUNTED) if (result[fact] === true) increment(counts, result.provider, name);
}

/** Counts one failed record (`provider` is `unknown` when the record did not say). */
export function countFailure(counts: BatchCounts, provider: string): void {
  increment(counts, provider, METRICS.recordFailures);
}

/**
 * The sink of one consumer: a Metrics instance whose only dimension is `provider`, set per flush. Its namespace is
 * the deployment's (`POWERTOOLS_METRICS_NAMESPACE`, which the stack sets from its config), else `METRICS.namespace`.
 */
export function createMetricsSink(
  metrics: Metrics = new Metrics({ namespace: getOptionalStringFromEnv(ENV.metricsNamespace) ?? METRICS.namespace }),
): (counts: BatchCounts) => void {
  // Powertools adds `service` by default; the stack's alarms and dashboard look at `{provider}` alone.
  metrics.clearDefaultDimensions();
  return (counts) => {
    for (const [provider, row] of counts) {
      const entries = Object.entries(row).filter(([, value]) => value !== undefined && value > 0);
      if (entries.length === 0) continue;
      metrics.addDimension('provider', provider);
      for (const [name, value] of entries) metrics.addMetric(name, MetricUnit.Count, value!);
      metrics.publishStoredMetrics();
    }
  };
}
