import { readFileSync } from 'node:fs';
import {
  END_MARKER,
  README_PATH,
  START_MARKER,
  extractProviderBlock,
  renderProviderTable,
  renderStatuses,
  replaceProviderBlock,
  type ProviderSummary,
} from '../../scripts/provider-table';

const headerProvider: ProviderSummary = {
  id: 'acme-sms',
  displayName: 'Acme SMS',
  authentication: 'headers',
  credentialHeaders: ['X-Acme-Key', 'X-Acme-User'],
  catalog: [
    { providerEvent: 'DLR', type: 'message.status', channel: 'sms', statuses: { OK: 'delivered', LATE: 'delivered', NOK: 'failed' } },
    { providerEvent: 'STOP|OPTOUT', type: 'recipient.unsubscribed', channel: 'sms' },
  ],
};
const tokenProvider: ProviderSummary = {
  id: 'beta',
  displayName: 'Beta',
  authentication: 'url-token',
  catalog: [{ providerEvent: 'status', type: 'message.status', channel: 'viber', statuses: { '1': 'sent' } }],
};

describe('renderProviderTable', () => {
  const lines = renderProviderTable({ 'acme-sms': headerProvider, beta: tokenProvider }).split('\n');

  test('there is a header, a separator and one row per documented event, in registry order', () => {
    expect(lines).toHaveLength(2 + 3);
    expect(lines[0]).toBe('| provider | authentication | provider event | channel | event type | provider status → canonical status |');
    expect(lines[1]).toBe('|---|---|---|---|---|---|');
  });

  test('a provider is named, with its authentication, on its first row only', () => {
    expect(lines[2]).toBe(
      '| Acme SMS (`acme-sms`) | headers `X-Acme-Key`, `X-Acme-User` | `DLR` | `sms` | `message.status` | `OK`, `LATE` → `delivered`<br>`NOK` → `failed` |',
    );
    expect(lines[3]).toBe('|  |  | `STOP\\|OPTOUT` | `sms` | `recipient.unsubscribed` | — |');
    expect(lines[4]).toBe('| Beta (`beta`) | URL token | `status` | `viber` | `message.status` | `1` → `sent` |');
  });

  test('every row has exactly six cells, even with a pipe in a provider value', () => {
    for (const line of lines) expect(line.replace(/\\\|/g, '').split('|')).toHaveLength(8);
  });
});

describe('renderStatuses', () => {
  test('an event without statuses renders as a dash', () => {
    expect(renderStatuses(undefined)).toBe('—');
    expect(renderStatuses({})).toBe('—');
  });
});

describe('the README block', () => {
  const readme = `# Title\n\nBefore.\n\n${START_MARKER}\nold table\n${END_MARKER}\n\nAfter.\n`;

  test('replacing changes only the text between the markers', () => {
    expect(replaceProviderBlock(readme, '| new |')).toBe(`# Title\n\nBefore.\n\n${START_MARKER}\n| new |\n${END_MARKER}\n\nAfter.\n`);
  });

  test('replacing twice gives the same README as replacing once', () => {
    const once = replaceProviderBlock(readme, '| new |');
    expect(replaceProviderBlock(once, '| new |')).toBe(once);
    expect(extractProviderBlock(once)).toBe('| new |');
  });

  test('a README without both markers, in order, is an error rather than a silent append', () => {
    expect(() => replaceProviderBlock('# Title\n', 'x')).toThrow(/providers:start/);
    expect(() => replaceProviderBlock(`${END_MARKER}\n${START_MARKER}\n`, 'x')).toThrow(/providers:start/);
  });

  test('README.md shows the table rendered from the current registry (run `npm run docs:providers -- --write`)', async () => {
    const { providers } = await import('../../functions/providers/index');
    expect(extractProviderBlock(readFileSync(README_PATH, 'utf8'))).toBe(renderProviderTable(providers));
  });

  test('the rendered table lists every documented event of every registered provider', async () => {
    const { providers } = await import('../../functions/providers/index');
    const table = renderProviderTable(providers);
    for (const adapter of Object.values(providers)) {
      expect(table).toContain(`(\`${adapter.id}\`)`);
      for (const entry of adapter.catalog) expect(table).toContain(`\`${entry.providerEvent.replace(/\|/g, '\\|')}\``);
    }
  });
});
