/**
 * The record of one ingest request as it moves through the steps, and the one structured log line it ends in (ids,
 * counts, outcome; never a body, secret, token or whole phone number), which is also the EMF record of its counts.
 */
import type { NormalizedEvent } from '../events/schema';
import type { AuthFailureReason } from '../origin/types';
import type { EnqueueResult } from './enqueue';
import { logger } from './logger';
import { newRequestMetrics, type MetricsRecorder, type RequestMetrics } from './metrics';

export interface Trace {
  outcome: string;
  statusCode?: number;
  reason?: AuthFailureReason;
  header?: string;
  detail?: string;
  events?: readonly NormalizedEvent[];
  enqueue?: EnqueueResult;
  /** Name and throw site of an unexpected error. */
  error?: Record<string, string>;
  readonly metrics: RequestMetrics;
}

export const newTrace = (): Trace => ({ outcome: 'internal_error', metrics: newRequestMetrics() });

/** Ids listed in one log line; the counts are always complete. */
const MAX_LOGGED_IDS = 50;

/** The log message of each refusal, shown on the local console and in CloudWatch. */
export const AUTH_MESSAGES: Readonly<Record<AuthFailureReason, string>> = {
  not_configured: 'no credentials configured for this provider: every request is refused (fail closed)',
  invalid_credentials: 'credentials document is invalid: every request is refused (fail closed)',
  missing_header: 'credential header missing',
  header_mismatch: 'credential header does not match',
  missing_token: 'URL token missing',
  token_mismatch: 'URL token does not match',
  source_ip_not_allowed: 'source IP not in the allowed ranges',
  missing_signature: 'signature missing',
  signature_mismatch: 'signature does not match',
  timestamp_out_of_tolerance: 'signed timestamp outside the tolerance',
  missing_credentials: 'credentials missing',
  credentials_mismatch: 'credentials do not match',
  account_not_allowed: 'an event names an account not in the accounts list',
};

/** Seven or more digits in a row (a phone number inside a field path, say) keep only their last four. */
export function maskDigits(text: string): string {
  return text.replace(/\d{7,}/g, (digits) => `***${digits.slice(-4)}`).slice(0, 200);
}

/** Where an unexpected error was thrown, without its message (which may quote input). */
export function errorOrigin(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { errorName: typeof error };
  const frame = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  return { errorName: error.name, ...(frame ? { errorAt: frame.trim() } : {}) };
}

/** Writes the request's one log line (and its EMF record); when the level hides the line, the metrics go out alone. */
export function logTrace(
  trace: Trace,
  context: { readonly provider: string; readonly requestId: string; readonly startedAt: number; readonly metricsOf: MetricsRecorder },
): void {
  const statusCode = trace.statusCode ?? 500;
  const level =
    statusCode >= 500 || trace.reason === 'not_configured' || trace.reason === 'invalid_credentials' ? 'ERROR' : statusCode >= 400 ? 'WARN' : 'INFO';
  const metrics = context.metricsOf(trace.metrics, context.startedAt);
  if (!logger.isEnabled(level)) {
    if (metrics) logger.writeRecord(metrics);
    return;
  }
  // Built field by field rather than from spreads: this runs once per request, on the provider's clock.
  const events = trace.events ?? [];
  const fields: Record<string, unknown> = {
    provider: context.provider,
    requestId: context.requestId,
    outcome: trace.outcome,
    statusCode: trace.statusCode,
  };
  if (trace.reason) fields.reason = trace.reason;
  if (trace.header) fields.header = trace.header;
  if (trace.detail) fields.detail = trace.detail;
  if (trace.error) Object.assign(fields, trace.error);
  fields.events = events.length;
  fields.queued = trace.enqueue?.queued.size ?? 0;
  if (events.length > 0) {
    const eventIds: string[] = [];
    const messageIds: string[] = [];
    for (let index = 0; index < events.length && index < MAX_LOGGED_IDS; index++) {
      eventIds.push(events[index].eventId);
      const { messageId } = events[index];
      if (messageId) messageIds.push(messageId);
    }
    fields.eventIds = eventIds;
    fields.messageIds = messageIds;
  }
  const failures = trace.enqueue?.failures ?? [];
  if (failures.length > 0) fields.enqueueFailures = failures.slice(0, MAX_LOGGED_IDS).map(({ eventId, code }) => ({ eventId, code }));
  fields.durationMs = Date.now() - context.startedAt;
  if (metrics) Object.assign(fields, metrics);
  logger.log(level, trace.reason ? AUTH_MESSAGES[trace.reason] : `webhook ${trace.outcome}`, fields);
}
