/**
 * reliability cases 1–5 through the ingest handler, with the events queue on the embedded SQS engine:
 * "no one in who does not belong", and nothing of theirs queued.
 */
import { extensionCredentialSource, staticCredentialSource } from '../../functions/ingest/credentials';
import { ingestHarness, startFakeSecretsExtension, useIngestSuite } from '../functions/ingest/harness';
import { webhookEvent } from '../support/requests';

const SIGNATURE = 'X-Toast-Webhook-Signature';
const CURRENT = 'current-signature-0123456789';
const PREVIOUS = 'previous-signature-012345678';

const suite = useIngestSuite();

const nhn = (signature: string | undefined, extra: Record<string, string | undefined> = {}) =>
  webhookEvent('nhncloud-sms', { headers: { [SIGNATURE]: signature, ...extra } });

describe('case 1: constant-time comparison of the shared secret', () => {
  const document = { 'nhncloud-sms': { headers: { [SIGNATURE]: [CURRENT] } } };

  it('accepts the valid secret and queues the events', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document });
    expect((await handler(nhn(CURRENT))).statusCode).toBe(200);
    expect(await eventsDepth()).toBe(2);
  });

  it.each([
    ['a wrong secret of the same length', CURRENT.replace('0', 'X')],
    ['a wrong secret of another length', `${CURRENT}9`],
    ['an empty secret', ''],
  ])('refuses %s with 401 and queues nothing', async (_name, signature) => {
    const { handler, eventsDepth, rejectedDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document });
    const response = await handler(nhn(signature));
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body!)).toEqual({ error: 'unauthorized', message: 'missing or invalid credentials' });
    expect(await eventsDepth()).toBe(0);
    expect(await rejectedDepth()).toBe(0);
  });
});

describe('case 2: rotation with several accepted values', () => {
  it('accepts the second of two configured values', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', {
      document: { 'nhncloud-sms': { headers: { [SIGNATURE]: [CURRENT, PREVIOUS] } } },
    });
    expect((await handler(nhn(PREVIOUS))).statusCode).toBe(200);
    expect((await handler(nhn(CURRENT))).statusCode).toBe(200);
  });

  it('refuses the new value while only the old one is configured', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', {
      document: { 'nhncloud-sms': { headers: { [SIGNATURE]: [PREVIOUS] } } },
    });
    expect((await handler(nhn(CURRENT))).statusCode).toBe(401);
  });

  it('follows a rotation in Secrets Manager: add the new value, switch the provider, retire the old value', async () => {
    const secret = (values: string[]) => JSON.stringify({ headers: { [SIGNATURE]: values } });
    const secrets = await startFakeSecretsExtension(secret([PREVIOUS]));
    let clock = 0;
    try {
      const credentials = extensionCredentialSource(secrets.secretId, { ...secrets.connection, now: () => clock });
      const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { credentials });
      expect((await handler(nhn(PREVIOUS))).statusCode).toBe(200);

      // 1. The operator adds the new value; a warm function still holds the old document for up to a minute.
      secrets.setSecret(secret([CURRENT, PREVIOUS]));
      clock += 30_000;
      expect((await handler(nhn(CURRENT))).statusCode).toBe(401);
      clock += 30_000;
      expect((await handler(nhn(CURRENT))).statusCode).toBe(200);
      expect((await handler(nhn(PREVIOUS))).statusCode).toBe(200);

      // 2. The old value is retired. Successful requests never ask for a refresh, so a warm function keeps
      //    accepting it until its copy is five minutes old, and no longer.
      secrets.setSecret(secret([CURRENT]));
      clock += 60_000;
      expect((await handler(nhn(PREVIOUS))).statusCode).toBe(200);
      clock += 240_000;
      expect((await handler(nhn(PREVIOUS))).statusCode).toBe(401);
      expect((await handler(nhn(CURRENT))).statusCode).toBe(200);
      // Bad requests did not hammer Secrets Manager: the first read, one refresh after a minute, one at five.
      expect(secrets.calls()).toBe(3);
    } finally {
      await secrets.stop();
    }
  });
});

describe('case 3: the credential header itself', () => {
  const document = { 'nhncloud-sms': { headers: { [SIGNATURE]: [CURRENT] } } };

  it('refuses a request without the header', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document });
    expect((await handler(nhn(undefined))).statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('refuses a duplicated header: API Gateway joins the values, which never equal a configured value', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document });
    expect((await handler(nhn(`${CURRENT},${CURRENT}`))).statusCode).toBe(401);
    expect((await handler(nhn(`${CURRENT},wrong`))).statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });

  it('refuses a duplicated header sent by a gateway that keeps both spellings', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document });
    const event = nhn(CURRENT);
    event.headers['x-toast-webhook-signature'] = CURRENT;
    expect((await handler(event)).statusCode).toBe(401);
  });

  it('accepts the header name in any case', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document });
    const event = webhookEvent('nhncloud-sms', { headers: { [SIGNATURE]: undefined, 'X-TOAST-WEBHOOK-SIGNATURE': CURRENT } });
    expect((await handler(event)).statusCode).toBe(200);
  });
});

