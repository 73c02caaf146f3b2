/**
 * The shape of `bench-results.json` (issue 6's fields, and issue 14's added to them) and the budgets of docs/performance.md "Budgets"
 * evaluated against it, each against a baseline measured in the same run. Pure: the bench measures, this decides;
 * `test/bench/budgets.test.ts` pins the rules without any timing.
 *
 * | budget | rule |
 * |---|---|
 * | ingest bundle | `bundleBytes` ≤ baseline `bundleBytes` + 60 kB (60,000 bytes) + `parserBytes` (the parser or verifier library the format needs, bundled alone) |
 * | ingest cold import | `importMs` ≤ 1.15 × baseline `importMs` |
 * | ingest warm CPU | `cpuUsPerRequest` ≤ 3 × `jsonFloorUsPerRequest` + 15 µs |
 * | ingest throughput | e2e `requestsPerSecond` ≥ 0.7 × `relayRequestsPerSecond` (a bare relay: HTTP in, SendMessageBatch out) |
 * | consumer throughput | `eventsPerSecond` ≥ 0.8 × `engineWritesPerSecond` / writes per new status event |
 * | write units | `writeUnitsPerStatusEvent` ≤ 3 |
 * | cost | `costPerMillionUsd` ≤ 4.50 (the cost model, busy traffic: `./cost.ts`) |
 * | local end to end | `lost` = 0 and `wrongStatus` = 0 |
 */

export interface BundleFigures {
  readonly bundleBytes: number;
  readonly importMs: number;
}

export interface IngestFigures extends BundleFigures {
  readonly cpuUsPerRequest: number;
  readonly jsonFloorUsPerRequest: number;
  /** The parser or verifier library (fast-xml-parser, jose, …) its bundle carries, bundled alone; 0 when none. */
  readonly parserBytes: number;
  /** The Node version the figures were measured on. */
  readonly node: string;
}

export interface ConsumerFigures extends BundleFigures {
  /** Events applied per second, from the first webhook sent to the queue drained. */
  readonly eventsPerSecond: number;
  /** The table engine's own conditional writes per second, same run, same concurrency as the consumer. */
  readonly engineWritesPerSecond: number;
  /** Write units metered per new status event (mean over the run). */
  readonly writeUnitsPerStatusEvent: number;
}

export interface EndToEndFigures {
  readonly webhooks: number;
  readonly concurrency: number;
  readonly lost: number;
  readonly wrongStatus: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** A bare relay (HTTP in, SendMessageBatch out) on the same engines, same client, same run. */
  readonly relayRequestsPerSecond: number;
}

/** `bench-results.json`. */
export interface BenchResults {
  readonly baseline: BundleFigures;
  readonly ingest: Readonly<Record<string, IngestFigures>>;
  readonly consumer: ConsumerFigures;
  readonly e2e: EndToEndFigures;
  /** The cost model's total per million webhooks, busy traffic (`./cost.ts`). */
  readonly costPerMillionUsd: number;
}

/** docs/performance.md "Budgets" and issue 14. kB is read as 1,000 bytes, the stricter of the two readings. */
export const BUDGETS = {
  bundleHeadroomBytes: 60_000,
  importFactor: 1.15,
  cpuFactor: 3,
  cpuAllowanceUs: 15,
  relayFactor: 0.7,
  consumerFactor: 0.8,
  /** Writes (calls) a new status event makes on the table: the state or publication item, then the history item. */
  writesPerStatusEvent: 2,
  writeUnitsPerStatusEvent: 3,
  costPerMillionUsd: 4.5,
  lost: 0,
  wrongStatus: 0,
} as const;

export type BudgetName = 'bundle' | 'import' | 'cpu' | 'throughput' | 'consumer' | 'writeUnits' | 'cost' | 'lost' | 'wrongStatus';

/** One budget applied to one subject (a provider's ingest function, the consumer, or the end-to-end run). */
export interface BudgetCheck {
  readonly subject: string;
  readonly budget: BudgetName;
  readonly measured: number;
  /** The limit, computed from the baseline measured in the same run. */
  readonly limit: number;
  readonly unit: 'B' | 'ms' | 'µs' | 'count' | 'rps' | 'eps' | 'WRU' | 'USD';
  /** `min`: the measure must reach the limit (throughput); otherwise stay under it. */
  readonly direction?: 'min';
  readonly holds: boolean;
}

