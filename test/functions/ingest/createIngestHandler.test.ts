import { NormalizedEventSchema, messageAttributesOf, type NormalizedEvent } from '../../../functions/events/schema';
import { invalidItemsOf } from '../../../functions/ingest/rejected';
import { createIngestHandler } from '../../../functions/ingest/createIngestHandler';
import { extensionCredentialSource, fileCredentialSource, staticCredentialSource } from '../../../functions/ingest/credentials';
import { adapterFor, httpProviderIds as providerIds } from '../../../functions/providers';
import type { ProviderAdapter } from '../../../functions/providers/types';
import { ConfigurationError } from '../../../functions/core/errors';
import { localSqsClient } from '../../../local/engines/clients';
import { adapterRequestOf } from '../../../local/fixtures';
import { devCredentialHeaders, signedWebhookEvent, webhookEvent, validFixtures, type Fixture } from '../../support/requests';
import { ingestHarness, jsonBody, startFakeSecretsExtension, useIngestSuite } from './harness';

const RECEIVED_AT = new Date('2024-12-12T03:00:00.000Z');

const suite = useIngestSuite();

/** What the adapter itself makes of a fixture: the events the queue must end up holding. */
/** What the adapter itself makes of a fixture: the events the queue must end up holding, and the items refused. */
function expectedEvents(fixture: Fixture): NormalizedEvent[] {
  return expectedOutcome(fixture).valid;
}

function expectedOutcome(fixture: Fixture) {
  const adapter = adapterFor(fixture.provider);
  // A batch's invalid items leave as one rejected record, not as events (rejected.ts).
  return invalidItemsOf(
    adapter.normalize(adapterRequestOf(fixture), { receivedAt: RECEIVED_AT.toISOString(), timeZone: adapter.defaultTimeZone }).events,
  );
}

describe('order of checks', () => {
  it('answers 405 with Allow: POST to any other method', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms');
    const response = await handler(webhookEvent('nhncloud-sms', { method: 'GET' }));
    expect(response.statusCode).toBe(405);
    expect(response.headers?.allow).toBe('POST');
  });

  it('answers 404 when the route names another provider', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms');
    const response = await handler(webhookEvent('nhncloud-sms', { pathProvider: 'webcom' }));
    expect(response.statusCode).toBe(404);
  });

  it('refuses an unauthenticated request before parsing its body, and an oversized one before verifying it', async () => {
    const { handler, eventsDepth, rejectedDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { maxBodyBytes: 64 });
    const wrong = { 'X-Toast-Webhook-Signature': 'wrong' };
    expect((await handler(webhookEvent('nhncloud-sms', { headers: wrong, body: 'not json' }))).statusCode).toBe(401);
    // The size cap comes first: measuring costs nothing, and verification may read the body.
    expect((await handler(webhookEvent('nhncloud-sms', { headers: wrong, body: 'x'.repeat(65) }))).statusCode).toBe(413);
    expect(await eventsDepth()).toBe(0);
    expect(await rejectedDepth()).toBe(0);
  });

  it('answers 413 for a body over the cap counted in bytes, not characters', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { maxBodyBytes: 100 });
    const body = `"${'é'.repeat(60)}"`; // 62 characters, 122 bytes
    const response = await handler(webhookEvent('nhncloud-sms', { body }));
    expect(response.statusCode).toBe(413);
    expect(jsonBody(response).error).toBe('payload_too_large');
    expect(await eventsDepth()).toBe(0);
  });

  it('measures a base64 body by its decoded size', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { maxBodyBytes: 100 });
    expect((await handler(webhookEvent('nhncloud-sms', { body: Buffer.alloc(101, 0x20) }))).statusCode).toBe(413);
    // Exactly at the cap is parsed (and refused for what it is, not for its size).
    expect((await handler(webhookEvent('nhncloud-sms', { body: Buffer.alloc(100, 0x20) }))).statusCode).toBe(400);
  });
});

