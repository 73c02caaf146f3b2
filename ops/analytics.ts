/**
 * Delivery analytics, pure: from each outbound message's stored facts to per provider × channel × country figures.
 * The same function serves `npm run ops -- stats` (on AWS and locally) and the local console.
 *
 * Definitions (docs in the README, "Operating it"):
 * - a message counts once, in the row of its provider, channel and recipient country;
 * - delivery rate: messages whose final status is `delivered` or `read`, over messages with a final status;
 * - time to final: from the message's first recorded status (its provider time, the nearest we have to "sent") to
 *   the provider time of its final status; p50 and p95 over the messages that have one;
 * - unknown share: messages whose final status is `unknown` (the provider's "no report will come");
 * - missing share: messages with no final status (yet): no receipt arrived;
 * - refusal rate: per provider only (a refused request has no channel or country): refused requests over all.
 */
import type { CanonicalStatus } from '../functions/events/status';

/** What analytics needs of one message. */
export interface MessageFacts {
  readonly provider: string;
  readonly channel: string;
  readonly country: string;
  readonly status: CanonicalStatus;
  readonly final: boolean;
  /** Provider time of its earliest recorded status event, ISO. */
  readonly firstAt: string;
  /** Provider time of its current status, ISO. */
  readonly statusAt: string;
}

export interface DeliveryRow {
  readonly provider: string;
  readonly channel: string;
  readonly country: string;
  readonly messages: number;
  readonly final: number;
  readonly delivered: number;
  readonly failed: number;
  readonly unknown: number;
  readonly missing: number;
  /** delivered / final; null without a final message. */
  readonly deliveryRate: number | null;
  readonly unknownShare: number;
  readonly missingShare: number;
  /** Time to final status, ms; null without a final message. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

export interface RefusalRow {
  readonly provider: string;
  readonly requests: number;
  readonly refused: number;
  readonly refusalRate: number | null;
}

const DELIVERED: ReadonlySet<CanonicalStatus> = new Set(['delivered', 'read']);
const FAILED: ReadonlySet<CanonicalStatus> = new Set(['undelivered', 'failed', 'expired', 'rejected']);

/** Nearest-rank percentile of sorted values: the smallest value with at least `p` of them at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1];
}

/** The rows, sorted by provider, channel, country; `ALL` rows are not added (callers sum what they need). */
export function deliveryStats(messages: readonly MessageFacts[]): DeliveryRow[] {
  const groups = new Map<string, MessageFacts[]>();
  for (const message of messages) {
    const key = `${message.provider}\u0000${message.channel}\u0000${message.country}`;
    groups.set(key, [...(groups.get(key) ?? []), message]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => {
      const finals = group.filter((message) => message.final);
      const delivered = finals.filter((message) => DELIVERED.has(message.status)).length;
      const durations = finals
        .map((message) => Date.parse(message.statusAt) - Date.parse(message.firstAt))
        .filter((ms) => Number.isFinite(ms) && ms >= 0)
        .sort((a, b) => a - b);
      const unknown = finals.filter((message) => message.status === 'unknown').length;
      const missing = group.length - finals.length;
      return {
        provider: group[0].provider,
        channel: group[0].channel,
        country: group[0].country,
        messages: group.length,
        final: finals.length,
        delivered,
        failed: finals.filter((message) => FAILED.has(message.status)).length,
        unknown,
        missing,
        deliveryRate: finals.length > 0 ? delivered / finals.length : null,
        unknownShare: unknown / group.length,
        missingShare: missing / group.length,
        p50Ms: percentile(durations, 0.5),
        p95Ms: percentile(durations, 0.95),
      };
    });
}

/** Refusal rate per provider from request counts. */
export function refusalStats(counts: Readonly<Record<string, { requests: number; refused: number }>>): RefusalRow[] {
  return Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([provider, { requests, refused }]) => ({ provider, requests, refused, refusalRate: requests > 0 ? refused / requests : null }));
}

const percent = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)}%`);

/** Milliseconds as the shortest readable unit. */
export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A plain-text table of the figures, for the terminal. */
export function formatStats(rows: readonly DeliveryRow[], refusals: readonly RefusalRow[] | undefined): string[] {
  const header = ['provider', 'channel', 'country', 'messages', 'delivered', 'p50', 'p95', 'unknown', 'missing'];
  const body = rows.map((row) => [
    row.provider,
    row.channel,
    row.country,
    String(row.messages),
    percent(row.deliveryRate),
    duration(row.p50Ms),
    duration(row.p95Ms),
    percent(row.unknownShare),
    percent(row.missingShare),
  ]);
  const lines = table(header, body);
  if (rows.length === 0) lines.push('(no outbound message in the table)');
  lines.push('');
  if (refusals === undefined) {
    lines.push('refusal rate: not known here (locally the console counts requests while `npm start` runs; on AWS CloudWatch did not answer)');
  } else {
    lines.push(
      ...table(
        ['provider', 'requests', 'refused', 'refusal rate'],
        refusals.map((row) => [row.provider, String(row.requests), String(row.refused), percent(row.refusalRate)]),
      ),
    );
  }
  return lines;
}

function table(header: readonly string[], body: readonly string[][]): string[] {
  const widths = header.map((name, column) => Math.max(name.length, ...body.map((row) => row[column].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)];
}
