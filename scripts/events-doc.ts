/**
 * Renders the generated parts of `docs/events.md` from the code, so the document downstream teams read can never
 * drift from what they receive:
 *
 * - `fields`: the event's fields, from the generated JSON Schema (types, required, descriptions);
 * - `statuses`: the canonical statuses with rank and final, from `STATUS_TABLE`;
 * - `attributes`: the topic's message attributes, from `APPLIED_EVENT_ATTRIBUTES`;
 * - `providers`: which provider event becomes which event type and status, from the adapters' catalogs;
 * - `examples`: one event per event type, produced by normalizing the real fixtures (`test/events/<provider>/*`)
 *   through the real adapters with a fixed `receivedAt`, plus one applied-event envelope with its attributes.
 *
 * Prose lives in `docs/events.md` itself; only the text between `<!-- events:<block>:start -->` and
 * `<!-- events:<block>:end -->` is rewritten. `npm run docs:events` (or `tsx scripts/events-doc.ts`) writes the
 * file; `--check` exits 1 when it is stale. Event types that no fixture produces yet are reported on stderr and
 * listed in the document; the test suite fails on them.
 */
import { adapterRequestOf, loadFixtures } from '../local/fixtures';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appliedEventAttributes, type AppliedEvent } from '../functions/events/applied';
import { EVENT_TYPES, type EventType, type NormalizedEvent } from '../functions/events/schema';
import { STATUS_TABLE, UNMAPPED_RANK } from '../functions/events/status';
import { providerIds, providers, type ProviderId } from '../functions/providers';
import type { Normalized } from '../functions/providers/types';
import { APPLIED_EVENT_ATTRIBUTES, type AppliedEventAttribute } from '../lib/pipeline-settings';
import { usageExit } from './cli';
import { REPO_ROOT, SCHEMA_SPECS, jsonSchemaOf } from './generate-schemas';
import { renderProviderTable } from './provider-table';

export const DOC_PATH = 'docs/events.md';
export const FIXTURES_DIR = 'test/events';

/** The receipt time of every generated example, fixed so the document is reproducible. */
export const EXAMPLE_RECEIVED_AT = '2025-01-15T09:30:00.000Z';

/**
 * The fixture shown for a type when a more typical one exists than the first found. A named fixture that is gone
 * or no longer yields the type is an error, never a silent fallback.
 */
export const PREFERRED_EXAMPLES: Readonly<Partial<Record<EventType, string>>> = {
  'message.status': 'innopaas-whatsapp/message-status-delivered.json',
  'message.inbound': 'innopaas-whatsapp/mo-text.json',
  // Not the May 2024 doc variant, whose `countryCode` ("NORMAL_SMS") and `createdDateTime` are the doc's mistakes.
  'country.blocked': 'nhncloud-sms/country-block.json',
};

/** What each event type means to a subscriber. Typed by the enum, so a new type without a line fails to compile. */
export const EVENT_TYPE_MEANINGS: Readonly<Record<EventType, string>> = {
  'message.status': 'A status report of an outbound message (delivery receipt). Carries `status` and `final`.',
  'message.inbound': 'A message a user sent to us (MO): SMS text, WhatsApp text or media. `sender` is the user.',
  'template.status': 'A WhatsApp message template was approved, rejected, paused, …',
  'recipient.unsubscribed': 'A recipient opted out (e.g. replied with the unsubscribe keyword).',
  'country.blocked': 'The provider blocked sending to a country.',
  'account.review': 'The provider reviewed the business account.',
  'phone_number.name': "A review of the sending phone number's display name.",
  'chat.message': "A message in the provider's inbox (agent chat), outbound or inbound.",
  'provider.unknown': 'An event type the adapter does not know yet: kept with its `raw` item rather than dropped.',
};

/** What each topic message attribute holds. Typed by the attribute list, so a new attribute needs a line here. */
export const ATTRIBUTE_MEANINGS: Readonly<Record<AppliedEventAttribute, string>> = {
  provider: 'the `provider` field',
  channel: 'the `channel` field',
  type: 'the `type` field',
  status: 'the `status` field; `"none"` on events without a status',
  final: '`"true"` or `"false"` from the `final` field; `"none"` on events without a status',
  statusChanged: '`"true"` or `"false"`: whether this event changed the stored status',
};

/** One valid request body from `test/events/<provider>/`. */
export interface Fixture {
  readonly provider: ProviderId;
  /** `<provider>/<file>`, relative to `test/events`. */
  readonly name: string;
  readonly body: string;
  readonly method: 'GET' | 'POST';
  readonly contentType?: string;
}

/**
 * Every valid fixture of every registered provider, in registry order then file-name order. Reads whatever
 * exists; a provider without a folder has none.
 */
export function listFixtures(root = REPO_ROOT): Fixture[] {
  return providerIds.flatMap((provider) =>
    loadFixtures(provider, join(root, FIXTURES_DIR))
      .filter((fixture) => !fixture.name.startsWith('.'))
      .map((fixture) => ({ ...fixture, provider, name: `${provider}/${fixture.name}` })),
  );
}

