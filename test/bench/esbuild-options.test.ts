import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { esbuildOptionsOf, targetOfRuntime } from '../../bench/esbuild-options';

const input = { entry: '/repo/functions/ingest/handler.ts', outdir: '/tmp/out', projectRoot: '/repo', runtimeName: 'nodejs24.x' };

describe('esbuildOptionsOf', () => {
  test("maps the stack's options flag by flag, as NodejsFunction passes them to esbuild", () => {
    const bundling = {
      forceDockerBundling: false,
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      target: 'node22',
      format: 'cjs',
      mainFields: ['module', 'main'],
      externalModules: [],
    } as unknown as BundlingOptions;
    expect(esbuildOptionsOf(bundling, input)).toMatchObject({
      absWorkingDir: '/repo',
      entryPoints: ['/repo/functions/ingest/handler.ts'],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      outfile: '/tmp/out/index.js',
      minify: true,
      sourcemap: 'linked',
      sourcesContent: false,
      mainFields: ['module', 'main'],
      external: [],
      metafile: true,
    });
  });

  test('a define is passed through, so a per-provider bundle is built as the stack builds it', () => {
    const bundling = { externalModules: [], define: { 'process.env.WEBHOOK_BUNDLED_PROVIDER': '"webcom"' } } as BundlingOptions;
    expect(esbuildOptionsOf(bundling, input).define).toEqual({ 'process.env.WEBHOOK_BUNDLED_PROVIDER': '"webcom"' });
  });

  test("without a target the runtime's major version is used, and sources are kept in the map by default", () => {
    const options = esbuildOptionsOf({ externalModules: [] } as BundlingOptions, input);
    expect(options).toMatchObject({ target: 'node24', sourcemap: false, sourcesContent: true, minify: false });
    expect(targetOfRuntime('nodejs20.x')).toBe('node20');
  });

  test('an ES module bundle is index.mjs', () => {
    expect(esbuildOptionsOf({ externalModules: [], format: 'esm' } as unknown as BundlingOptions, input).outfile).toBe('/tmp/out/index.mjs');
  });

  test('an option the bench cannot reproduce, or does not know, stops it instead of being ignored', () => {
    expect(() => esbuildOptionsOf({ externalModules: [], nodeModules: ['x'] } as BundlingOptions, input)).toThrow(/nodeModules/);
    expect(() => esbuildOptionsOf({ externalModules: [], shinyNewOption: true } as unknown as BundlingOptions, input)).toThrow(/shinyNewOption/);
    expect(() => esbuildOptionsOf({} as BundlingOptions, input)).toThrow(/externalModules/);
  });
});
