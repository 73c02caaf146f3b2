/**
 * reliability case 6, 7 and 9 through the ingest handler on the embedded SQS engine: bad input costs
 * little, is answered 4xx, and leaves nothing on the queue and no trace on the process.
 */
import { adapterFor, httpProviderIds as providerIds } from '../../functions/providers';
import { ingestHarness, useIngestSuite } from '../functions/ingest/harness';
import { mediaTypeOf } from '../../local/fixtures';
import { defaultFixture, signedWebhookEvent, webhookEvent } from '../support/requests';

/** A request for any provider that passes its proof of origin (signed as the provider signs), carrying `body`. */
const signedEvent = (provider: string, body: string, contentType = defaultFixture(provider).contentType) =>
  signedWebhookEvent({ provider, contentType, body });

const suite = useIngestSuite();

/** Providers that can be sent a body at all (Kannel calls with GET only: a POST is a 405 before anything else). */
const POSTING = providerIds.filter((id) => (adapterFor(id).methods ?? ['POST']).includes('POST'));
/**
 * Providers whose proof travels inside the parameters of the body (InnoPaaS SMS's `receiver`/`pswd`, Vonage SMS's
 * signed `sig`): a body in another format (XML, a bare JSON list) carries no proof the scheme can read.
 */
const PROOF_IN_BODY = new Set(['innopaas-sms', 'vonage-sms']);
/** What such a body gets: a 401 (verification runs before any parser), or the parser's own answer for the others. */
const unprovenBody = (id: string, parsed: readonly number[]): readonly number[] => (PROOF_IN_BODY.has(id) ? [401, ...parsed] : parsed);

function expectNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  expect(Object.hasOwn(Array.prototype, 'polluted')).toBe(false);
  expect({}.constructor).toBe(Object);
}

describe('case 6: XML entity attacks (webcom)', () => {
  const ENTITY_BOMB = defaultFixture('webcom')
    .body.replace(
      '<response>',
      '<!DOCTYPE response [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]><response>',
    )
    .replace('>deliver<', '>&f;<');
  const EXTERNAL_ENTITY =
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><response><state id_sms="1" time="" sms="send">&x;</state></response>';
  const REFERENCES = `<response><state id_sms="1" time="" sms="send">${'&#65;'.repeat(1_000_000)}</state></response>`;

  it.each([
    ['a DOCTYPE with an entity expansion bomb', ENTITY_BOMB],
    ['a DOCTYPE with an external entity', EXTERNAL_ENTITY],
    ['a DOCTYPE declared in lower case', EXTERNAL_ENTITY.replace('DOCTYPE', 'doctype')],
  ])('answers 400 to %s and queues nothing', async (_name, body) => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'webcom');
    const response = await handler(webhookEvent('webcom', { body }));
    expect(response.statusCode).toBe(400);
    expect(response.body).not.toContain('passwd');
    expect(await eventsDepth()).toBe(0);
  });

  it('answers 10^6 numeric character references with 413 under the default cap, before parsing', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'webcom');
    expect((await handler(webhookEvent('webcom', { body: REFERENCES }))).statusCode).toBe(413);
    expect(await eventsDepth()).toBe(0);
  });

  it('answers 10^6 numeric character references with 400 when a deployment raises the cap', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'webcom', { maxBodyBytes: 8 * 1024 * 1024 });
    expect((await handler(webhookEvent('webcom', { body: REFERENCES }))).statusCode).toBe(400);
    expect(await eventsDepth()).toBe(0);
  });

  it.each(POSTING.filter((id) => id !== 'webcom'))('answers 400 to the entity bomb sent to %s', async (provider) => {
    const { handler } = await ingestHarness(suite.sqs.client, provider);
    const response = await handler(await signedEvent(provider, ENTITY_BOMB, 'text/xml'));
    expect(unprovenBody(provider, [400])).toContain(response.statusCode);
  });
});