/** A fixture through its provider's adapter, exactly as the ingest handler calls it (no headers, no query). */
export function normalizeFixture(fixture: Fixture, receivedAt = EXAMPLE_RECEIVED_AT): Normalized {
  const adapter = providers[fixture.provider];
  try {
    return adapter.normalize(adapterRequestOf(fixture), { receivedAt, timeZone: adapter.defaultTimeZone });
  } catch (error) {
    throw new Error(`fixture ${fixture.name} does not normalize: ${(error as Error).message}`, { cause: error });
  }
}

export interface Example {
  readonly fixture: string;
  readonly event: NormalizedEvent;
}

export interface Examples {
  readonly byType: ReadonlyMap<EventType, Example>;
  /** Event types no fixture produces yet. */
  readonly missing: readonly EventType[];
}

/**
 * One example per event type: the preferred fixture's event where one is named, otherwise the first event of that
 * type, taking single-event fixtures first (they read best), then registry order, then file name.
 */
export function collectExamples(
  fixtures: readonly Fixture[] = listFixtures(),
  preferredExamples: Readonly<Partial<Record<EventType, string>>> = PREFERRED_EXAMPLES,
): Examples {
  const normalized = fixtures.map((fixture) => ({ fixture: fixture.name, events: normalizeFixture(fixture).events }));
  const candidates = [...normalized.filter((n) => n.events.length === 1), ...normalized.filter((n) => n.events.length > 1)];
  const byType = new Map<EventType, Example>();
  for (const type of EVENT_TYPES) {
    const preferred = preferredExamples[type];
    const pool = preferred === undefined ? candidates : normalized.filter((n) => n.fixture === preferred);
    const found = pool.flatMap((n) => n.events.filter((e) => e.type === type).map((event) => ({ fixture: n.fixture, event })))[0];
    if (found) byType.set(type, found);
    else if (preferred !== undefined) throw new Error(`PREFERRED_EXAMPLES names ${preferred} for ${type}, but it yields no such event`);
  }
  return { byType, missing: EVENT_TYPES.filter((type) => !byType.has(type)) };
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Rendering                                                                                                      */
/* ------------------------------------------------------------------------------------------------------------ */

type JsonSchema = Readonly<Record<string, unknown>>;

/** Text that cannot break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(value: unknown): string {
  return `\`${String(value)}\``;
}

/** A property's type in words: `"sms"`, `"otp"` for enums, `string (date-time, UTC)`, `Party`, … */
function typeOf(schema: JsonSchema): string {
  if (typeof schema.$ref === 'string') return `object (${schema.$ref.replace('#/$defs/', '')})`;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map(typeOf).join(' or ');
  if ('const' in schema) return code(JSON.stringify(schema.const));
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((value) => code(value)).join(', ')}`;
  if (schema.type === undefined) return 'any JSON value';
  if (schema.format === 'date-time') return 'string, ISO-8601 UTC date-time';
  const limits = [
    typeof schema.pattern === 'string' ? `pattern ${code(schema.pattern)}` : undefined,
    typeof schema.maxLength === 'number' ? `≤ ${schema.maxLength} chars` : undefined,
  ].filter((part) => part !== undefined);
  return limits.length > 0 ? `${String(schema.type)} (${limits.join(', ')})` : String(schema.type);
}

/** Rows for the properties of an object schema, nested objects (`error.code`, `recipient.raw`) after their parent. */
function fieldRows(schema: JsonSchema, defs: Readonly<Record<string, JsonSchema>>, prefix = ''): string[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).flatMap(([name, property]) => {
    const path = `${prefix}${name}`;
    const row = `| ${code(path)} | ${cell(typeOf(property))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(String(property.description ?? ''))} |`;
    const target = typeof property.$ref === 'string' ? defs[property.$ref.replace('#/$defs/', '')] : property;
    const nested = target?.properties ? fieldRows(target, defs, `${path}.`) : [];
    return [row, ...nested];
  });
}

function renderFields(): string {
  const [normalized, applied] = SCHEMA_SPECS.map(jsonSchemaOf);
  const defs = (normalized.$defs ?? {}) as Record<string, JsonSchema>;
  const eventFields = new Set(Object.keys(normalized.properties as object));
  const envelopeOnly = {
    properties: Object.fromEntries(Object.entries(applied.properties as object).filter(([name]) => !eventFields.has(name))),
    required: applied.required,
  };
  const header = ['| field | type | required | meaning |', '|---|---|---|---|'];
  return [
    '**Normalized event** (`schemas/normalized-event.v1.schema.json`):',
    '',
    ...header,
    ...fieldRows(normalized, defs),
    '',
    '**Applied event** (`schemas/applied-event.v1.schema.json`): every field above, plus:',
    '',
    ...header,
    ...fieldRows(envelopeOnly, defs),
  ].join('\n');
}

function renderStatuses(): string {
  const rows = Object.entries(STATUS_TABLE).map(([status, info]) => `| ${code(status)} | ${info.rank} | ${info.final ? 'yes' : 'no'} |`);
  return [
    '| status | rank | final |',
    '|---|---|---|',
    ...rows,
    `| ${code('unknown')} with \`final: false\` (a provider status no mapping knows) | ${UNMAPPED_RANK} | no |`,
  ].join('\n');
}

