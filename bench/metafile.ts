/**
 * What weighs what in a bundle, from esbuild's metafile: the first place to look when a bundle is over budget.
 * Pure.
 */
import type { Metafile } from 'esbuild';

/** Output bytes per package (or per `functions/<dir>` for our own code) of a bundle. */
export function bytesByPackage(metafile: Metafile): Map<string, number> {
  const output = Object.values(metafile.outputs).find((entry) => entry.entryPoint !== undefined);
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const key = packageOf(input);
    totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
  }
  return totals;
}

/** `node_modules/@scope/name/x.js` → `@scope/name`; `functions/ingest/x.ts` → `functions/ingest`. */
export function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return input.split('/').slice(0, 2).join('/');
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * The parser and verifier libraries a provider's format may need (XML bodies, signed or JWT-bearing requests): the
 * bundle budget allows each one that a bundle carries on top of the headroom, measured bundled alone.
 */
export const PARSER_LIBRARIES: readonly string[] = ['fast-xml-parser', 'jose'];

/** Which of {@link PARSER_LIBRARIES} a bundle carries (from its metafile), so the bench works for any provider. */
export function parserLibrariesIn(metafile: Metafile): string[] {
  const packages = bytesByPackage(metafile);
  return PARSER_LIBRARIES.filter((name) => (packages.get(name) ?? 0) > 0);
}

/** What a bundle carries beyond the baseline, heaviest first: the first place to look when a bundle is over. */
export function weightOverBaseline(bundle: Metafile, baseline: Metafile, limit = 8): Array<{ name: string; bytes: number }> {
  const base = bytesByPackage(baseline);
  return [...bytesByPackage(bundle)]
    .map(([name, bytes]) => ({ name, bytes: bytes - (base.get(name) ?? 0) }))
    .filter((entry) => entry.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit);
}
