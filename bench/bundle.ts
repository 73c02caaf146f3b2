/**
 * Bundles the functions the way the stack does: the entries and bundling options come from `lib/defaults.ts`
 * (`ENTRIES`, `FUNCTION_DEFAULTS`), translated flag by flag as `NodejsFunction` does (`./esbuild-options.ts`).
 *
 * One ingest function per provider, bundled with `ingestBundling(providerId)` from `lib/defaults.ts`, the very
 * options the stack gives it (the defaults plus the define that keeps that provider's adapter alone in the bundle).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as defaults from '../lib/defaults';
import { esbuildOptionsOf } from './esbuild-options';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** The bare-client baseline of docs/performance.md "Budgets". */
export const BASELINE_ENTRY = path.join(__dirname, 'entries', 'baseline.ts');

export interface Bundle {
  /** `index.js`, absolute. */
  readonly file: string;
  /** Size of `index.js` alone (not the map). */
  readonly bytes: number;
  readonly metafile: Metafile;
}

/** The stack's bundling of one provider's ingest function. */
export const ingestBundling: (providerId: string) => BundlingOptions = defaults.ingestBundling;

/** Where {@link ingestBundling} comes from, for the printout. */
export const ingestBundlingSource = 'lib/defaults.ts ingestBundling(providerId)';

/** The bundling options of every other function. */
export const functionBundling: BundlingOptions = defaults.FUNCTION_DEFAULTS.bundling;

/** The environment every function gets from the stack (`NODE_OPTIONS=--enable-source-maps`). */
export const stackFunctionEnvironment: Readonly<Record<string, string>> = defaults.FUNCTION_DEFAULTS.environment;

/** Memory of each function, for the cost model and the runtime environment. */
export const functionMemoryMb = {
  ingest: defaults.FUNCTION_SIZING.ingest.memorySize,
  consume: defaults.FUNCTION_SIZING.consume.memorySize,
} as const;

export const ENTRIES = defaults.ENTRIES;

/** Bundles `entry` into `outdir/index.js` with `bundling`, as `NodejsFunction` would. */
export async function bundleLikeStack(entry: string, outdir: string, bundling: BundlingOptions): Promise<Bundle> {
  const options = esbuildOptionsOf(bundling, {
    entry,
    outdir,
    projectRoot: REPO_ROOT,
    runtimeName: defaults.FUNCTION_DEFAULTS.runtime.name,
  });
  const result = await build(options);
  const file = options.outfile!;
  return { file, bytes: statSync(file).size, metafile: result.metafile };
}
