/**
 * The shape of `bench-results.json` (issue 6, exactly) and the budgets of DESIGN.md §5 evaluated against it.
 * Pure: the bench measures, this decides; `test/bench/budgets.test.ts` pins the rules without any timing.
 *
 * | budget | rule |
 * |---|---|
 * | ingest bundle | `bundleBytes` ≤ baseline `bundleBytes` + 60 kB (60,000 bytes) |
 * | ingest cold import | `importMs` ≤ 1.15 × baseline `importMs` |
 * | ingest warm CPU | `cpuUsPerRequest` ≤ 3 × `jsonFloorUsPerRequest` |
 * | local end to end | `lost` = 0 and `wrongStatus` = 0 |
 *
 * The consumer has no budget of its own; its figures are reported beside the others.
 */

export interface BundleFigures {
  readonly bundleBytes: number;
  readonly importMs: number;
}

export interface IngestFigures extends BundleFigures {
  readonly cpuUsPerRequest: number;
  readonly jsonFloorUsPerRequest: number;
}

export interface EndToEndFigures {
  readonly webhooks: number;
  readonly concurrency: number;
  readonly lost: number;
  readonly wrongStatus: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** `bench-results.json`. */
export interface BenchResults {
  readonly baseline: BundleFigures;
  readonly ingest: Readonly<Record<string, IngestFigures>>;
  readonly consumer: BundleFigures;
  readonly e2e: EndToEndFigures;
}

/** DESIGN.md §5. kB is read as 1,000 bytes, the stricter of the two readings. */
export const BUDGETS = {
  bundleHeadroomBytes: 60_000,
  importFactor: 1.15,
  cpuFactor: 3,
  lost: 0,
  wrongStatus: 0,
} as const;

export type BudgetName = 'bundle' | 'import' | 'cpu' | 'lost' | 'wrongStatus';

/** One budget applied to one subject (a provider's ingest function, or the end-to-end run). */
export interface BudgetCheck {
  readonly subject: string;
  readonly budget: BudgetName;
  readonly measured: number;
  readonly limit: number;
  readonly unit: 'B' | 'ms' | 'µs' | 'count';
  readonly holds: boolean;
}

const check = (subject: string, budget: BudgetName, measured: number, limit: number, unit: BudgetCheck['unit']): BudgetCheck => ({
  subject,
  budget,
  measured,
  limit,
  unit,
  // A figure that is not a finite number (a probe that failed) never passes.
  holds: Number.isFinite(measured) && Number.isFinite(limit) && measured <= limit,
});

/** Every budget against `results`, ingest functions in the order given, the end-to-end run last. */
export function evaluateBudgets(results: BenchResults): BudgetCheck[] {
  const { baseline } = results;
  const perProvider = Object.entries(results.ingest).flatMap(([provider, figures]) => [
    check(provider, 'bundle', figures.bundleBytes, baseline.bundleBytes + BUDGETS.bundleHeadroomBytes, 'B'),
    check(provider, 'import', figures.importMs, baseline.importMs * BUDGETS.importFactor, 'ms'),
    check(provider, 'cpu', figures.cpuUsPerRequest, figures.jsonFloorUsPerRequest * BUDGETS.cpuFactor, 'µs'),
  ]);
  return [
    ...perProvider,
    check('e2e', 'lost', results.e2e.lost, BUDGETS.lost, 'count'),
    check('e2e', 'wrongStatus', results.e2e.wrongStatus, BUDGETS.wrongStatus, 'count'),
  ];
}

/** True when every budget holds. */
export const allHold = (checks: readonly BudgetCheck[]): boolean => checks.every((entry) => entry.holds);

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function numbersOf(value: unknown, keys: readonly string[], where: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null) {
    problems.push(`${where} is missing`);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of keys) if (!isFiniteNumber(record[key])) problems.push(`${where}.${key} is not a number`);
  for (const key of Object.keys(record)) if (!keys.includes(key)) problems.push(`${where}.${key} is not part of the shape`);
}

const BUNDLE_KEYS = ['bundleBytes', 'importMs'] as const;
const INGEST_KEYS = ['bundleBytes', 'importMs', 'cpuUsPerRequest', 'jsonFloorUsPerRequest'] as const;
const E2E_KEYS = ['webhooks', 'concurrency', 'lost', 'wrongStatus', 'requestsPerSecond', 'p50Ms', 'p99Ms'] as const;

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
    if (!['baseline', 'ingest', 'consumer', 'e2e'].includes(key)) problems.push(`${key} is not part of the shape`);
  }
  numbersOf(record.baseline, BUNDLE_KEYS, 'baseline', problems);
  numbersOf(record.consumer, BUNDLE_KEYS, 'consumer', problems);
  numbersOf(record.e2e, E2E_KEYS, 'e2e', problems);
  const ingest = record.ingest;
  if (typeof ingest !== 'object' || ingest === null || Object.keys(ingest).length === 0) problems.push('ingest has no provider');
  else for (const [provider, figures] of Object.entries(ingest)) numbersOf(figures, INGEST_KEYS, `ingest.${provider}`, problems);
  return problems;
}
