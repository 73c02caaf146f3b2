/**
 * `npm run bench [-- options]`: how much to measure. Pure.
 *
 * | option | full run | `--quick` (CI) |
 * |---|---|---|
 * | cold-import processes per bundle | 21 | 15 |
 * | warm CPU iterations (after warm-up) | 20,000 (2,000) | 5,000 (1,000) |
 * | end-to-end webhooks | 10,000 | 2,000 |
 * | end-to-end connections | 64 | 64 |
 *
 * Both keep at least 15 processes per bundle (issue 6). `--samples=N`, `--webhooks=N`, `--concurrency=N` and
 * `--seed=N` override a size; `--strict` fails the run on any budget, not only on lost or wrong messages; `--keep`
 * keeps the bundles and their metafiles; `--out=FILE` writes the results elsewhere. `--phases` runs a subset while
 * investigating; a subset prints its figures but writes no `bench-results.json`, whose shape needs every phase.
 */

export const PHASES = ['bundles', 'imports', 'cpu', 'e2e'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  readonly quick: boolean;
  readonly phases: ReadonlySet<Phase>;
  readonly importSamples: number;
  readonly cpuWarmup: number;
  readonly cpuIterations: number;
  readonly webhooks: number;
  readonly concurrency: number;
  /** Share of the webhooks that are duplicates of others. */
  readonly duplicateShare: number;
  /** Seed of the shuffle and of the duplicate choice, so a run can be repeated request for request. */
  readonly seed: number;
  /** Where `bench-results.json` goes. */
  readonly out: string;
  /** Keep the bundles and metafiles (their directory is printed). */
  readonly keep: boolean;
  /** Exit 1 when any budget does not hold, not only when a message is lost or wrong. */
  readonly strict: boolean;
}

const FULL = { importSamples: 21, cpuWarmup: 2_000, cpuIterations: 20_000, webhooks: 10_000 };
const QUICK = { importSamples: 15, cpuWarmup: 1_000, cpuIterations: 5_000, webhooks: 2_000 };

/** `npm run bench -- --help`. */
export const BENCH_USAGE = `Measure bundle sizes, cold imports and warm CPU of the functions against baselines of the same run, then
the local pipeline end to end; print every budget of the design and write bench-results.json.

Usage: npm run bench [-- options]

  --quick            CI size: 15 processes per bundle, 5,000 CPU iterations, 2,000 webhooks
  --phases=LIST      a subset of ${PHASES.join(',')} (writes no bench-results.json)
  --samples=N        cold-import processes per bundle (21; --quick 15)
  --webhooks=N       end-to-end webhooks (10,000; --quick 2,000)
  --concurrency=N    end-to-end connections (64)
  --seed=N           seed of the shuffle and the repeats (6)
  --out=FILE         where the results go (bench-results.json)
  --keep             keep the bundles and metafiles, and print where
  --strict           exit 1 when any budget fails, not only on a lost or wrong message

Cold imports and warm CPU are timed only on the Lambda runtime's Node major (.nvmrc).`;

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

function positiveInteger(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new BenchUsageError(`${name} needs a positive integer, got ${text}`);
  return value;
}

/** Parses `argv` (without `node` and the script). Unknown options are an error, not ignored. */
export function parseBenchArgs(argv: readonly string[], defaultOut: string): BenchOptions {
  const flags = new Map<string, string | undefined>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new BenchUsageError(`unexpected argument ${arg}`);
    flags.set(match[1], match[2]);
  }
  const known = new Set(['quick', 'phases', 'samples', 'webhooks', 'concurrency', 'seed', 'out', 'keep', 'strict']);
  for (const name of flags.keys()) if (!known.has(name)) throw new BenchUsageError(`unknown option --${name}`);

  const quick = flags.has('quick');
  const sizes = quick ? QUICK : FULL;
  const phases = flags.has('phases') ? (flags.get('phases') ?? '').split(',').filter(Boolean) : [...PHASES];
  for (const phase of phases) {
    if (!(PHASES as readonly string[]).includes(phase)) throw new BenchUsageError(`unknown phase ${phase} (${PHASES.join(', ')})`);
  }
  const importSamples = flags.has('samples') ? positiveInteger('--samples', flags.get('samples')) : sizes.importSamples;
  return {
    quick,
    phases: new Set(phases as Phase[]),
    importSamples,
    cpuWarmup: sizes.cpuWarmup,
    cpuIterations: sizes.cpuIterations,
    webhooks: flags.has('webhooks') ? positiveInteger('--webhooks', flags.get('webhooks')) : sizes.webhooks,
    concurrency: flags.has('concurrency') ? positiveInteger('--concurrency', flags.get('concurrency')) : 64,
    duplicateShare: 0.1,
    seed: flags.has('seed') ? positiveInteger('--seed', flags.get('seed')) : 6,
    out: flags.get('out') || defaultOut,
    keep: flags.has('keep'),
    strict: flags.has('strict'),
  };
}

/**
 * Why this node may not take the timings, or undefined when it may: cold imports and warm CPU are measured on the
 * Node major of the Lambda runtime (`nodejs24.x` → 24), since another major loads and compiles the same bundle at
 * another speed. The bundle sizes and the end-to-end run do not depend on it.
 */
export function nodeMajorProblem(options: BenchOptions, runtimeName: string, nodeVersion: string): string | undefined {
  if (!options.phases.has('imports') && !options.phases.has('cpu')) return undefined;
  const wanted = /^nodejs(\d+)\./.exec(runtimeName)?.[1];
  const running = /^v?(\d+)\./.exec(nodeVersion)?.[1];
  if (wanted === undefined) return `cannot tell the Node major of the Lambda runtime ${runtimeName}`;
  if (running === wanted) return undefined;
  return (
    `cold imports and warm CPU are measured on the Lambda runtime's Node major (${runtimeName}: Node ${wanted}), and this is ` +
    `node ${nodeVersion}: run the bench on Node ${wanted} (\`nvm use\` reads .nvmrc; .ci/run installs it under .node/), ` +
    `or --phases=bundles,e2e`
  );
}

/** True when every phase runs, so the results have the whole shape and may be written. */
export const isCompleteRun = (options: BenchOptions): boolean => PHASES.every((phase) => options.phases.has(phase));
