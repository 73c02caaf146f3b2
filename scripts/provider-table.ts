/**
 * Renders the README's table of providers × events × event type × canonical statuses from the provider registry
 * (`functions/providers/index.ts`: each adapter's `displayName`, `authentication` and `catalog`), so the README can
 * never list an event or a status mapping the code does not have.
 *
 * `npm run docs:providers` prints the table; `npm run docs:providers -- --write` replaces the text between
 * `<!-- providers:start -->` and `<!-- providers:end -->` in README.md, and nothing else. A test fails when the
 * README's block differs from a fresh rendering.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CatalogEntry, ProviderAdapter } from '../functions/providers/types';
import { usageExit } from './cli';

export const REPO_ROOT = resolve(__dirname, '..');
export const README_PATH = resolve(REPO_ROOT, 'README.md');
export const START_MARKER = '<!-- providers:start -->';
export const END_MARKER = '<!-- providers:end -->';

/** What the table reads of an adapter. */
export type ProviderSummary = Pick<ProviderAdapter, 'id' | 'displayName' | 'authentication' | 'credentialHeaders' | 'origin' | 'catalog'>;

const HEADER = [
  '| provider | authentication | provider event | channel | event type | provider status → canonical status |',
  '|---|---|---|---|---|---|',
];

/** How each authentication mode reads in the table. */
const AUTHENTICATION: Readonly<Record<ProviderAdapter['authentication'], (adapter: ProviderSummary) => string>> = {
  headers: (adapter) => `headers ${(adapter.credentialHeaders ?? []).map(code).join(', ')}`.trim(),
  'url-token': () => 'URL token',
  signature: (adapter) => `signature: ${(adapter.origin ?? []).map((scheme) => code(scheme.name)).join(' or ')}`,
  'basic-auth': () => 'HTTP Basic, or a URL token',
  'body-credentials': () => 'user name and password in the body',
  iam: () => 'IAM: EventBridge/SNS, no HTTP route',
};

/** A code span that cannot break the table: GitHub splits cells on `|` even inside backticks. */
function code(value: string): string {
  return `\`${value.replace(/\|/g, '\\|')}\``;
}

/**
 * `ACCEPTED`, `BUFFERED` → `sent`: provider statuses grouped by the canonical status they map to, in the order the
 * adapter's table lists them; `—` for an event without statuses.
 */
export function renderStatuses(statuses: CatalogEntry['statuses']): string {
  if (!statuses || Object.keys(statuses).length === 0) return '—';
  const byCanonical = new Map<string, string[]>();
  for (const [providerStatus, canonical] of Object.entries(statuses)) {
    byCanonical.set(canonical, [...(byCanonical.get(canonical) ?? []), providerStatus]);
  }
  return [...byCanonical].map(([canonical, from]) => `${from.map(code).join(', ')} → ${code(canonical)}`).join('<br>');
}

/**
 * The Markdown table, one row per documented event; a provider's name and authentication are on its first row.
 *
 * @example renderProviderTable(providers) // '| provider | authentication | … |\n|---|…|\n| NHN Cloud SMS (`nhncloud-sms`) | …'
 */
export function renderProviderTable(registry: Readonly<Record<string, ProviderSummary>>): string {
  const rows = Object.values(registry).flatMap((adapter) =>
    adapter.catalog.map((entry, index) =>
      [
        index === 0 ? `${adapter.displayName} (${code(adapter.id)})` : '',
        index === 0 ? AUTHENTICATION[adapter.authentication](adapter) : '',
        code(entry.providerEvent),
        code(entry.channel),
        code(entry.type),
        renderStatuses(entry.statuses),
      ].join(' | '),
    ),
  );
  return [...HEADER, ...rows.map((row) => `| ${row} |`)].join('\n');
}

function markerBounds(readme: string): { start: number; end: number } {
  const start = readme.indexOf(START_MARKER);
  const end = start < 0 ? -1 : readme.indexOf(END_MARKER, start + START_MARKER.length);
  if (start < 0 || end < 0) throw new Error(`README.md has no ${START_MARKER} … ${END_MARKER} block`);
  return { start: start + START_MARKER.length, end };
}

/** The text between the markers, without the line breaks that frame it. */
export function extractProviderBlock(readme: string): string {
  const { start, end } = markerBounds(readme);
  return readme
    .slice(start, end)
    .replace(/^\r?\n/, '')
    .replace(/\r?\n$/, '');
}

/** `readme` with the text between the markers replaced by `table`; everything outside them unchanged. */
export function replaceProviderBlock(readme: string, table: string): string {
  const { start, end } = markerBounds(readme);
  return `${readme.slice(0, start)}\n${table}\n${readme.slice(end)}`;
}

const USAGE = `Render the README's providers table from the provider registry.

Usage: npm run docs:providers [-- --write]

  (no option)  print the table
  --write      replace the block between ${START_MARKER} and ${END_MARKER} in README.md`;

async function main(args: readonly string[]): Promise<void> {
  const exit = usageExit(args, USAGE, ['--write']);
  if (exit !== undefined) {
    process.exitCode = exit;
    return;
  }
  // Loaded here rather than at the top, so the renderer can be imported (and tested) without every adapter.
  const { providers } = await import('../functions/providers/index');
  const table = renderProviderTable(providers);
  if (!args.includes('--write')) {
    process.stdout.write(`${table}\n`);
    return;
  }
  writeFileSync(README_PATH, replaceProviderBlock(readFileSync(README_PATH, 'utf8'), table));
  process.stdout.write(`README.md: providers table updated (${table.split('\n').length - HEADER.length} rows)\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
