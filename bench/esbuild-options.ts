/**
 * The stack's `NodejsFunction` bundling options, turned into the esbuild build options that `NodejsFunction` itself
 * passes to the esbuild CLI (aws-cdk-lib `aws-lambda-nodejs/lib/bundling.js`, `buildEsbuildArgs` and
 * `createBundlingSteps`): the bench bundles with the stack's own settings, read from `lib/defaults.ts`, not a copy.
 *
 * Pure: no esbuild call here, so a test can pin the mapping. An option this file does not map is refused rather
 * than ignored, so a new setting in the stack cannot make the bench measure something else without anyone noticing.
 */
import type { BuildOptions } from 'esbuild';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Options of `BundlingOptions` that change nothing in the JS file esbuild writes, or only how CDK runs it. */
const NO_EFFECT_ON_OUTPUT: ReadonlySet<string> = new Set([
  // Local esbuild is what the bench runs; Docker bundling would produce the same file.
  'forceDockerBundling',
  'dockerImage',
  'environment',
  'buildArgs',
  'network',
  'securityOpt',
  'volumes',
  'volumesFrom',
  'user',
  'workingDirectory',
  'entrypoint',
  'command',
  'bundlingFileAccess',
  'esbuildVersion',
  'assetHash',
  'logLevel',
  // Only changes the default externals, and the stack sets `externalModules` itself (checked below).
  'bundleAwsSDK',
]);

/** Options whose effect the bench does not reproduce (extra files, type-check steps, installed node_modules). */
const UNSUPPORTED: ReadonlySet<string> = new Set(['nodeModules', 'commandHooks', 'preCompilation', 'charset', 'esbuildArgs']);

export interface StackBuildInput {
  /** The function's entry file, absolute. */
  readonly entry: string;
  /** `index.js` goes here (`index.js.map` beside it). */
  readonly outdir: string;
  /** The directory `NodejsFunction` runs esbuild in: the one holding the lock file (the repository root). */
  readonly projectRoot: string;
  /** The Lambda runtime name (`nodejs24.x`), for the default `target`. */
  readonly runtimeName: string;
}

/** `nodejs24.x` → `node24`, as `NodejsFunction` derives its default target. */
export function targetOfRuntime(runtimeName: string): string {
  const match = /nodejs(\d+)/.exec(runtimeName);
  if (!match) throw new Error(`cannot derive an esbuild target from runtime ${runtimeName}`);
  return `node${match[1]}`;
}

/**
 * The esbuild build options `NodejsFunction` would use for `bundling` (CLI flag by CLI flag), plus `metafile` so
 * the bench can say which modules weigh what. Throws on a bundling option it does not know how to reproduce.
 */
export function esbuildOptionsOf(bundling: BundlingOptions, input: StackBuildInput): BuildOptions & { metafile: true } {
  for (const [key, value] of Object.entries(bundling)) {
    if (value === undefined) continue;
    if (UNSUPPORTED.has(key)) throw new Error(`bench: bundling option ${key} is not reproduced; extend bench/esbuild-options.ts`);
  }
  const known = new Set([
    ...NO_EFFECT_ON_OUTPUT,
    'minify',
    'sourceMap',
    'sourceMapMode',
    'sourcesContent',
    'target',
    'format',
    'mainFields',
    'externalModules',
    'loader',
    'define',
    'keepNames',
    'tsconfig',
    'metafile',
    'banner',
    'footer',
    'inject',
  ]);
  const unknown = Object.keys(bundling).filter((key) => !known.has(key) && !UNSUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`bench: unknown bundling option(s) ${unknown.join(', ')}; extend bench/esbuild-options.ts`);

  const format = bundling.format === undefined ? undefined : String(bundling.format);
  const sourceMapMode = bundling.sourceMapMode === undefined ? undefined : String(bundling.sourceMapMode);
  const sourceMapEnabled = sourceMapMode !== undefined || bundling.sourceMap === true;
  // `--sourcemap` alone is esbuild's "linked" map; `--sourcemap=<mode>` otherwise.
  const sourcemap: BuildOptions['sourcemap'] = !sourceMapEnabled
    ? false
    : sourceMapMode === undefined || sourceMapMode === 'default'
      ? 'linked'
      : (sourceMapMode as BuildOptions['sourcemap']);
  const outfileName = format === 'esm' ? 'index.mjs' : 'index.js';
  // NodejsFunction's default externals depend on a feature flag and the runtime; the stack always sets them.
  if (bundling.externalModules === undefined) {
    throw new Error('bench: the stack leaves externalModules to its default; set it explicitly in lib/defaults.ts');
  }

  return {
    absWorkingDir: input.projectRoot,
    entryPoints: [input.entry],
    bundle: true,
    target: bundling.target ?? targetOfRuntime(input.runtimeName),
    platform: 'node',
    ...(format ? { format: format as BuildOptions['format'] } : {}),
    outfile: `${input.outdir}/${outfileName}`,
    minify: bundling.minify === true,
    sourcemap,
    // NodejsFunction passes `--sources-content=false` only when it is false; esbuild's default is true.
    sourcesContent: bundling.sourcesContent ?? true,
    external: [...bundling.externalModules],
    ...(bundling.loader ? { loader: { ...bundling.loader } as BuildOptions['loader'] } : {}),
    ...(bundling.define ? { define: { ...bundling.define } } : {}),
    keepNames: bundling.keepNames === true,
    ...(bundling.tsconfig ? { tsconfig: bundling.tsconfig } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
    ...(bundling.inject ? { inject: [...bundling.inject] } : {}),
    metafile: true,
    logLevel: 'warning',
  };
}
