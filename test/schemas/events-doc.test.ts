import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '../../functions/events/schema';
import {
  DOC_PATH,
  EXAMPLE_RECEIVED_AT,
  PREFERRED_EXAMPLES,
  applyBlocks,
  collectExamples,
  endMarker,
  listFixtures,
  renderDoc,
  startMarker,
  type Fixture,
} from '../../scripts/events-doc';
import { REPO_ROOT } from '../../scripts/generate-schemas';

const committed = readFileSync(join(REPO_ROOT, DOC_PATH), 'utf8');
const fixtures = listFixtures();
const examples = collectExamples(fixtures);

describe('docs/events.md', () => {
  it('every event type has an example produced from a fixture', () => {
    expect(examples.missing).toEqual([]);
  });

  it('matches a fresh rendering from the code and the fixtures (refresh: npx tsx scripts/events-doc.ts)', () => {
    expect(renderDoc(committed, examples)).toBe(committed);
  });

  it('shows each example exactly as its adapter produced it', () => {
    for (const type of EVENT_TYPES) {
      const example = examples.byType.get(type);
      if (!example) continue;
      expect(example.event.type).toBe(type);
      expect(example.event.receivedAt).toBe(EXAMPLE_RECEIVED_AT);
      expect(committed).toContain(JSON.stringify(example.event, null, 2));
    }
  });

  it('uses each preferred fixture for its type', () => {
    for (const [type, fixture] of Object.entries(PREFERRED_EXAMPLES)) {
      expect(examples.byType.get(type as (typeof EVENT_TYPES)[number])?.fixture).toBe(fixture);
    }
  });

  it('is stale once an example changes', () => {
    const [type, example] = [...examples.byType][0];
    const changed = new Map(examples.byType).set(type, { ...example, event: { ...example.event, messageId: 'changed' } });
    expect(renderDoc(committed, { ...examples, byType: changed })).not.toBe(committed);
  });

  it('names the event types no fixture produces yet, in the document too', () => {
    const nhnOnly = collectExamples(
      fixtures.filter((fixture) => fixture.provider === 'nhncloud-sms'),
      {},
    );
    expect(nhnOnly.missing).toEqual(expect.arrayContaining(['message.inbound', 'template.status', 'chat.message']));
    expect(nhnOnly.missing).not.toContain('message.status');
    expect(renderDoc(committed, nhnOnly)).toContain('_No fixture produces this event type yet._');
  });

  it('refuses a preferred fixture that no longer yields its type', () => {
    const onlyPing: Fixture[] = fixtures.filter((fixture) => fixture.name === 'nhncloud-sms/verification-ping.json');
    expect(() => collectExamples(onlyPing)).toThrow(/PREFERRED_EXAMPLES/);
  });
});

describe('applyBlocks', () => {
  it("replaces only the text between a block's markers", () => {
    const doc = `intro\n${startMarker('fields')}\nold\n${endMarker('fields')}\noutro\n`;
    expect(applyBlocks(doc, { fields: 'new' })).toBe(`intro\n${startMarker('fields')}\nnew\n${endMarker('fields')}\noutro\n`);
  });

  it("refuses a document that lost a block's markers", () => {
    expect(() => applyBlocks('no markers here', { fields: 'new' })).toThrow(/events:fields:start/);
  });
});
