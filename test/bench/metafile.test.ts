import type { Metafile } from 'esbuild';
import { bytesByPackage, packageOf, weightOverBaseline } from '../../bench/metafile';

const metafile = (inputs: Record<string, number>): Metafile => ({
  inputs: {},
  outputs: {
    'out/index.js': {
      bytes: 0,
      entryPoint: 'entry.ts',
      imports: [],
      exports: [],
      inputs: Object.fromEntries(Object.entries(inputs).map(([name, bytesInOutput]) => [name, { bytesInOutput }])),
    },
  },
});

describe('metafile weights', () => {
  test('inputs are grouped by package, scoped packages by scope and name, our code by folder', () => {
    expect(packageOf('node_modules/@aws-sdk/client-sqs/dist-es/index.js')).toBe('@aws-sdk/client-sqs');
    expect(packageOf('node_modules/zod/v4/core/schemas.js')).toBe('zod');
    expect(packageOf('node_modules/a/node_modules/@x/y/z.js')).toBe('@x/y');
    expect(packageOf('functions/ingest/enqueue.ts')).toBe('functions/ingest');
  });

  test('what a bundle adds over the baseline, heaviest first', () => {
    const baseline = metafile({ 'node_modules/@smithy/core/a.js': 100 });
    const bundle = metafile({
      'node_modules/@smithy/core/a.js': 100,
      'node_modules/zod/b.js': 30,
      'node_modules/zod/c.js': 20,
      'functions/ingest/x.ts': 40,
    });
    expect(bytesByPackage(bundle).get('zod')).toBe(50);
    expect(weightOverBaseline(bundle, baseline)).toEqual([
      { name: 'zod', bytes: 50 },
      { name: 'functions/ingest', bytes: 40 },
    ]);
  });
});