/** JSON text of `value` with `__proto__`, `constructor` and `prototype` keys added to every object in it. */
function withHostileKeys(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(withHostileKeys).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const hostile = '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}';
  const own = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${withHostileKeys(item)}`);
  return `{${[hostile, ...own].join(',')}}`;
}

/** Webcom XML with the same names as attributes of every state and as elements. */
function xmlWithHostileNames(xml: string): string {
  return xml
    .replace(/<state /g, '<state __proto__="yes" constructor="yes" prototype="yes" ')
    .replace(
      '<response>',
      '<response><__proto__><polluted>yes</polluted></__proto__><constructor><prototype><polluted>yes</polluted></prototype></constructor>',
    );
}

describe('case 7: __proto__, constructor and prototype keys', () => {
  const jsonCases = providerIds.flatMap((provider) => {
    const fixture = defaultFixture(provider);
    return mediaTypeOf(fixture) === 'application/json' ? [[provider, withHostileKeys(JSON.parse(fixture.body))] as const] : [];
  });
  const cases = [
    ...jsonCases,
    ['webcom', withHostileKeys([{ id_sms: 3234, time: '2024-05-14 10:21:07', state: 'deliver' }])] as const,
    ['webcom', xmlWithHostileNames(defaultFixture('webcom').body)] as const,
  ];

  it.each(cases)('%s: no pollution, the same answer every time, a well-formed reply', async (provider, body) => {
    const { handler } = await ingestHarness(suite.sqs.client, provider);
    const first = await handler(await signedEvent(provider, body));
    const second = await handler(await signedEvent(provider, body));
    expectNoPollution();
    expect(first.statusCode).toBeLessThan(500);
    expect(second.statusCode).toBe(first.statusCode);
    expect(second.body).toBe(first.body);
    if ((first.statusCode ?? 500) >= 400) expect(() => JSON.parse(first.body!)).not.toThrow();
  });

  it.each(POSTING)('%s: a body made only of such keys gets a well-formed answer, and formatting its error does not throw', async (provider) => {
    const { handler } = await ingestHarness(suite.sqs.client, provider);
    const body =
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"hooks":[{"__proto__":null}],"body":{"constructor":1}}';
    const response = await handler(await signedEvent(provider, body, 'application/json'));
    expectNoPollution();
    // Refused as invalid, or (SmsGateway24, whose unknown shapes are kept) accepted as a provider.unknown event.
    expect(unprovenBody(provider, [200, 400])).toContain(response.statusCode);
    if (response.statusCode === 400) {
      const answer = JSON.parse(response.body!) as { error: string; message: string };
      expect(answer.error).toBe('invalid_body');
      expect(typeof answer.message).toBe('string');
    }
  });

  it('leaves the events it queues free of inherited surprises', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, 'innopaas-otp');
    const body = withHostileKeys(JSON.parse(defaultFixture('innopaas-otp').body));
    expect((await handler(webhookEvent('innopaas-otp', { body }))).statusCode).toBe(200);
    const [message] = await events(1);
    const event = JSON.parse(message.Body!) as Record<string, unknown>;
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect((event as { polluted?: unknown }).polluted).toBeUndefined();
    expectNoPollution();
  });
});

describe('case 9: size caps', () => {
  /**
   * The default fixture padded to `bytes` bytes, still a valid body: trailing whitespace, or for a form body empty
   * `&` separators (whitespace there would lengthen the last value).
   */
  const padded = (provider: string, bytes: number) => {
    const fixture = defaultFixture(provider);
    const pad = fixture.contentType?.startsWith('application/x-www-form-urlencoded') ? '&' : ' ';
    return fixture.body + pad.repeat(bytes - Buffer.byteLength(fixture.body));
  };

  /**
   * A signed request whose body is exactly `bytes` long: padded before signing where the signature covers the bytes,
   * after signing where the proof is parameters inside the body (signing adds or rewrites them; trailing whitespace
   * after a JSON body changes no parameter).
   */
  const sized = async (provider: string, bytes: number) => {
    if (!PROOF_IN_BODY.has(provider)) return signedEvent(provider, padded(provider, bytes));
    const { body, contentType } = defaultFixture(provider);
    return signedWebhookEvent(
      { provider, contentType, body },
      { tamper: (request) => ({ ...request, body: Buffer.concat([request.body, Buffer.from(' '.repeat(bytes - request.body.length))]) }) },
    );
  };

  it.each(POSTING)('%s: a valid body one byte over the cap gets 413 before parsing, nothing queued or kept', async (provider) => {
    const { handler, eventsDepth, rejectedDepth } = await ingestHarness(suite.sqs.client, provider, { maxBodyBytes: 4096 });
    expect((await handler(await sized(provider, 4096))).statusCode).toBe(200);
    const depthAtCap = await eventsDepth();
    const response = await handler(await sized(provider, 4097));
    expect(response.statusCode).toBe(413);
    expect(await eventsDepth()).toBe(depthAtCap);
    expect(await rejectedDepth()).toBe(0);
  });

  it('applies the default cap of 256 KiB', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'innopaas-otp');
    expect((await handler(webhookEvent('innopaas-otp', { body: padded('innopaas-otp', 256 * 1024 + 1) }))).statusCode).toBe(413);
  });

  const long = 'x'.repeat(5_000);
  const json = (provider: string, change: (body: Record<string, any>) => void) => {
    const body = JSON.parse(defaultFixture(provider).body) as Record<string, any>;
    change(body);
    return JSON.stringify(body);
  };
  it.each([
    ['innopaas-otp', json('innopaas-otp', (b) => (b.messageId = long)), 'messageId'],
    ['innopaas-whatsapp', json('innopaas-whatsapp', (b) => (b.id = long)), 'id'],
    ['smsgateway24', json('smsgateway24', (b) => (b.status_message = long)), 'status_message'],
    // One hook: in a request with good hooks beside it, a bad hook is kept as provider.unknown instead.
    ['nhncloud-sms', json('nhncloud-sms', (b) => (b.hooks = [{ ...b.hooks[0], requestId: long }])), 'hooks.0.requestId'],
    ['webcom', `<response><state id_sms="1" time="" sms="send">${long}</state></response>`, 'state.0.state'],
  ])('%s: a string over its max gets 400 naming the field, and nothing of the request is queued', async (provider, body, field) => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, provider);
    const response = await handler(webhookEvent(provider, { body }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!)).toMatchObject({ field });
    expect(response.body).not.toContain(long);
    expect(await eventsDepth()).toBe(0);
  });
});