describe('invalid bodies', () => {
  it('answers 400 naming the field, without echoing the body', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'innopaas-otp');
    const body = JSON.stringify({ status: '2', reportTime: '2024-12-12 11:12:12', mobile: '861571111111' });
    const response = await handler(webhookEvent('innopaas-otp', { body }));
    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toMatchObject({ error: 'invalid_body', field: 'messageId' });
    expect(response.body).not.toContain('861571111111');
  });

  it('keeps an authenticated invalid body on the rejected queue', async () => {
    const { handler, rejected, eventsDepth } = await ingestHarness(suite.sqs.client, 'innopaas-otp');
    const body = '{"messageId": 12, "status": "2", "reportTime": "not a time"}';
    const response = await handler(webhookEvent('innopaas-otp', { body, requestId: 'req-rejected' }));
    expect(response.statusCode).toBe(400);
    const [message] = await rejected(1);
    const kept = JSON.parse(message.Body!) as Record<string, unknown>;
    expect(kept).toMatchObject({
      provider: 'innopaas-otp',
      requestId: 'req-rejected',
      contentType: 'application/json',
      error: { code: 'invalid_body', field: 'reportTime' },
      bodyBytes: Buffer.byteLength(body),
      truncated: false,
    });
    expect(Buffer.from(kept.bodyBase64 as string, 'base64').toString('utf8')).toBe(body);
    expect(message.MessageAttributes?.provider?.StringValue).toBe('innopaas-otp');
    expect(await eventsDepth()).toBe(0);
  });

  it('keeps a rejected body just under the size cap whole', async () => {
    const { handler, rejected } = await ingestHarness(suite.sqs.client, 'innopaas-otp');
    const body = JSON.stringify({ messageId: '1', status: '2', reportTime: 'not a time', pad: 'x'.repeat(250 * 1024) });
    expect((await handler(webhookEvent('innopaas-otp', { body, requestId: 'req-rejected-big' }))).statusCode).toBe(400);
    const [message] = await rejected(1);
    const kept = JSON.parse(message.Body!) as { truncated: boolean; bodyBase64: string };
    expect(kept.truncated).toBe(false);
    expect(Buffer.from(kept.bodyBase64, 'base64').toString('utf8')).toBe(body);
  });

  it('still answers 400 when the rejected body cannot be kept', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'innopaas-otp', {
      rejectedQueueUrl: `${suite.sqs.endpoint}/000000000000/no-such-queue`,
    });
    const response = await handler(webhookEvent('innopaas-otp', { body: '{}' }));
    expect(response.statusCode).toBe(400);
    expect(suite.output.logs().some((log) => log.message === 'rejected body could not be kept')).toBe(true);
  });

  it('refuses a base64 body that is not valid UTF-8', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'innopaas-otp');
    const response = await handler(webhookEvent('innopaas-otp', { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }));
    expect(response.statusCode).toBe(400);
    expect(jsonBody(response).message).toBe('body is not valid utf-8');
  });
});

describe('accepted requests', () => {
  it('decodes a base64 body before normalizing it', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, 'smsgateway24');
    const response = await handler(webhookEvent('smsgateway24', { base64: true, body: validFixtures('smsgateway24')[0].body }));
    expect(response.statusCode).toBe(200);
    expect(await events(1)).toHaveLength(1);
  });

  it('queues an undocumented body near the cap once, in raw, with only its size in data', async () => {
    // Kept in data as well, a ~240 KB body made a ~480 KB message, and an applied event SNS (256 KiB) could never take.
    const { handler, events } = await ingestHarness(suite.sqs.client, 'innopaas-whatsapp');
    const inner = { decision: 'APPROVED', notes: 'x'.repeat(240 * 1024) };
    const body = JSON.stringify({
      id: 'b0e0a1c2-0000-4000-8000-000000000001',
      type: 'whatsapp_account_review_updated',
      eventTime: '2023-10-16T13:04:57.644Z',
      body: inner,
    });
    const response = await handler(webhookEvent('innopaas-whatsapp', { body }));
    expect(response.statusCode).toBe(200);
    const [message] = await events(1);
    const queued = NormalizedEventSchema.parse(JSON.parse(message.Body!));
    expect(queued.type).toBe('account.review');
    expect(queued.data).toMatchObject({ bodyBytes: Buffer.byteLength(JSON.stringify(inner)) });
    expect((queued.raw as { body: unknown }).body).toEqual(inner);
    expect(Buffer.byteLength(message.Body!)).toBeLessThan(body.length + 2048);
  });

  it('answers a ping with the adapter reply, counts it and queues nothing', async () => {
    const ping = validFixtures('nhncloud-sms').find((fixture) => fixture.name === 'verification-ping.json')!;
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms');
    const response = await handler(webhookEvent('nhncloud-sms', { body: ping.body }));
    expect(response.statusCode).toBe(200);
    expect(await eventsDepth()).toBe(0);
    expect(suite.output.logs().find((log) => log.outcome === 'ping')?.level).toBe('INFO');
    expect(suite.output.metrics().some((record) => record.Pings === 1)).toBe(true);
  });

  it('stamps receivedAt from the clock and reads zone-less times in the configured zone', async () => {
    const { handler, events } = await ingestHarness(suite.sqs.client, 'innopaas-otp', { now: () => RECEIVED_AT, timeZone: 'UTC' });
    const body = JSON.stringify({ messageId: 'm-1', status: '2', reportTime: '2024-12-12 11:12:12' });
    expect((await handler(webhookEvent('innopaas-otp', { body }))).statusCode).toBe(200);
    const [message] = await events(1);
    expect(JSON.parse(message.Body!)).toMatchObject({ receivedAt: RECEIVED_AT.toISOString(), occurredAt: '2024-12-12T11:12:12.000Z' });
  });

  it('never hands the credential headers to the adapter', async () => {
    const real = adapterFor('innopaas-otp');
    let seen: Readonly<Record<string, string | undefined>> = {};
    const spyingAdapter: ProviderAdapter = {
      ...real,
      normalize: (request, context) => {
        seen = request.headers;
        return real.normalize(request, context);
      },
    };
    const { handler } = await ingestHarness(suite.sqs.client, 'innopaas-otp', { adapter: spyingAdapter });
    expect((await handler(webhookEvent('innopaas-otp'))).statusCode).toBe(200);
    expect(seen['content-type']).toBe('application/json; charset=utf-8');
    expect(Object.keys(seen)).not.toContain('authorization');
    expect(Object.keys(seen)).not.toContain('username');
  });
});

