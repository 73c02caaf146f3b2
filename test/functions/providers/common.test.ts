import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { providerIds, providers } from '../../../functions/providers';
import * as z from 'zod/mini';
import {
  MAX_NESTING_DEPTH,
  anyObject,
  atLeast,
  atMost,
  int,
  preprocess,
  matches,
  oneOf,
  orNull,
  parseJson,
  validate,
  webhookRequest,
  wellFormed,
  withinNestingLimit,
} from '../../../functions/providers/common';
import { validationErrorOf } from '../../support/errors';
import { loadFixtures } from '../../../local/fixtures';

const EVENTS = join(__dirname, '../../events');
const context = { receivedAt: '2025-01-01T00:00:00.000Z', timeZone: 'UTC' };

/** `depth` arrays, one inside the other: `[[…]]`. */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('nesting limit', () => {
  const TOO_DEEP = `body is nested deeper than ${MAX_NESTING_DEPTH} levels`;

  it('is 64 levels', () => {
    expect(MAX_NESTING_DEPTH).toBe(64);
  });

  it('accepts JSON nested exactly to the limit', () => {
    expect(() => parseJson(nestedArrays(MAX_NESTING_DEPTH))).not.toThrow();
    expect(() => parseJson(`{"a":${nestedArrays(MAX_NESTING_DEPTH - 1)}}`)).not.toThrow();
  });

  it('refuses JSON one level deeper, arrays or objects', () => {
    expect(validationErrorOf(() => parseJson(nestedArrays(MAX_NESTING_DEPTH + 1))).message).toBe(TOO_DEEP);
    const objects = `${'{"a":'.repeat(MAX_NESTING_DEPTH + 1)}1${'}'.repeat(MAX_NESTING_DEPTH + 1)}`;
    expect(validationErrorOf(() => parseJson(objects)).message).toBe(TOO_DEEP);
  });

  it('measures depth without recursion, so a million levels cannot overflow the check', () => {
    let value: unknown[] = [];
    for (let level = 1; level < 1_000_000; level++) value = [value];
    expect(validationErrorOf(() => withinNestingLimit(value)).message).toBe(TOO_DEEP);
  });

  it('counts depth along each branch, not across siblings', () => {
    const wide = Array.from({ length: 1_000 }, () => JSON.parse(nestedArrays(MAX_NESTING_DEPTH - 1)) as unknown);
    expect(withinNestingLimit(wide)).toBe(wide);
  });

  const deepFixtures = providerIds.flatMap((provider) =>
    readdirSync(join(EVENTS, provider))
      .filter((name) => name.startsWith('invalid-nested-too-deep.'))
      .map((name) => [provider, name] as const),
  );

  // Form and query bodies (Jasmin, Kannel) have no nesting: only providers that send JSON or XML can be sent one.
  const nestingProviders = providerIds.filter((provider) => loadFixtures(provider).some((fixture) => /\.(json|xml)$/.test(fixture.name)));

  it('has a deeply nested fixture for every provider with JSON or XML bodies', () => {
    expect(new Set(deepFixtures.map(([provider]) => provider))).toEqual(new Set(nestingProviders));
  });

  it.each(deepFixtures)('%s refuses %s, thousands of levels deep, with a 400 naming the problem', (provider, name) => {
    const body = readFileSync(join(EVENTS, provider, name), 'utf8');
    const error = validationErrorOf(() => providers[provider].normalize(webhookRequest({ body }), context));
    expect(error.message).toBe(TOO_DEEP);
    expect(error.statusCode).toBe(400);
  });
});

describe('well-formed ids', () => {
  const Id = z.object({ id: z.string().check(z.maxLength(64), wellFormed()) });

  it.each([
    ['a lone high surrogate', 'qa-ls-\ud800'],
    ['a lone low surrogate', 'qa-ls-\udc00'],
    ['a pair in the wrong order', 'qa-\udc00\ud800'],
  ])('refuses %s, naming the field in words and never echoing the value', (_, id) => {
    const error = validationErrorOf(() => validate(Id, { id }, 'hooks.0'));
    expect(error.field).toBe('hooks.0.id');
    expect(error.message).toBe('hooks.0.id: not well-formed Unicode (lone surrogate)');
    expect(error.message).not.toContain('qa-');
  });

  it('accepts text with surrogate pairs (emoji, CJK extension B)', () => {
    expect(validate(Id, { id: 'qa-\u{1F600}-\u{20000}' }).id).toBe('qa-\u{1F600}-\u{20000}');
  });
});

