/**
 * `npm run bench [-- --quick]`: bundle sizes, cold imports and warm CPU of the functions against baselines
 * measured in the same run, then the local pipeline end to end; prints each budget of docs/performance.md "Budgets" and whether it
 * holds, and writes `bench-results.json` (the shape of issue 6, `./budgets.ts`).
 *
 * Exit code: 1 when something could not be measured, or when a message is lost or ends in the wrong status (a
 * correctness failure, whatever the machine). The size and timing budgets are printed and decided, and fail the run
 * only with `--strict`: timings are noisy on a shared CI machine, and CI runs the bench so it cannot rot.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpProviderIds, providers } from '../functions/providers';
import { INGEST_SERVICE_NAME } from '../lib/constructs/provider-ingest';
import { SERVICE_NAMES } from '../lib/webhook-ingestion-stack';
import { ENV, METRICS } from '../lib/pipeline-settings';
import { allHold, evaluateBudgets, shapeProblems, type BenchResults, type EndToEndFigures, type IngestFigures } from './budgets';
import {
  BASELINE_ENTRY,
  ENTRIES,
  REPO_ROOT,
  bundleLikeStack,
  functionBundling,
  functionMemoryMb,
  ingestBundling,
  stackFunctionEnvironment,
  ingestBundlingSource,
  type Bundle,
} from './bundle';
import { costPerMillion, totalUsd } from './cost';
import { runEndToEnd, type ConsumerRunFigures } from './e2e';
import * as lambdaDefaults from '../lib/defaults';
import { baselineFunctionEnvironment, consumerFunctionEnvironment, ingestFunctionEnvironment, runtimeEnvironment } from './lambda-env';
import { parserLibrariesIn, weightOverBaseline } from './metafile';
import { FUNCTION_DEFAULTS } from '../lib/defaults';
import { wantsHelp } from '../scripts/cli';
import { BENCH_USAGE, BenchUsageError, isCompleteRun, nodeMajorProblem, parseBenchArgs, type BenchOptions } from './options';
import { buildImportProbe, measureCpu, measureImports, probeEventOf, type ImportSubject } from './probes';
import { signingMaterial } from '../local/provider-requests';
import { budgetTable, figuresTable } from './report';
import { round } from './stats';
import { credentialsOf, cpuWebhook, devCredentials } from './webhooks';

const say = (text: string) => process.stdout.write(`${text}\n`);

/** The environment of one function on Lambda: runtime, stack-wide settings, Powertools names, its own. */
function functionEnv(name: string, memoryMb: number, serviceName: string, own: Record<string, string>): Record<string, string> {
  return {
    ...runtimeEnvironment(name, memoryMb),
    ...stackFunctionEnvironment,
    [ENV.serviceName]: serviceName,
    [ENV.metricsNamespace]: METRICS.namespace,
    ...own,
  };
}

const ingestEnv = (provider: string) =>
  functionEnv(
    `webhook-ingest-${provider}`,
    functionMemoryMb.ingest,
    INGEST_SERVICE_NAME,
    ingestFunctionEnvironment(provider, providers[provider as keyof typeof providers].defaultTimeZone),
  );

interface Bundles {
  readonly baseline: Bundle;
  readonly ingest: ReadonlyMap<string, Bundle>;
  readonly consumer: Bundle;
}

async function buildBundles(workdir: string): Promise<Bundles> {
  const baseline = await bundleLikeStack(BASELINE_ENTRY, path.join(workdir, 'baseline'), functionBundling);
  const ingest = new Map<string, Bundle>();
  for (const provider of httpProviderIds) {
    ingest.set(provider, await bundleLikeStack(ENTRIES.ingest, path.join(workdir, `ingest-${provider}`), ingestBundling(provider)));
  }
  const consumer = await bundleLikeStack(ENTRIES.consume, path.join(workdir, 'consumer'), functionBundling);
  return { baseline, ingest, consumer };
}

type CpuFigures = Pick<IngestFigures, 'cpuUsPerRequest' | 'jsonFloorUsPerRequest'> & { logBytesPerRequest: number };

/** Each parser library a bundle carries, bundled alone the same way (its whole public API, as a format may use it). */
async function parserBytesOf(workdir: string, bundles: ReadonlyMap<string, Bundle>): Promise<Map<string, number>> {
  const alone = new Map<string, number>();
  const perProvider = new Map<string, number>();
  for (const [provider, bundle] of bundles) {
    let bytes = 0;
    for (const library of parserLibrariesIn(bundle.metafile)) {
      if (!alone.has(library)) {
        const dir = path.join(workdir, `parser-${library}`);
        mkdirSync(dir, { recursive: true });
        const entry = path.join(dir, 'entry.ts');
        // By resolved path: the entry lives in the work directory, outside the repository's node_modules.
        writeFileSync(entry, `export * from ${JSON.stringify(requireFromRepo.resolve(library))};\n`);
        alone.set(library, (await bundleLikeStack(entry, path.join(dir, 'out'), functionBundling)).bytes);
      }
      bytes += alone.get(library)!;
    }
    perProvider.set(provider, bytes);
  }
  for (const [library, bytes] of alone) say(`  ${library} alone: ${(bytes / 1000).toFixed(1)} kB`);
  return perProvider;
}

