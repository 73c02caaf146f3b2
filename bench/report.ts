/**
 * The console table of a bench run: every figure, and each budget with its limit and whether it holds. Pure.
 */
import { BUDGETS, type BenchResults, type BudgetCheck } from './budgets';

const BUDGET_LABELS: Readonly<Record<BudgetCheck['budget'], string>> = {
  bundle: `bundle ≤ baseline + ${BUDGETS.bundleHeadroomBytes / 1000} kB + parser`,
  import: `cold import ≤ ${BUDGETS.importFactor}× baseline`,
  cpu: `warm CPU ≤ ${BUDGETS.cpuFactor}× JSON floor + ${BUDGETS.cpuAllowanceUs} µs`,
  throughput: `e2e requests/s ≥ ${BUDGETS.relayFactor}× bare relay`,
  consumer: `events/s ≥ ${BUDGETS.consumerFactor}× engine writes/s ÷ ${BUDGETS.writesPerStatusEvent}`,
  writeUnits: `write units per new event ≤ ${BUDGETS.writeUnitsPerStatusEvent}`,
  cost: `USD per million webhooks ≤ ${BUDGETS.costPerMillionUsd.toFixed(2)}`,
  lost: 'lost = 0',
  wrongStatus: 'wrong status = 0',
};

const UNIT_FORMAT: Readonly<Record<BudgetCheck['unit'], (value: number) => string>> = {
  B: (value) => `${(value / 1000).toFixed(1)} kB`,
  ms: (value) => `${value.toFixed(1)} ms`,
  µs: (value) => `${value.toFixed(1)} µs`,
  count: (value) => String(value),
  rps: (value) => `${value.toFixed(0)} req/s`,
  eps: (value) => `${value.toFixed(0)} events/s`,
  WRU: (value) => `${value.toFixed(2)} WRU`,
  USD: (value) => `$${value.toFixed(2)}`,
};

/** Left-aligned columns separated by two spaces; the first row is the header, underlined. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), line(widths.map((width) => '-'.repeat(width))), ...rows.slice(1).map(line)].join('\n');
}

/** The budgets, one row each. */
export function budgetTable(checks: readonly BudgetCheck[]): string {
  return table([
    ['subject', 'budget', 'measured', 'limit', 'holds'],
    ...checks.map((entry) => [
      entry.subject,
      BUDGET_LABELS[entry.budget],
      UNIT_FORMAT[entry.unit](entry.measured),
      UNIT_FORMAT[entry.unit](entry.limit),
      entry.holds ? 'yes' : 'NO',
    ]),
  ]);
}

/** Every figure of the results, one row per function and one block for the end-to-end run. */
export function figuresTable(results: BenchResults): string {
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const us = (value: number) => `${value.toFixed(1)} µs`;
  const functions = table([
    ['function', 'bundle', 'cold import', 'warm CPU/request', 'JSON floor/request'],
    ['baseline (SQSClient + SendMessageBatch)', kB(results.baseline.bundleBytes), ms(results.baseline.importMs), '', ''],
    ...Object.entries(results.ingest).map(([provider, figures]) => [
      `ingest ${provider}`,
      kB(figures.bundleBytes),
      ms(figures.importMs),
      us(figures.cpuUsPerRequest),
      us(figures.jsonFloorUsPerRequest),
    ]),
    ['consumer', kB(results.consumer.bundleBytes), ms(results.consumer.importMs), '', ''],
  ]);
  const { e2e } = results;
  const endToEnd =
    `end to end: ${e2e.webhooks} webhooks at ${e2e.concurrency} connections: ${e2e.requestsPerSecond.toFixed(0)} requests/s, ` +
    `p50 ${e2e.p50Ms.toFixed(1)} ms, p99 ${e2e.p99Ms.toFixed(1)} ms, lost ${e2e.lost}, wrong status ${e2e.wrongStatus}; ` +
    `bare relay ${e2e.relayRequestsPerSecond.toFixed(0)} requests/s`;
  const { consumer } = results;
  const consumerLine =
    `consumer: ${consumer.eventsPerSecond.toFixed(0)} events/s applied end to end; the engine alone ${consumer.engineWritesPerSecond.toFixed(0)} ` +
    `conditional writes/s; ${consumer.writeUnitsPerStatusEvent.toFixed(2)} write units per new event; cost model $${results.costPerMillionUsd.toFixed(2)} per million webhooks`;
  return `${functions}\n\n${endToEnd}\n${consumerLine}`;
}
