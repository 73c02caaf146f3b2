/**
 * The ingest function's CloudWatch metrics, as Embedded Metric Format members (names from `METRICS`). Counts are
 * gathered per request and turned into one EMF record at its end, so concurrent requests in one process (the
 * local runtime) never mix their dimensions or metadata.
 *
 * The record is written inside the request's log line (see `createIngestHandler`): CloudWatch extracts metrics
 * from any JSON log line with an `_aws` member, so one line carries both, at the cost of one `JSON.stringify` and
 * one write instead of two. No Powertools metrics here: it weighed 17 kB of the ingest bundle and a quarter of
 * its CPU per request (`npm run bench`), for the few lines below.
 *
 * Environment, as Powertools reads it: `POWERTOOLS_METRICS_NAMESPACE` (the stack sets it from the deployment's
 * `metricsNamespace`, which is what its alarms watch), else `INGEST_METRICS.namespace`; `POWERTOOLS_METRICS_DISABLED=true`
 * (or `POWERTOOLS_DEV=true` without it) keeps them off, as the local runtime does.
 */
import { INGEST_METRICS } from '../settings';

export type IngestMetricName =
  | typeof INGEST_METRICS.authFailures
  | typeof INGEST_METRICS.invalidBodies
  | typeof INGEST_METRICS.pings
  | typeof INGEST_METRICS.eventsQueued
  | typeof INGEST_METRICS.enqueueFailures
  | typeof INGEST_METRICS.unknownEvents;

/** What one request counted, plus metadata (not dimensions) such as the reason of an auth failure. */
export interface RequestMetrics {
  readonly counts: Partial<Record<IngestMetricName, number>>;
  readonly metadata: Record<string, string>;
}

export function newRequestMetrics(): RequestMetrics {
  return { counts: {}, metadata: {} };
}

export function count(metrics: RequestMetrics, name: IngestMetricName, value = 1): void {
  metrics.counts[name] = (metrics.counts[name] ?? 0) + value;
}

type Env = Readonly<Record<string, string | undefined>>;

const isTrue = (value: string | undefined) => value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());

/** Whether the environment turns metrics off (Powertools' rule: `POWERTOOLS_METRICS_DISABLED` first, then `POWERTOOLS_DEV`). */
export function metricsDisabled(env: Env): boolean {
  return env.POWERTOOLS_METRICS_DISABLED !== undefined ? isTrue(env.POWERTOOLS_METRICS_DISABLED) : isTrue(env.POWERTOOLS_DEV);
}

/** Turns one request's counts into EMF members, or `undefined` when there is nothing to send. */
export type MetricsRecorder = (request: RequestMetrics, timestamp: number) => Record<string, unknown> | undefined;

/**
 * One recorder per handler. Its only dimension is `provider`, fixed for its lifetime: the stack's alarms look at
 * `{provider}` alone (Powertools would have added `service`).
 *
 * @example
 * ```ts
 * const metrics = newRequestMetrics();
 * count(metrics, 'EventsQueued', 2);
 * const record = createMetricsRecorder('webcom')(metrics, Date.now());
 * // { _aws: { Timestamp, CloudWatchMetrics: [{ Namespace, Dimensions: [['provider']], Metrics }] }, provider: 'webcom', EventsQueued: 2 }
 * ```
 */
export function createMetricsRecorder(provider: string, env: Env = process.env): MetricsRecorder {
  if (metricsDisabled(env)) return () => undefined;
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE?.trim() || INGEST_METRICS.namespace;
  const dimensions = [['provider']];
  return (request, timestamp) => {
    const names = (Object.keys(request.counts) as IngestMetricName[]).filter((name) => (request.counts[name] ?? 0) > 0);
    if (names.length === 0) return undefined;
    const record: Record<string, unknown> = {
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [{ Namespace: namespace, Dimensions: dimensions, Metrics: names.map((name) => ({ Name: name, Unit: 'Count' })) }],
      },
      ...request.metadata,
      provider,
    };
    for (const name of names) record[name] = request.counts[name];
    return record;
  };
}