describe('metrics and the log line', () => {
  it('counts queued and unknown events under the provider dimension', async () => {
    const unknown = validFixtures('nhncloud-sms').find((fixture) => fixture.name === 'unknown-event.json')!;
    const expected = expectedEvents(unknown);
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms');
    expect((await handler(webhookEvent('nhncloud-sms', { body: unknown.body }))).statusCode).toBe(200);
    const [record] = suite.output.metrics();
    expect(record).toMatchObject({ provider: 'nhncloud-sms', EventsQueued: expected.length, UnknownEvents: expected.length });
    expect((record._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }).CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'WebhookIngestion',
      Dimensions: [['provider']],
    });
  });

  it('counts an invalid body', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'innopaas-otp');
    await handler(webhookEvent('innopaas-otp', { body: '[]' }));
    expect(suite.output.metrics()).toEqual([expect.objectContaining({ InvalidBodies: 1 })]);
  });

  it('writes one line per request with the request id, outcome and event ids', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'webcom');
    await handler(webhookEvent('webcom', { requestId: 'req-one-line' }));
    const lines = suite.output.logs().filter((log) => log.requestId === 'req-one-line');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ provider: 'webcom', outcome: 'accepted', statusCode: 200, events: 2, queued: 2, messageIds: ['3234', '3237'] });
    expect(lines[0].eventIds).toHaveLength(2);
  });

  it('answers 503 and logs an error when the credentials cannot be read', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'webcom', { credentials: fileCredentialSource('/nonexistent/credentials.json') });
    const response = await handler(webhookEvent('webcom', { requestId: 'req-no-credentials' }));
    expect(response.statusCode).toBe(503);
    expect(suite.output.logs().find((log) => log.requestId === 'req-no-credentials')).toMatchObject({
      level: 'ERROR',
      outcome: 'credentials_unavailable',
    });
  });

  it('answers a bare 500 when an adapter fails unexpectedly, logging where but not what', async () => {
    const broken: ProviderAdapter = {
      ...adapterFor('innopaas-otp'),
      normalize: (request) => {
        throw new TypeError(`cannot read ${request.body}`);
      },
    };
    const { handler } = await ingestHarness(suite.sqs.client, 'innopaas-otp', { adapter: broken });
    const response = await handler(webhookEvent('innopaas-otp', { requestId: 'req-broken' }));
    expect(response.statusCode).toBe(500);
    expect(jsonBody(response)).toEqual({ error: 'internal_error', message: 'internal error' });
    const line = suite.output.logs().find((log) => log.requestId === 'req-broken')!;
    expect(line).toMatchObject({ level: 'ERROR', outcome: 'internal_error', errorName: 'TypeError' });
    expect(suite.output.lines.join('\n')).not.toContain('cannot read');
  });
});