const check = (subject: string, budget: BudgetName, measured: number, limit: number, unit: BudgetCheck['unit'], direction?: 'min'): BudgetCheck => ({
  subject,
  budget,
  measured,
  limit,
  unit,
  ...(direction ? { direction } : {}),
  // A figure that is not a finite number (a probe that failed) never passes.
  holds: Number.isFinite(measured) && Number.isFinite(limit) && (direction === 'min' ? measured >= limit : measured <= limit),
});

/** Every budget against `results`: ingest functions in the order given, then the consumer, the run and the cost. */
export function evaluateBudgets(results: BenchResults): BudgetCheck[] {
  const { baseline, consumer, e2e } = results;
  const perProvider = Object.entries(results.ingest).flatMap(([provider, figures]) => [
    check(provider, 'bundle', figures.bundleBytes, baseline.bundleBytes + BUDGETS.bundleHeadroomBytes + figures.parserBytes, 'B'),
    check(provider, 'import', figures.importMs, baseline.importMs * BUDGETS.importFactor, 'ms'),
    check(provider, 'cpu', figures.cpuUsPerRequest, figures.jsonFloorUsPerRequest * BUDGETS.cpuFactor + BUDGETS.cpuAllowanceUs, 'µs'),
  ]);
  return [
    ...perProvider,
    check('ingest', 'throughput', e2e.requestsPerSecond, e2e.relayRequestsPerSecond * BUDGETS.relayFactor, 'rps', 'min'),
    check(
      'consumer',
      'consumer',
      consumer.eventsPerSecond,
      (consumer.engineWritesPerSecond / BUDGETS.writesPerStatusEvent) * BUDGETS.consumerFactor,
      'eps',
      'min',
    ),
    check('consumer', 'writeUnits', consumer.writeUnitsPerStatusEvent, BUDGETS.writeUnitsPerStatusEvent, 'WRU'),
    check('aws', 'cost', results.costPerMillionUsd, BUDGETS.costPerMillionUsd, 'USD'),
    check('e2e', 'lost', e2e.lost, BUDGETS.lost, 'count'),
    check('e2e', 'wrongStatus', e2e.wrongStatus, BUDGETS.wrongStatus, 'count'),
  ];
}

/** True when every budget holds. */
export const allHold = (checks: readonly BudgetCheck[]): boolean => checks.every((entry) => entry.holds);

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function numbersOf(value: unknown, keys: readonly string[], where: string, problems: string[], strings: readonly string[] = []): void {
  if (typeof value !== 'object' || value === null) {
    problems.push(`${where} is missing`);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of keys) if (!isFiniteNumber(record[key])) problems.push(`${where}.${key} is not a number`);
  for (const key of strings) if (typeof record[key] !== 'string' || record[key] === '') problems.push(`${where}.${key} is not a text`);
  for (const key of Object.keys(record)) if (!keys.includes(key) && !strings.includes(key)) problems.push(`${where}.${key} is not part of the shape`);
}

const BUNDLE_KEYS = ['bundleBytes', 'importMs'] as const;
const CONSUMER_KEYS = ['bundleBytes', 'importMs', 'eventsPerSecond', 'engineWritesPerSecond', 'writeUnitsPerStatusEvent'] as const;
const INGEST_KEYS = ['bundleBytes', 'importMs', 'cpuUsPerRequest', 'jsonFloorUsPerRequest', 'parserBytes'] as const;
const E2E_KEYS = ['webhooks', 'concurrency', 'lost', 'wrongStatus', 'requestsPerSecond', 'p50Ms', 'p99Ms', 'relayRequestsPerSecond'] as const;

/**
 * What is wrong with `value` as `bench-results.json` (empty when it has exactly the shape: these keys, all
 * numbers, at least one provider). Checked before the file is written, so a half-measured run never overwrites a
 * good one silently.
 */
export function shapeProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null) return ['results are not an object'];
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!['baseline', 'ingest', 'consumer', 'e2e', 'costPerMillionUsd'].includes(key)) problems.push(`${key} is not part of the shape`);
  }
  if (!isFiniteNumber(record.costPerMillionUsd)) problems.push('costPerMillionUsd is not a number');
  numbersOf(record.baseline, BUNDLE_KEYS, 'baseline', problems);
  numbersOf(record.consumer, CONSUMER_KEYS, 'consumer', problems);
  numbersOf(record.e2e, E2E_KEYS, 'e2e', problems);
  const ingest = record.ingest;
  if (typeof ingest !== 'object' || ingest === null || Object.keys(ingest).length === 0) problems.push('ingest has no provider');
  else for (const [provider, figures] of Object.entries(ingest)) numbersOf(figures, INGEST_KEYS, `ingest.${provider}`, problems, ['node']);
  return problems;
}
