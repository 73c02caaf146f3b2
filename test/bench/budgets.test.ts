import { allHold, evaluateBudgets, shapeProblems, type BenchResults } from '../../bench/budgets';

/** Results where every budget holds with room to spare; each test changes one figure. */
function results(
  overrides: {
    ingest?: Partial<BenchResults['ingest'][string]>;
    e2e?: Partial<BenchResults['e2e']>;
    consumer?: Partial<BenchResults['consumer']>;
    cost?: number;
  } = {},
): BenchResults {
  return {
    baseline: { bundleBytes: 300_000, importMs: 40 },
    ingest: {
      webcom: {
        bundleBytes: 350_000,
        importMs: 44,
        cpuUsPerRequest: 30,
        jsonFloorUsPerRequest: 12,
        parserBytes: 0,
        node: '24.11.0',
        ...overrides.ingest,
      },
    },
    consumer: {
      bundleBytes: 420_000,
      importMs: 70,
      eventsPerSecond: 400,
      engineWritesPerSecond: 800,
      writeUnitsPerStatusEvent: 3,
      ...overrides.consumer,
    },
    e2e: {
      webhooks: 10_000,
      concurrency: 64,
      lost: 0,
      wrongStatus: 0,
      requestsPerSecond: 500,
      p50Ms: 100,
      p99Ms: 300,
      relayRequestsPerSecond: 700,
      ...overrides.e2e,
    },
    costPerMillionUsd: overrides.cost ?? 4.2,
  };
}

const verdict = (checks: ReturnType<typeof evaluateBudgets>, budget: string) => checks.find((entry) => entry.budget === budget)!;

describe('evaluateBudgets', () => {
  test('results within every budget hold', () => {
    expect(allHold(evaluateBudgets(results()))).toBe(true);
  });

  test('a bundle 60,000 bytes over the baseline holds, one byte more does not', () => {
    expect(verdict(evaluateBudgets(results({ ingest: { bundleBytes: 360_000 } })), 'bundle').holds).toBe(true);
    expect(verdict(evaluateBudgets(results({ ingest: { bundleBytes: 360_001 } })), 'bundle')).toMatchObject({ holds: false, limit: 360_000 });
  });

  test('a cold import up to 1.15 times the baseline holds', () => {
    expect(verdict(evaluateBudgets(results({ ingest: { importMs: 46 } })), 'import').holds).toBe(true);
    expect(verdict(evaluateBudgets(results({ ingest: { importMs: 46.1 } })), 'import').holds).toBe(false);
  });

  test('the parser library a format needs, measured alone, is allowed on top of the headroom', () => {
    expect(verdict(evaluateBudgets(results({ ingest: { bundleBytes: 420_000, parserBytes: 60_000 } })), 'bundle')).toMatchObject({
      holds: true,
      limit: 420_000,
    });
    expect(verdict(evaluateBudgets(results({ ingest: { bundleBytes: 420_001, parserBytes: 60_000 } })), 'bundle').holds).toBe(false);
  });

  test('warm CPU is held to three times its own JSON floor plus 15 µs', () => {
    expect(verdict(evaluateBudgets(results({ ingest: { cpuUsPerRequest: 51 } })), 'cpu').holds).toBe(true);
    expect(verdict(evaluateBudgets(results({ ingest: { cpuUsPerRequest: 51.5 } })), 'cpu')).toMatchObject({ holds: false, limit: 51 });
  });

  test('the ingest must reach 0.7 times the bare relay, the consumer 0.8 times the engine per event', () => {
    expect(verdict(evaluateBudgets(results({ e2e: { requestsPerSecond: 490 } })), 'throughput').holds).toBe(true);
    const slow = verdict(evaluateBudgets(results({ e2e: { requestsPerSecond: 489 } })), 'throughput');
    expect(slow).toMatchObject({ holds: false, direction: 'min' });
    expect(slow.limit).toBeCloseTo(490, 6);
    expect(verdict(evaluateBudgets(results({ consumer: { eventsPerSecond: 320 } })), 'consumer').holds).toBe(true);
    expect(verdict(evaluateBudgets(results({ consumer: { eventsPerSecond: 319 } })), 'consumer')).toMatchObject({ holds: false, limit: 320 });
  });

  test('at most 3 write units per new event, and $4.50 per million webhooks', () => {
    expect(verdict(evaluateBudgets(results({ consumer: { writeUnitsPerStatusEvent: 3.01 } })), 'writeUnits').holds).toBe(false);
    expect(verdict(evaluateBudgets(results({ cost: 4.5 })), 'cost').holds).toBe(true);
    expect(verdict(evaluateBudgets(results({ cost: 4.51 })), 'cost').holds).toBe(false);
  });

  test('one lost message or one wrong status fails the end-to-end run', () => {
    expect(verdict(evaluateBudgets(results({ e2e: { lost: 1 } })), 'lost').holds).toBe(false);
    expect(verdict(evaluateBudgets(results({ e2e: { wrongStatus: 1 } })), 'wrongStatus').holds).toBe(false);
  });

  test('a figure that was not measured never passes', () => {
    expect(verdict(evaluateBudgets(results({ ingest: { importMs: Number.NaN } })), 'import').holds).toBe(false);
    expect(verdict(evaluateBudgets(results({ e2e: { lost: Number.NaN } })), 'lost').holds).toBe(false);
  });

  test('every provider gets the three function budgets, and the run its two', () => {
    const checks = evaluateBudgets({ ...results(), ingest: { a: results().ingest.webcom, b: results().ingest.webcom } });
    expect(checks.map((entry) => `${entry.subject} ${entry.budget}`)).toEqual([
      'a bundle',
      'a import',
      'a cpu',
      'b bundle',
      'b import',
      'b cpu',
      'ingest throughput',
      'consumer consumer',
      'consumer writeUnits',
      'aws cost',
      'e2e lost',
      'e2e wrongStatus',
    ]);
  });
});

describe('shapeProblems', () => {
  test('the shape of issue 6 has no problem', () => {
    expect(shapeProblems(results())).toEqual([]);
  });

  test('a missing or non-numeric figure is named', () => {
    const broken = JSON.parse(JSON.stringify(results())) as Record<string, Record<string, unknown>>;
    delete broken.e2e.p99Ms;
    broken.baseline.importMs = null;
    expect(shapeProblems(broken)).toEqual(expect.arrayContaining(['e2e.p99Ms is not a number', 'baseline.importMs is not a number']));
  });

  test('a NaN figure is a problem, so an incomplete run is never written', () => {
    expect(shapeProblems(results({ ingest: { cpuUsPerRequest: Number.NaN } }))).toEqual(['ingest.webcom.cpuUsPerRequest is not a number']);
  });

  test('keys beyond the shape are refused', () => {
    expect(shapeProblems({ ...results(), extra: {} })).toEqual(['extra is not part of the shape']);
    expect(shapeProblems(results({ ingest: { normalizeUs: 3 } as never }))).toEqual(['ingest.webcom.normalizeUs is not part of the shape']);
  });

  test('results without a provider are refused', () => {
    expect(shapeProblems({ ...results(), ingest: {} })).toEqual(['ingest has no provider']);
  });
});
