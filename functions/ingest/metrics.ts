/**
 * The ingest function's CloudWatch metrics (Powertools EMF, names from `METRICS`). Counts are gathered per
 * request and flushed in one synchronous step at its end, so concurrent requests in one process (the local
 * runtime) never mix their dimensions or metadata.
 *
 * Powertools prints EMF JSON to stdout; set `POWERTOOLS_METRICS_DISABLED=true` to keep it off a local console.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../../lib/pipeline-settings';

/** The `METRICS` names the ingest function emits. */
export type IngestMetricName =
  | typeof METRICS.authFailures
  | typeof METRICS.invalidBodies
  | typeof METRICS.pings
  | typeof METRICS.eventsQueued
  | typeof METRICS.enqueueFailures
  | typeof METRICS.unknownEvents;

/** What one request counted, plus metadata (not dimensions) such as the reason of an auth failure. */
export interface RequestMetrics {
  readonly counts: Partial<Record<IngestMetricName, number>>;
  readonly metadata: Record<string, string>;
}

/** An empty tally for one request. */
export function newRequestMetrics(): RequestMetrics {
  return { counts: {}, metadata: {} };
}

/** Adds `value` to a request's count of `name`. */
export function count(metrics: RequestMetrics, name: IngestMetricName, value = 1): void {
  metrics.counts[name] = (metrics.counts[name] ?? 0) + value;
}

/**
 * One EMF sink per handler. Its only dimension is `provider`, fixed for its lifetime: Powertools would add a
 * `service` dimension by default, and the stack's alarms look at `{provider}` alone.
 */
export function createMetricsSink(provider: string): (request: RequestMetrics) => void {
  const sink = new Metrics({ namespace: METRICS.namespace });
  sink.clearDefaultDimensions();
  sink.setDefaultDimensions({ provider });
  return (request) => {
    const entries = Object.entries(request.counts).filter(([, value]) => value !== undefined && value > 0);
    if (entries.length === 0) return;
    for (const [name, value] of entries) sink.addMetric(name, MetricUnit.Count, value!);
    for (const [key, value] of Object.entries(request.metadata)) sink.addMetadata(key, value);
    sink.publishStoredMetrics();
  };
}