describe('case 4: a provider with no credentials configured', () => {
  it.each([
    ['no entry in the document', {}],
    ['an entry with neither headers nor tokens', { 'nhncloud-sms': { allowedIps: ['0.0.0.0/0'] } }],
  ])('refuses every request when there is %s, and says why in the log and the metric', async (_name, document) => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document });
    const requests = [nhn('dev-nhn-signature-0123456789'), nhn(undefined), nhn(''), webhookEvent('nhncloud-sms', { token: 'guess' })];
    for (const request of requests) expect((await handler(request)).statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);

    const logs = suite.output.logs().filter((log) => log.reason === 'not_configured');
    expect(logs).toHaveLength(requests.length);
    expect(logs[0]).toMatchObject({ level: 'ERROR', provider: 'nhncloud-sms', outcome: 'unauthorized' });
    expect(String(logs[0].message)).toContain('fail closed');
    const metrics = suite.output.metrics().filter((record) => record.AuthFailures === 1);
    expect(metrics).toHaveLength(requests.length);
    expect(metrics[0]).toMatchObject({ provider: 'nhncloud-sms', reason: 'not_configured' });
  });

  it('refuses every request when the document is malformed, and says so', async () => {
    const { handler } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', {
      credentials: staticCredentialSource({ 'nhncloud-sms': { headers: { [SIGNATURE]: CURRENT } } }),
    });
    expect((await handler(nhn(CURRENT))).statusCode).toBe(401);
    expect(suite.output.logs().find((log) => log.reason === 'invalid_credentials')).toMatchObject({ level: 'ERROR' });
  });
});

describe('case 5: URL token and source IP', () => {
  const TOKEN = 'webcom-token-0123456789abcdef';
  const document = { webcom: { tokens: [TOKEN], allowedIps: ['203.0.113.0/24', '2001:db8::/32'] } };
  const webcom = (options: Parameters<typeof webhookEvent>[1]) => webhookEvent('webcom', { token: TOKEN, sourceIp: '203.0.113.10', ...options });

  it('accepts the right token from an allowed address, IPv4 or IPv6', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'webcom', { document });
    expect((await handler(webcom({}))).statusCode).toBe(200);
    expect((await handler(webcom({ sourceIp: '2001:db8::7' }))).statusCode).toBe(200);
    expect(await eventsDepth()).toBe(4);
  });

  it.each([
    ['a wrong token', { token: 'webcom-token-0123456789abcdeX' }],
    ['no token', { token: null }],
    ['a source IP outside allowedIps', { sourceIp: '198.51.100.10' }],
    ['an IPv6 source outside allowedIps', { sourceIp: '2001:db9::7' }],
  ])('refuses %s with 401 and queues nothing', async (_name, change) => {
    const { handler, eventsDepth, rejectedDepth } = await ingestHarness(suite.sqs.client, 'webcom', { document });
    expect((await handler(webcom(change))).statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
    expect(await rejectedDepth()).toBe(0);
  });

  it("refuses a source outside the deployment's ALLOWED_SOURCE_IPS even with the right token", async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'webcom', {
      document: { webcom: { tokens: [TOKEN] } },
      allowedSourceIps: ['198.51.100.0/24'],
    });
    expect((await handler(webcom({}))).statusCode).toBe(401);
    expect((await handler(webcom({ sourceIp: '198.51.100.1' }))).statusCode).toBe(200);
    expect(await eventsDepth()).toBe(2);
  });
});

describe("NHN's second header name (X-Nhn-Webhook-Signature)", () => {
  const document = { 'nhncloud-sms': { headers: { [SIGNATURE]: [CURRENT] } } };

  it('is read as X-Toast-Webhook-Signature when that one is absent', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document });
    expect((await handler(nhn(undefined, { 'X-Nhn-Webhook-Signature': CURRENT }))).statusCode).toBe(200);
    expect(await eventsDepth()).toBe(2);
  });

  it('proves nothing with a wrong value, and never overrides the Toast header', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'nhncloud-sms', { document });
    expect((await handler(nhn(undefined, { 'X-Nhn-Webhook-Signature': PREVIOUS }))).statusCode).toBe(401);
    expect((await handler(nhn('wrong', { 'X-Nhn-Webhook-Signature': CURRENT }))).statusCode).toBe(401);
    expect(await eventsDepth()).toBe(0);
  });
});