describe('the light stand-ins for zod kinds (int, anyObject)', () => {
  /** What `validate` answers for `value`: the parsed value, or the problem it names. */
  const answer = (schema: z.ZodMiniType, value: unknown): unknown => {
    try {
      return { ok: validate(schema, value, 'field') };
    } catch (error) {
      return { problem: (error as Error).message };
    }
  };
  const text = () => z.string().check(z.minLength(1), z.maxLength(8));

  const NUMBERS: unknown[] = [
    0,
    7,
    -3,
    1.5,
    -0.5,
    2 ** 53,
    -(2 ** 53),
    1e300,
    -1e300,
    Number.MAX_SAFE_INTEGER,
    '7',
    '',
    'x'.repeat(9),
    null,
    true,
    [],
    {},
    [1],
  ];
  it.each([
    ['alone', (i: z.ZodMiniType) => i],
    ['non-negative', () => int().check(z.nonnegative())],
    ['in a range', () => int().check(z.minimum(1), z.maximum(255))],
    ['after a string in a union', (i: z.ZodMiniType) => z.union([text(), i])],
    ['before a string in a union', (i: z.ZodMiniType) => z.union([i, text()])],
    ['optional and nullable, in an object', (i: z.ZodMiniType) => z.object({ n: z.optional(z.nullable(i)) })],
  ] as const)('int() answers as z.int() does: %s', (_name, wrap) => {
    const reference =
      _name === 'non-negative'
        ? z.int().check(z.nonnegative())
        : _name === 'in a range'
          ? z.int().check(z.minimum(1), z.maximum(255))
          : wrap(z.int());
    const light = _name === 'non-negative' || _name === 'in a range' ? (wrap as () => z.ZodMiniType)() : wrap(int());
    for (const value of [...NUMBERS, ...NUMBERS.map((n) => ({ n }))])
      expect([value, answer(light, value)]).toEqual([value, answer(reference, value)]);
  });

  const OBJECTS: unknown[] = [
    {},
    { a: 1, b: { c: [2] } },
    JSON.parse('{"a":1,"__proto__":{"polluted":true}}'),
    JSON.parse('{"constructor":1}'),
    [],
    [{}],
    null,
    'x',
    0,
    true,
  ];
  it.each([
    ['alone', (o: z.ZodMiniType) => o],
    ['a list of them or one, in a union', (o: z.ZodMiniType) => z.union([z.array(o), o])],
    ['after a string in a union', (o: z.ZodMiniType) => z.union([text(), o])],
    ['optional and nullable, in an object', (o: z.ZodMiniType) => z.object({ o: z.optional(z.nullable(o)) })],
  ] as const)('anyObject() answers as z.record(z.string(), z.unknown()) does: %s', (_name, wrap) => {
    const reference = wrap(z.record(z.string(), z.unknown()));
    const light = wrap(anyObject());
    for (const value of [...OBJECTS, ...OBJECTS.map((o) => ({ o }))])
      expect([value, answer(light, value)]).toEqual([value, answer(reference, value)]);
  });

  const CHECKED: unknown[] = [...NUMBERS, '123', '1234', '12a', '', 'x'.repeat(20), 0, 1, 255, 256, -1];
  it.each([
    ['a pattern', z.string().check(z.regex(/^\d{1,3}$/)), z.string().check(matches(/^\d{1,3}$/))],
    ['a pattern after a length', z.string().check(z.maxLength(3), z.regex(/^\d+$/)), z.string().check(z.maxLength(3), matches(/^\d+$/))],
    ['non-negative', z.int().check(z.nonnegative()), int().check(atLeast(0))],
    ['a range', z.int().check(z.minimum(1), z.maximum(255)), int().check(atLeast(1), atMost(255))],
    [
      'a count as a number or digits, in a union',
      z.union([z.int().check(z.nonnegative()), z.string().check(z.regex(/^\d{1,3}$/))]),
      z.union([int().check(atLeast(0)), z.string().check(matches(/^\d{1,3}$/))]),
    ],
    [
      'a code as text or a non-negative number, in a union',
      z.union([z.string().check(z.maxLength(3)), z.int().check(z.nonnegative())]),
      z.union([z.string().check(z.maxLength(3)), int().check(atLeast(0))]),
    ],
  ] as const)('matches(), atLeast() and atMost() answer as the zod checks do: %s', (_name, reference, light) => {
    for (const value of [...CHECKED, ...CHECKED.map((n) => ({ n }))]) {
      const wrap = (schema: z.ZodMiniType) => (typeof value === 'object' && value !== null && 'n' in value ? z.object({ n: schema }) : schema);
      expect([value, answer(wrap(light), value)]).toEqual([value, answer(wrap(reference), value)]);
    }
  });

  const UNION_VALUES: unknown[] = [
    ...CHECKED,
    ...OBJECTS,
    { a: 'x' },
    { a: 'x'.repeat(9) },
    { a: 1 },
    [{ a: 'x' }, { a: 2 }],
    [{ a: 'x' }, { a: 'y' }],
    [[]],
    undefined,
  ];
  const item = () => z.looseObject({ a: z.optional(z.string().check(z.maxLength(8))) });
  const digitsOrCount = () =>
    z.pipe(
      z.transform((value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value)),
      z.string().check(z.regex(/^\d{1,3}$/)),
    );
  it.each([
    ['text or a number', () => [z.string().check(z.maxLength(3)), z.number()]],
    ['a number or text', () => [z.number(), text()]],
    ['an int or text', () => [z.int(), text()]],
    ['digits (a number made text) or an int', () => [digitsOrCount(), z.int()]],
    ['one object or a list of them', () => [item(), z.array(item())]],
    ['a list of any objects or one', () => [z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.unknown())]],
    ['text, a number or a list of text', () => [text(), z.number(), z.array(text())]],
  ] as const)('oneOf() answers as z.union() does: %s', (_name, options) => {
    const reference = z.union(options() as unknown as [z.ZodMiniType, z.ZodMiniType]);
    const light = oneOf(options());
    const nested = (schema: z.ZodMiniType) => z.object({ u: z.optional(z.nullable(schema)), r: schema });
    const inUnion = (schema: z.ZodMiniType) => z.union([z.boolean(), schema]);
    for (const value of UNION_VALUES) {
      expect([value, answer(light, value)]).toEqual([value, answer(reference, value)]);
      expect([value, answer(nested(light), { u: value, r: value })]).toEqual([value, answer(nested(reference), { u: value, r: value })]);
      expect([value, answer(nested(light), { u: value })]).toEqual([value, answer(nested(reference), { u: value })]);
      expect([value, answer(inUnion(light), value)]).toEqual([value, answer(inUnion(reference), value)]);
    }
  });

  const digitsOf = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value);
  it.each([
    ['text', () => text()],
    ['an int', () => z.int()],
    ['digits', () => z.string().check(z.regex(/^\d{1,3}$/))],
    ['an object', () => item()],
    ['a union', () => z.union([text(), z.number()])],
  ] as const)('orNull() and preprocess() answer as z.nullable() and z.pipe(z.transform()) do: %s', (_name, inner) => {
    const shapes: Array<[z.ZodMiniType, z.ZodMiniType]> = [
      [z.nullable(inner()), orNull(inner())],
      [z.optional(z.nullable(inner())), z.optional(orNull(inner()))],
      [z.pipe(z.transform(digitsOf), inner()), preprocess(digitsOf, inner())],
      [z.optional(z.nullable(z.pipe(z.transform(digitsOf), inner()))), z.optional(orNull(preprocess(digitsOf, inner())))],
      [z.union([z.boolean(), z.nullable(inner())]), z.union([z.boolean(), orNull(inner())])],
    ];
    for (const [reference, light] of shapes) {
      const inObject = (schema: z.ZodMiniType) => z.object({ v: schema });
      for (const value of [...UNION_VALUES, null]) {
        expect([value, answer(light, value)]).toEqual([value, answer(reference, value)]);
        expect([value, answer(inObject(light), { v: value })]).toEqual([value, answer(inObject(reference), { v: value })]);
        expect(answer(inObject(light), {})).toEqual(answer(inObject(reference), {}));
      }
    }
  });

  it('anyObject() returns a copy without __proto__, so nothing is polluted', () => {
    const parsed = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const kept = validate(anyObject(), parsed);
    expect(kept).not.toBe(parsed);
    expect(Object.keys(kept)).toEqual(['a']);
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
  });
});