describe('end to end against the embedded queue', () => {
  const cases = providerIds.flatMap((provider) => validFixtures(provider).map((fixture) => [`${provider}/${fixture.name}`, fixture] as const));

  it.each(cases)('%s lands on the queue as valid normalized events with their attributes', async (_name, fixture) => {
    const { valid: expected, invalid } = expectedOutcome(fixture);
    const { handler, events, eventsDepth, rejectedDepth } = await ingestHarness(suite.sqs.client, fixture.provider, { now: () => RECEIVED_AT });
    // Signed as the provider signs (a GET for a .query fixture), at the handler's clock for timestamped schemes.
    const call = { provider: fixture.provider, method: fixture.method, contentType: fixture.contentType, body: fixture.body };
    const response = await handler(await signedWebhookEvent(call, { now: RECEIVED_AT.getTime() }));
    expect(response.statusCode).toBe(200);
    expect(await rejectedDepth()).toBe(invalid.length > 0 ? 1 : 0);
    if (expected.length === 0) {
      expect(await eventsDepth()).toBe(0);
      return;
    }
    const messages = await events(expected.length);
    expect(messages).toHaveLength(expected.length);
    const received = messages.map((message) => {
      const event = NormalizedEventSchema.parse(JSON.parse(message.Body!));
      const attributes = Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]));
      expect(attributes).toEqual(messageAttributesOf(event));
      return event;
    });
    const byId = (a: NormalizedEvent, b: NormalizedEvent) => a.eventId.localeCompare(b.eventId) || JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect([...received].sort(byId)).toEqual([...expected].sort(byId));
  });
});

