import { BenchUsageError, isCompleteRun, nodeMajorProblem, parseBenchArgs } from '../../bench/options';
import { FUNCTION_DEFAULTS } from '../../lib/defaults';

describe('parseBenchArgs', () => {
  test('a full run by default: every phase, 10,000 webhooks at 64 connections, 21 processes per bundle', () => {
    const options = parseBenchArgs([], '/repo/bench-results.json');
    expect(options).toMatchObject({
      quick: false,
      webhooks: 10_000,
      concurrency: 64,
      importSamples: 21,
      duplicateShare: 0.1,
      out: '/repo/bench-results.json',
    });
    expect(isCompleteRun(options)).toBe(true);
  });

  test('--quick sends fewer webhooks and keeps at least 15 processes per bundle', () => {
    const options = parseBenchArgs(['--quick'], 'out.json');
    expect(options.webhooks).toBeLessThan(10_000);
    expect(options.importSamples).toBeGreaterThanOrEqual(15);
    expect(options.cpuIterations).toBeLessThan(parseBenchArgs([], 'out.json').cpuIterations);
  });

  test('sizes can be overridden one by one', () => {
    expect(parseBenchArgs(['--quick', '--webhooks=500', '--samples=31', '--concurrency=8', '--seed=9'], 'o')).toMatchObject({
      webhooks: 500,
      importSamples: 31,
      concurrency: 8,
      seed: 9,
    });
  });

  test('a subset of phases is not a complete run', () => {
    const options = parseBenchArgs(['--phases=bundles,imports'], 'o');
    expect([...options.phases]).toEqual(['bundles', 'imports']);
    expect(isCompleteRun(options)).toBe(false);
  });

  test('unknown options, unknown phases and bad numbers are refused', () => {
    expect(() => parseBenchArgs(['--fast'], 'o')).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(['--phases=bundles,warp'], 'o')).toThrow(/warp/);
    expect(() => parseBenchArgs(['--webhooks=0'], 'o')).toThrow(/positive integer/);
    expect(() => parseBenchArgs(['quick'], 'o')).toThrow(/unexpected argument/);
  });
});

describe('nodeMajorProblem', () => {
  const full = parseBenchArgs([], 'o');

  test("timings are taken only on the Lambda runtime's Node major", () => {
    expect(nodeMajorProblem(full, 'nodejs24.x', 'v24.21.0')).toBeUndefined();
    expect(nodeMajorProblem(full, 'nodejs24.x', 'v20.20.2')).toMatch(/nodejs24\.x: Node 24.*node v20\.20\.2/);
    expect(nodeMajorProblem(full, 'nodejs24.x', 'v22.12.0')).toMatch(/Node 24/);
  });

  test('bundle sizes and the end-to-end run may run on any node', () => {
    expect(nodeMajorProblem(parseBenchArgs(['--phases=bundles,e2e'], 'o'), 'nodejs24.x', 'v20.20.2')).toBeUndefined();
    expect(nodeMajorProblem(parseBenchArgs(['--phases=imports'], 'o'), 'nodejs24.x', 'v20.20.2')).toBeDefined();
  });

  test("the stack's runtime is one the bench can read", () => {
    expect(
      nodeMajorProblem(full, FUNCTION_DEFAULTS.runtime.name, `v${FUNCTION_DEFAULTS.runtime.name.replace(/^nodejs(\d+)\.x$/, '$1')}.0.0`),
    ).toBeUndefined();
  });
});