async function measureCpuFigures(workdir: string, options: BenchOptions): Promise<Map<string, CpuFigures>> {
  const figures = new Map<string, CpuFigures>();
  const document = devCredentials();
  for (const provider of httpProviderIds) {
    const probe = await bundleLikeStack(
      path.join(__dirname, 'probes', 'cpu-probe.ts'),
      path.join(workdir, `cpu-${provider}`),
      ingestBundling(provider),
    );
    const webhook = cpuWebhook(provider);
    // Signed here, where the schemes can sign; the probe is bundled as the Lambda is, and cannot.
    const sent = credentialsOf(document, provider);
    const output = await measureCpu(
      probe.file,
      {
        provider,
        ...webhook,
        ...sent,
        credentials: document,
        event: await probeEventOf(provider, webhook, signingMaterial(provider)),
        warmup: options.cpuWarmup,
        iterations: options.cpuIterations,
      },
      ingestEnv(provider),
    );
    say(
      `  ${provider}: ${output.cpuUsPerRequest.toFixed(1)} µs/request (adapter.normalize ${output.normalizeUsPerRequest.toFixed(1)} µs, ` +
        `${output.events} event(s)); JSON floor ${output.jsonFloorUsPerRequest.toFixed(2)} µs; body ${Buffer.byteLength(webhook.body)} B; ` +
        `first request of the process ${output.firstRequestMs.toFixed(1)} ms`,
    );
    figures.set(provider, {
      cpuUsPerRequest: output.cpuUsPerRequest,
      jsonFloorUsPerRequest: output.jsonFloorUsPerRequest,
      logBytesPerRequest: output.logBytesPerRequest,
    });
  }
  return figures;
}

const NOT_MEASURED = Number.NaN;

const requireFromRepo = createRequire(path.join(REPO_ROOT, 'package.json'));

const defaultsRuntimeName = (): string => lambdaDefaults.FUNCTION_DEFAULTS.runtime.name;