describe('accounts (NHN appKey)', () => {
  /** The appKey of every NHN fixture's envelope. */
  const FIXTURE_APP_KEY = 'akb3dukdmdjsdSvgk';
  const OTHER_APP_KEY = 'our-other-project-appkey';
  const nhnFixture = (name: string) => validFixtures('nhncloud-sms').find((fixture) => fixture.name === name)!;
  /** A provider's dev credential headers as a credentials entry. */
  const devEntry = (provider: string) => ({
    headers: Object.fromEntries(Object.entries(devCredentialHeaders(provider)).map(([name, value]) => [name, [value]])),
  });
  /** The dev NHN credentials with `accounts` added. */
  const withAccounts = (accounts?: string[]) => ({ 'nhncloud-sms': { ...devEntry('nhncloud-sms'), ...(accounts ? { accounts } : {}) } });
  const authFailures = () => suite.output.metrics().filter((record) => record.AuthFailures === 1).length;

  it('queues the events and answers 200 when the appKey is listed', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document: withAccounts([FIXTURE_APP_KEY]) });
    expect((await handler(webhookEvent('nhncloud-sms'))).statusCode).toBe(200);
    expect(await eventsDepth()).toBe(2);
    expect(authFailures()).toBe(0);
  });

  it('refuses a request from another appKey with the plain 401, queuing and keeping nothing', async () => {
    const { handler, eventsDepth, rejectedDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', {
      document: withAccounts([OTHER_APP_KEY]),
    });
    const response = await handler(webhookEvent('nhncloud-sms', { requestId: 'req-foreign-appkey' }));
    expect(response.statusCode).toBe(401);
    expect(jsonBody(response)).toEqual({ error: 'unauthorized', message: 'missing or invalid credentials' });
    expect(await eventsDepth()).toBe(0);
    expect(await rejectedDepth()).toBe(0);
    expect(suite.output.metrics()).toEqual([expect.objectContaining({ AuthFailures: 1, reason: 'account_not_allowed' })]);
    expect(suite.output.metrics()[0]).not.toHaveProperty('EventsQueued');
  });

  it('logs the reason and the provider, never the appKey sent or the ones expected', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document: withAccounts([OTHER_APP_KEY]) });
    await handler(webhookEvent('nhncloud-sms', { requestId: 'req-foreign-appkey-log' }));
    const line = suite.output.logs().find((log) => log.requestId === 'req-foreign-appkey-log');
    expect(line).toMatchObject({ level: 'WARN', provider: 'nhncloud-sms', reason: 'account_not_allowed', outcome: 'unauthorized', queued: 0 });
    const written = suite.output.lines.join('\n');
    expect(written).not.toContain(FIXTURE_APP_KEY);
    expect(written).not.toContain(OTHER_APP_KEY);
  });

  it('lets any appKey through when no accounts are configured', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document: withAccounts() });
    const body = JSON.stringify({ ...JSON.parse(nhnFixture('dlr.json').body), appKey: 'any-appkey-at-all' });
    expect((await handler(webhookEvent('nhncloud-sms', { body }))).statusCode).toBe(200);
    expect(await eventsDepth()).toBe(1);
  });

  it('accepts every appKey of several listed accounts', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', {
      document: withAccounts([OTHER_APP_KEY, FIXTURE_APP_KEY]),
    });
    const dlr = JSON.parse(nhnFixture('dlr.json').body) as Record<string, unknown>;
    expect((await handler(webhookEvent('nhncloud-sms', { body: JSON.stringify(dlr) }))).statusCode).toBe(200);
    const other = { ...dlr, appKey: OTHER_APP_KEY, hooks: [{ ...(dlr.hooks as object[])[0], hookId: 'hook-of-the-other-project' }] };
    expect((await handler(webhookEvent('nhncloud-sms', { body: JSON.stringify(other) }))).statusCode).toBe(200);
    expect(await eventsDepth()).toBe(2);
  });

  it.each(['verification-ping.json', 'verification-ping-no-hooks.json'])(
    'answers the console verification %s with 200 whatever appKey it carries',
    async (name) => {
      const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document: withAccounts([OTHER_APP_KEY]) });
      const response = await handler(webhookEvent('nhncloud-sms', { body: nhnFixture(name).body }));
      expect(response.statusCode).toBe(200);
      expect(jsonBody(response)).toEqual({ ok: true, ping: true });
      expect(await eventsDepth()).toBe(0);
    },
  );

  it('refuses real hooks under the placeholder appKey: they are events, not a ping', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document: withAccounts([FIXTURE_APP_KEY]) });
    const body = JSON.stringify({ ...JSON.parse(nhnFixture('dlr.json').body), appKey: 'String' });
    expect((await handler(webhookEvent('nhncloud-sms', { body }))).statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('fails closed when accounts are configured for a provider whose events name none', async () => {
    const document = { 'innopaas-otp': { ...devEntry('innopaas-otp'), accounts: ['acct-1'] } };
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'innopaas-otp', { document });
    const response = await handler(webhookEvent('innopaas-otp', { requestId: 'req-accounts-unsupported' }));
    expect(response.statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
    expect(suite.output.logs().find((log) => log.requestId === 'req-accounts-unsupported')).toMatchObject({
      level: 'ERROR',
      reason: 'invalid_credentials',
      detail: expect.stringMatching(/^accounts: /),
    });
  });

  it('takes a newly added account at the first refused request a minute after the last read, as for a rotated header', async () => {
    const secret = (accounts: string[]) => JSON.stringify({ ...devEntry('nhncloud-sms'), accounts });
    const secrets = await startFakeSecretsExtension(secret([FIXTURE_APP_KEY]));
    let clock = 0;
    try {
      const credentials = extensionCredentialSource(secrets.secretId, { ...secrets.connection, now: () => clock });
      const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { credentials });
      const dlr = JSON.parse(nhnFixture('dlr.json').body) as Record<string, unknown>;
      const fromOther = () => webhookEvent('nhncloud-sms', { body: JSON.stringify({ ...dlr, appKey: OTHER_APP_KEY }) });
      expect((await handler(fromOther())).statusCode).toBe(401);

      secrets.setSecret(secret([FIXTURE_APP_KEY, OTHER_APP_KEY]));
      // Refusals re-read at most once a minute, so foreign traffic cannot make the function hammer Secrets Manager.
      clock += 30_000;
      expect((await handler(fromOther())).statusCode).toBe(401);
      expect(secrets.calls()).toBe(1);
      clock += 31_000;
      expect((await handler(fromOther())).statusCode).toBe(200);
      expect(secrets.calls()).toBe(2);
    } finally {
      await secrets.stop();
    }
  });
});

describe('configuration', () => {
  const base = {
    adapter: adapterFor('webcom'),
    sqs: localSqsClient('http://127.0.0.1:9'),
    eventsQueueUrl: 'http://127.0.0.1:9/q',
    credentials: staticCredentialSource({}),
  };
  afterAll(() => base.sqs.destroy());

  it('refuses to start with an unknown time zone', () => {
    expect(() => createIngestHandler({ ...base, timeZone: 'Mars/Olympus' })).toThrow(ConfigurationError);
  });

  it('refuses to start with a body cap that is not a positive integer', () => {
    expect(() => createIngestHandler({ ...base, maxBodyBytes: 0 })).toThrow(ConfigurationError);
  });

  it('answers 503, not 2xx, when the queue cannot be reached at all', async () => {
    const handler = createIngestHandler({ ...base, credentials: staticCredentialSource({ webcom: { tokens: ['t'.repeat(20)] } }) });
    const response = await handler(webhookEvent('webcom', { token: 't'.repeat(20) }));
    expect(response.statusCode).toBe(503);
  });
});
