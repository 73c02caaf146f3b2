import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as z from 'zod/mini';
import { AppliedEventSchema, type AppliedEvent } from '../../functions/events/applied';
import { NormalizedEventSchema, type NormalizedEvent } from '../../functions/events/schema';
import { providerIds } from '../../functions/providers';
import { appliedExample, collectExamples, listFixtures, normalizeFixture } from '../../scripts/events-doc';
import { REPO_ROOT, generateSchemas, staleFiles } from '../../scripts/generate-schemas';

function committedSchema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', file), 'utf8')) as Record<string, unknown>;
}

function compile(schema: object): ValidateFunction {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

const validateEvent = compile(committedSchema('normalized-event.v1.schema.json'));
const validateApplied = compile(committedSchema('applied-event.v1.schema.json'));
/**
 * zod's default (output) JSON Schema closes every object (`additionalProperties: false`): an event that passes it
 * has no field the contract does not declare. The published schema is open on purpose, so this catches what it
 * cannot: an adapter emitting an undocumented field.
 */
const validateDeclaredOnly = compile(z.toJSONSchema(NormalizedEventSchema, { target: 'draft-2020-12', unrepresentable: 'any' }));

/** The event as it travels: SQS and SNS carry JSON text, so `undefined` fields vanish. */
const onTheWire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

function errorsOf(validate: ValidateFunction, value: unknown): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

const fixtures = listFixtures();

describe('committed JSON Schemas', () => {
  it('match a fresh generation from the zod schemas (refresh: npm run schemas)', () => {
    expect(staleFiles(generateSchemas())).toEqual([]);
  });

  it('are reported stale when a committed file differs from the generation', () => {
    const root = mkdtempSync(join(tmpdir(), 'schemas-'));
    try {
      const [first, ...rest] = generateSchemas();
      for (const file of rest) {
        mkdirSync(dirname(join(root, file.path)), { recursive: true });
        writeFileSync(join(root, file.path), file.text);
      }
      mkdirSync(dirname(join(root, first.path)), { recursive: true });
      writeFileSync(join(root, first.path), first.text.replace('"maxLength": 1024', '"maxLength": 2048'));
      expect(staleFiles(generateSchemas(), root)).toEqual([first.path]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('generate the same text on every run', () => {
    expect(generateSchemas()).toEqual(generateSchemas());
  });

  it('carry an $id, a title and a description', () => {
    for (const file of ['normalized-event.v1.schema.json', 'applied-event.v1.schema.json']) {
      const schema = committedSchema(file);
      expect(schema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: expect.stringMatching(/:v1$/),
        title: expect.any(String),
        description: expect.any(String),
      });
    }
  });

  it('describe every field', () => {
    const undocumented = (schema: Record<string, unknown>, at: string): string[] =>
      Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>).flatMap(([name, property]) => [
        ...(typeof property.description === 'string' && property.description.length > 0 ? [] : [`${at}${name}`]),
        ...undocumented(property, `${at}${name}.`),
      ]);
    const applied = committedSchema('applied-event.v1.schema.json');
    const defs = Object.entries(applied.$defs as Record<string, Record<string, unknown>>);
    expect([...undocumented(applied, ''), ...defs.flatMap(([name, def]) => undocumented(def, `$defs.${name}.`))]).toEqual([]);
  });
});

describe('the published normalized-event schema', () => {
  const valid: NormalizedEvent = {
    schemaVersion: 1,
    eventId: '0123456789abcdef0123456789abcdef',
    provider: 'webcom',
    channel: 'sms',
    type: 'message.status',
    messageId: '3234',
    status: 'delivered',
    final: true,
    providerStatus: 'deliver',
    recipient: { raw: '79161234567', e164: '+79161234567' },
    occurredAt: '2024-05-14T07:21:07Z',
    occurredAtRaw: '2024-05-14 10:21:07',
    receivedAt: '2024-05-14T07:21:09.123Z',
    raw: { id_sms: 3234 },
  };

  it('accepts a well-formed event, as zod does', () => {
    expect(errorsOf(validateEvent, valid)).toEqual([]);
    expect(NormalizedEventSchema.safeParse(valid).success).toBe(true);
  });

  it('accepts a field it does not know, so additive v1 changes never break an older copy', () => {
    expect(errorsOf(validateEvent, { ...valid, addedLater: 'x', recipient: { ...valid.recipient, carrier: 'y' } })).toEqual([]);
    expect(NormalizedEventSchema.safeParse({ ...valid, addedLater: 'x' }).success).toBe(true);
  });

  const mutations: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ['another schema version', { schemaVersion: 2 }],
    ['an eventId that is not 32 lowercase hex', { eventId: '0123456789ABCDEF0123456789ABCDEF' }],
    ['a provider id with capitals', { provider: 'WebCom' }],
    ['an unknown channel', { channel: 'fax' }],
    ['an unknown type', { type: 'message.deleted' }],
    ['a status outside the canonical list', { status: 'seen' }],
    ['a time with an offset instead of Z', { occurredAt: '2024-05-14T10:21:07+03:00' }],
    ['a time without a zone', { receivedAt: '2024-05-14T07:21:09' }],
    ['a date that does not exist', { occurredAt: '2024-02-30T00:00:00Z' }],
    ['an e164 without the plus', { recipient: { raw: '79161234567', e164: '79161234567' } }],
    ['a party without raw', { sender: { e164: '+79161234567' } }],
    ['a field over the length cap', { messageId: 'x'.repeat(1025) }],
    ['data that is not an object', { data: ['a'] }],
  ];

  it.each(mutations)('rejects %s, as zod does', (_what, change) => {
    const event = { ...valid, ...change };
    expect(validateEvent(event)).toBe(false);
    expect(NormalizedEventSchema.safeParse(event).success).toBe(false);
  });

  it.each(['schemaVersion', 'eventId', 'provider', 'channel', 'type', 'occurredAt', 'receivedAt', 'raw'])('requires %s, as zod does', (field) => {
    const event: Record<string, unknown> = { ...valid };
    delete event[field];
    expect(validateEvent(event)).toBe(false);
    expect(NormalizedEventSchema.safeParse(event).success).toBe(false);
  });
});

describe('every valid fixture of every provider', () => {
  it.each(providerIds)('%s has at least one valid fixture', (provider) => {
    expect(fixtures.filter((fixture) => fixture.provider === provider).map((f) => f.name)).not.toEqual([]);
  });

  const cases = fixtures.map((fixture) => [fixture.name, fixture] as const);

  it.each(cases)('%s normalizes to events that validate against the committed schema and zod', (_name, fixture) => {
    const normalized = normalizeFixture(fixture);
    // A ping is the only request that carries no event.
    expect(normalized.events.length > 0 || normalized.ping === true).toBe(true);
    for (const event of normalized.events) {
      const wire = onTheWire(event);
      expect(errorsOf(validateEvent, wire)).toEqual([]);
      expect(NormalizedEventSchema.safeParse(wire).success).toBe(true);
      expect(errorsOf(validateDeclaredOnly, wire)).toEqual([]);
    }
  });
});

describe('the published applied-event schema', () => {
  const example = appliedExample(collectExamples(fixtures));

  it('accepts the documented applied-event example, as AppliedEventSchema does', () => {
    expect(example).toBeDefined();
    const wire = onTheWire(example);
    expect(errorsOf(validateApplied, wire)).toEqual([]);
    expect(AppliedEventSchema.safeParse(wire).success).toBe(true);
  });

  it('accepts a previous status and an unchanged status', () => {
    const later: AppliedEvent = { ...example!, previousStatus: 'read', statusChanged: false };
    expect(errorsOf(validateApplied, onTheWire(later))).toEqual([]);
    expect(AppliedEventSchema.safeParse(later).success).toBe(true);
  });

  it.each([
    ['without statusChanged', { statusChanged: undefined }],
    ['with statusChanged as a string', { statusChanged: 'true' }],
    ['without previousStatus', { previousStatus: undefined }],
    ['with a previousStatus outside the canonical list', { previousStatus: 'seen' }],
  ])('rejects an envelope %s, as AppliedEventSchema does', (_what, change) => {
    const envelope = onTheWire({ ...example, ...change });
    expect(validateApplied(envelope)).toBe(false);
    expect(AppliedEventSchema.safeParse(envelope).success).toBe(false);
  });

  it('rejects a bare normalized event: the envelope fields are always present', () => {
    const { previousStatus: _p, statusChanged: _s, ...bare } = example!;
    expect(validateApplied(onTheWire(bare))).toBe(false);
  });
});
