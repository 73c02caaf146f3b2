import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { providerIds, providers } from '../../../functions/providers';
import * as z from 'zod/mini';
import { MAX_NESTING_DEPTH, parseJson, validate, webhookRequest, wellFormed, withinNestingLimit } from '../../../functions/providers/common';
import { validationErrorOf } from '../../support/errors';

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

  // Form bodies and query strings cannot nest (Plivo sends nothing else), so only JSON and XML senders need one.
  const nestingProviders = providerIds.filter((provider) => readdirSync(join(EVENTS, provider)).some((name) => /\.(json|xml)$/.test(name)));

  it('has a deeply nested fixture for every provider that sends JSON or XML', () => {
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
