/**
 * reliability case 8: arbitrary strings and bytes, up to 1 MB, as the body of an authenticated request to
 * every provider in the registry get only a 2xx or a 4xx: never a crash, never a 5xx.
 *
 * The queue is real and not stubbed: each handler sends to its own queue on the embedded SQS engine (fauxqs),
 * so an event the adapter accepts but SQS would refuse shows up as a 503 here.
 */
import fc from 'fast-check';
import { httpProviderIds as providerIds } from '../../functions/providers';
import { type IngestHarness, ingestHarness, useIngestSuite } from '../functions/ingest/harness';
import { signedWebhookEvent, validFixtures } from '../support/requests';

const MB = 1024 * 1024;
/** Runs per provider; each run is one request through the handler and, when accepted, one real SendMessageBatch. */
const RUNS = 200;

const suite = useIngestSuite();

/** `length` pseudo-random bytes from `seed` (xorshift): a 1 MB body without a million generated values. */
function bytesFrom(seed: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let state = seed | 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

type Body = { readonly body: string | Buffer; readonly contentType: string };

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON text of a fixture with one value, somewhere in it, replaced by `replacement`; with `stringsOnly`, one of
 * its string values (a realistic body with hostile text, which adapters mostly accept and so reaches the queue).
 */
function mutated(fixtureBody: string, path: number, replacement: unknown, stringsOnly = false): string {
  const value = JSON.parse(fixtureBody) as unknown;
  const slots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (node: unknown) => {
    const visit = (parent: Record<string, unknown> | unknown[], key: string | number, item: unknown) => {
      if (!stringsOnly || typeof item === 'string') slots.push({ parent, key });
      walk(item);
    };
    if (Array.isArray(node)) for (const [index, item] of node.entries()) visit(node, index, item);
    else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) visit(node as Record<string, unknown>, key, item);
    }
  };
  walk(value);
  if (slots.length === 0) return JSON.stringify(replacement);
  const { parent, key } = slots[path % slots.length];
  (parent as Record<string | number, unknown>)[key] = replacement;
  return JSON.stringify(value);
}

function bodies(provider: string): fc.Arbitrary<Body> {
  const fixtures = validFixtures(provider);
  // Fixtures that are strict JSON (NHN's doc example keeps the doc's trailing comma, so it is not).
  const jsonFixtures = fixtures.filter((fixture) => fixture.contentType === 'application/json' && isJson(fixture.body));
  const xmlFixtures = fixtures.filter((fixture) => fixture.contentType === 'text/xml');
  const text = (body: string): Body => ({ body, contentType: 'application/json' });
  const arbitraries: Array<fc.Arbitrary<Body>> = [
    fc.string({ unit: 'binary', maxLength: 2_000 }).map(text),
    fc.string({ unit: 'grapheme', maxLength: 2_000 }).map(text),
    fc.uint8Array({ maxLength: 4_000 }).map((bytes) => ({ body: Buffer.from(bytes), contentType: 'application/octet-stream' })),
    fc.json({ maxDepth: 4 }).map(text),
    // Large bodies, up to 1 MB, mostly over the cap: random bytes, or one repeated random string.
    fc
      .tuple(fc.integer(), fc.integer({ min: 0, max: MB }))
      .map(([seed, length]) => ({ body: bytesFrom(seed, length), contentType: 'application/octet-stream' })),
    fc
      .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), fc.integer({ min: 1_000, max: MB }))
      .map(([unit, length]) => text(unit.repeat(Math.ceil(length / unit.length)).slice(0, length))),
  ];
  if (jsonFixtures.length > 0) {
    arbitraries.push(
      fc
        .tuple(fc.constantFrom(...jsonFixtures), fc.nat(), fc.jsonValue({ maxDepth: 3 }))
        .map(([fixture, path, replacement]) => text(mutated(fixture.body, path, replacement))),
      fc
        .tuple(fc.constantFrom(...jsonFixtures), fc.nat(), fc.string({ unit: 'binary', maxLength: 300 }))
        .map(([fixture, path, replacement]) => text(mutated(fixture.body, path, replacement, true))),
      // A realistic body grown to near or past the cap by one long string (emoji included: 4 bytes each).
      fc
        .tuple(
          fc.constantFrom(...jsonFixtures),
          fc.nat(),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
          fc.integer({ min: 1_000, max: 300_000 }),
        )
        .map(([fixture, path, unit, length]) =>
          text(mutated(fixture.body, path, unit.repeat(Math.ceil(length / unit.length)).slice(0, length), true)),
        ),
    );
  }
  if (xmlFixtures.length > 0) {
    arbitraries.push(
      fc.tuple(fc.constantFrom(...xmlFixtures), fc.nat(), fc.string({ unit: 'binary', maxLength: 200 })).map(([fixture, at, insert]) => {
        const cut = at % (fixture.body.length + 1);
        return { body: fixture.body.slice(0, cut) + insert + fixture.body.slice(cut), contentType: 'text/xml' };
      }),
    );
  }
  return fc.oneof(...arbitraries);
}

describe('case 8: arbitrary bodies for every provider', () => {
  it.each(providerIds)('%s answers only 2xx or 4xx', async (provider) => {
    const harness: IngestHarness = await ingestHarness(suite.sqs.client, provider);
    await fc.assert(
      fc.asyncProperty(bodies(provider), async ({ body, contentType }) => {
        // Signed as the provider signs, so the body reaches the parser rather than stopping at a 401.
        const response = await harness.handler(await signedWebhookEvent({ provider, contentType, body }));
        suite.output.clear();
        const status = response.statusCode ?? 0;
        const allowed = (status >= 200 && status < 300) || (status >= 400 && status < 500);
        if (!allowed) throw new Error(`status ${status}: ${response.body}`);
        if (status >= 400) JSON.parse(response.body ?? '');
      }),
      { numRuns: RUNS },
    );
  });
});