function renderAttributes(): string {
  const rows = APPLIED_EVENT_ATTRIBUTES.map((name) => `| ${code(name)} | String | ${cell(ATTRIBUTE_MEANINGS[name])} |`);
  return ['| attribute | SNS type | value |', '|---|---|---|', ...rows].join('\n');
}

function renderTypes(): string {
  const rows = EVENT_TYPES.map((type) => `| ${code(type)} | ${cell(EVENT_TYPE_MEANINGS[type])} |`);
  return [
    '| type | meaning |',
    '|---|---|',
    ...rows,
    '',
    'Which provider event becomes which type, channel and canonical status:',
    '',
    renderProviderTable(providers),
  ].join('\n');
}

function jsonBlock(value: unknown): string {
  return ['```json', JSON.stringify(value, null, 2), '```'].join('\n');
}

/** The example envelope: the `message.status` example, as the first event recorded for its message. */
export function appliedExample(examples: Examples): AppliedEvent | undefined {
  const status = examples.byType.get('message.status');
  return status && { ...status.event, previousStatus: null, statusChanged: true };
}

function renderExamples(examples: Examples): string {
  const sections = EVENT_TYPES.flatMap((type) => {
    const example = examples.byType.get(type);
    if (!example) return [`### \`${type}\``, '', '_No fixture produces this event type yet._', ''];
    return [
      `### \`${type}\``,
      '',
      `From \`test/events/${example.fixture}\` through the \`${example.event.provider}\` adapter:`,
      '',
      jsonBlock(example.event),
      '',
    ];
  });
  const applied = appliedExample(examples);
  const envelope = applied
    ? [
        '### Applied event (topic and subscriber queues)',
        '',
        `The \`message.status\` example above, as the first event recorded for its message:`,
        '',
        jsonBlock(applied),
        '',
        'with these message attributes:',
        '',
        jsonBlock(appliedEventAttributes(applied)),
      ]
    : [];
  return [`Generated from the fixtures with \`receivedAt\` fixed at \`${EXAMPLE_RECEIVED_AT}\`.`, '', ...sections, ...envelope].join('\n').trimEnd();
}

/** Every generated block, by marker name. */
export function renderBlocks(examples: Examples = collectExamples()): Readonly<Record<string, string>> {
  return {
    fields: renderFields(),
    statuses: renderStatuses(),
    attributes: renderAttributes(),
    types: renderTypes(),
    examples: renderExamples(examples),
  };
}

export const startMarker = (block: string): string => `<!-- events:${block}:start -->`;
export const endMarker = (block: string): string => `<!-- events:${block}:end -->`;

/** `doc` with each block's text replaced; throws when a block's markers are missing, so none is dropped silently. */
export function applyBlocks(doc: string, blocks: Readonly<Record<string, string>>): string {
  return Object.entries(blocks).reduce((text, [block, content]) => {
    const start = text.indexOf(startMarker(block));
    const end = start < 0 ? -1 : text.indexOf(endMarker(block), start);
    if (start < 0 || end < 0) throw new Error(`${DOC_PATH} has no ${startMarker(block)} … ${endMarker(block)} block`);
    return `${text.slice(0, start + startMarker(block).length)}\n${content}\n${text.slice(end)}`;
  }, doc);
}

/** The document as it must be committed, given its current text. */
export function renderDoc(current: string, examples: Examples = collectExamples()): string {
  return applyBlocks(current, renderBlocks(examples));
}

const USAGE = `Render the generated blocks of docs/events.md (fields, statuses, attributes, providers, examples) from the code.

Usage: npm run docs:events [-- --check]

  (no option)  rewrite the generated blocks of docs/events.md
  --check      write nothing; exit 1 when docs/events.md is stale`;

function main(argv: readonly string[]): number {
  const exit = usageExit(argv, USAGE, ['--check']);
  if (exit !== undefined) return exit;
  const path = join(REPO_ROOT, DOC_PATH);
  const current = readFileSync(path, 'utf8');
  const examples = collectExamples();
  if (examples.missing.length > 0) {
    process.stderr.write(`No fixture yet for event types: ${examples.missing.join(', ')}\n`);
  }
  const next = renderDoc(current, examples);
  if (argv.includes('--check')) {
    if (next === current) return 0;
    process.stderr.write(`${DOC_PATH} is stale (run \`tsx scripts/events-doc.ts\` and commit)\n`);
    return 1;
  }
  writeFileSync(path, next);
  process.stdout.write(`wrote ${DOC_PATH} (${examples.byType.size} of ${EVENT_TYPES.length} event types have an example)\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