async function main(): Promise<number> {
  if (wantsHelp(process.argv.slice(2))) {
    say(BENCH_USAGE);
    return 0;
  }
  const options = parseBenchArgs(process.argv.slice(2), path.join(REPO_ROOT, 'bench-results.json'));
  const runtimeName = FUNCTION_DEFAULTS.runtime.name;
  const nodeProblem = nodeMajorProblem(options, runtimeName, process.version);
  if (nodeProblem) throw new BenchUsageError(nodeProblem);
  const workdir = mkdtempSync(path.join(tmpdir(), 'webhook-bench-'));
  say(`bench: ${options.quick ? 'quick' : 'full'} run, phases ${[...options.phases].join(', ')}; work directory ${workdir}`);
  say(`ingest bundling: ${ingestBundlingSource}`);
  say(`node ${process.version} (${process.arch}); the functions run on Lambda ${runtimeName}`);
  try {
    const bundles = await buildBundles(workdir);
    const weigh = (bundle: Bundle) =>
      weightOverBaseline(bundle.metafile, bundles.baseline.metafile)
        .map((entry) => `${entry.name} ${(entry.bytes / 1000).toFixed(1)}`)
        .join(', ');
    say(`\nbundles (kB over the baseline's ${(bundles.baseline.bytes / 1000).toFixed(1)} kB, heaviest additions in kB):`);
    for (const [provider, bundle] of bundles.ingest)
      say(`  ingest ${provider}: +${((bundle.bytes - bundles.baseline.bytes) / 1000).toFixed(1)}: ${weigh(bundle)}`);
    say(`  consumer: +${((bundles.consumer.bytes - bundles.baseline.bytes) / 1000).toFixed(1)}: ${weigh(bundles.consumer)}`);

    const imports = new Map<string, number>();
    if (options.phases.has('imports')) {
      const probe = await buildImportProbe(workdir);
      const subjects: ImportSubject[] = [
        {
          name: 'baseline',
          bundle: bundles.baseline.file,
          env: functionEnv('webhook-baseline', functionMemoryMb.ingest, INGEST_SERVICE_NAME, baselineFunctionEnvironment()),
        },
        ...[...bundles.ingest].map(([provider, bundle]) => ({ name: provider, bundle: bundle.file, env: ingestEnv(provider) })),
        {
          name: 'consumer',
          bundle: bundles.consumer.file,
          env: functionEnv('webhook-consume', functionMemoryMb.consume, SERVICE_NAMES.consume, consumerFunctionEnvironment()),
        },
      ];
      say(`\ncold imports: ${options.importSamples} fresh processes per bundle, round-robin`);
      for (const timing of await measureImports(probe, subjects, options.importSamples)) {
        imports.set(timing.name, timing.importMs);
        const sorted = [...timing.samples].sort((a, b) => a - b);
        say(`  ${timing.name}: median ${timing.importMs.toFixed(1)} ms (min ${sorted[0].toFixed(1)}, max ${sorted[sorted.length - 1].toFixed(1)})`);
      }
    }

    say('\nparser and verifier libraries the bundles carry, bundled alone:');
    const parserBytes = await parserBytesOf(workdir, bundles.ingest);
    let cpu = new Map<string, CpuFigures>();
    if (options.phases.has('cpu')) {
      say(`\nwarm CPU: ${options.cpuIterations} requests after ${options.cpuWarmup} of warm-up, per provider`);
      cpu = await measureCpuFigures(workdir, options);
    }

    let consumerRun: ConsumerRunFigures = {
      eventsPerSecond: NOT_MEASURED,
      engineWritesPerSecond: NOT_MEASURED,
      writeUnitsPerStatusEvent: NOT_MEASURED,
    };
    let e2e: EndToEndFigures = {
      webhooks: 0,
      concurrency: options.concurrency,
      lost: NOT_MEASURED,
      wrongStatus: NOT_MEASURED,
      requestsPerSecond: NOT_MEASURED,
      p50Ms: NOT_MEASURED,
      p99Ms: NOT_MEASURED,
      relayRequestsPerSecond: NOT_MEASURED,
    };
    if (options.phases.has('e2e')) {
      say(`\nend to end: ${options.webhooks} webhooks, ${options.concurrency} connections, ${options.duplicateShare * 100} % duplicates, shuffled`);
      const { consumer, ...endToEnd } = await runEndToEnd(options, workdir, say);
      e2e = endToEnd;
      consumerRun = consumer;
    }

    const results: BenchResults = {
      baseline: { bundleBytes: bundles.baseline.bytes, importMs: round(imports.get('baseline') ?? NOT_MEASURED, 2) },
      ingest: Object.fromEntries(
        [...bundles.ingest].map(([provider, bundle]) => [
          provider,
          {
            bundleBytes: bundle.bytes,
            importMs: round(imports.get(provider) ?? NOT_MEASURED, 2),
            cpuUsPerRequest: round(cpu.get(provider)?.cpuUsPerRequest ?? NOT_MEASURED, 2),
            jsonFloorUsPerRequest: round(cpu.get(provider)?.jsonFloorUsPerRequest ?? NOT_MEASURED, 2),
            parserBytes: parserBytes.get(provider) ?? 0,
            node: process.versions.node,
          },
        ]),
      ),
      consumer: { bundleBytes: bundles.consumer.bytes, importMs: round(imports.get('consumer') ?? NOT_MEASURED, 2), ...consumerRun },
      e2e,
      costPerMillionUsd: NOT_MEASURED,
    };
    // The cost model from what was measured: write units per event, the ingest's log bytes (mean over providers).
    const logBytes = [...cpu.values()].map((figures) => figures.logBytesPerRequest);
    const costLines = costPerMillion({
      writeUnitsPerStatusEvent: consumerRun.writeUnitsPerStatusEvent,
      writeUnitsPerDuplicate: 0,
      logBytesPerRequest: logBytes.length > 0 ? logBytes.reduce((sum, bytes) => sum + bytes, 0) / logBytes.length : NOT_MEASURED,
      sqsRequestsPerWebhook: 1,
    });
    const measuredResults: BenchResults = { ...results, costPerMillionUsd: totalUsd(costLines) };
    say(`\ncost per million webhooks (busy traffic), from the figures above:`);
    for (const line of [...costLines].sort((a, b) => b.usd - a.usd)) say(`  ${line.item}: $${line.usd.toFixed(2)}`);

    const checks = evaluateBudgets(measuredResults);
    say(`\nNode ${process.versions.node} (the Lambda runtime's major is ${defaultsRuntimeName()})`);
    say(`\n${figuresTable(measuredResults)}\n\n${budgetTable(checks)}\n`);

    if (isCompleteRun(options)) {
      const problems = shapeProblems(measuredResults);
      if (problems.length > 0) throw new Error(`results do not have the bench-results.json shape: ${problems.join('; ')}`);
      writeFileSync(options.out, `${JSON.stringify(measuredResults, null, 2)}\n`);
      say(`wrote ${path.relative(process.cwd(), options.out) || options.out}`);
    } else {
      say('not every phase ran: bench-results.json left as it was');
    }
    say(allHold(checks) ? 'every budget holds' : `budgets not holding: ${checks.filter((entry) => !entry.holds).length}`);

    const measured = checks.filter((entry) => Number.isFinite(entry.measured));
    const correctnessFailure = measured.some((entry) => !entry.holds && (entry.budget === 'lost' || entry.budget === 'wrongStatus'));
    const budgetFailure = measured.some((entry) => !entry.holds);
    return correctnessFailure || (options.strict && budgetFailure) ? 1 : 0;
  } finally {
    if (options.keep) say(`kept ${workdir}`);
    else rmSync(workdir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      error instanceof BenchUsageError
        ? `bench: ${error.message}\n\n${BENCH_USAGE}\n`
        : `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = error instanceof BenchUsageError ? 2 : 1;
  },
);
