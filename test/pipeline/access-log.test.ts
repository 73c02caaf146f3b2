/**
 * `npm start`'s console line (the access log of the local pipeline): a refused request says why, whatever the log
 * level (the check and the header by name, never a value), and no path ever shows a URL token, wherever it is put.
 */
import { request as httpRequest } from 'node:http';
import type { AccessLogEntry } from '../../local/gateway';
import type { LocalPipeline } from '../../local/pipeline';
import { devCredentialHeaders, devToken } from '../support/requests';
import { startSqs, type TestSqs } from '../support/sqs';
import { startTestPipeline } from './support';

const TOKEN = devToken('smsgateway24')!;
let sqs: TestSqs;
let pipeline: LocalPipeline;
const entries: AccessLogEntry[] = [];

function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<number> {
  const url = new URL(pipeline.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: options.method ?? 'POST', path, headers: options.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The access entry of the last request, once the gateway has written it. */
async function lastEntry(count: number): Promise<AccessLogEntry> {
  for (let i = 0; i < 100 && entries.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return entries[count - 1];
}

beforeAll(async () => {
  sqs = await startSqs();
  // SILENT: the reason must reach the console line without the functions' logs.
  pipeline = await startTestPipeline(sqs, { logLevel: 'SILENT', onAccess: (entry) => entries.push(entry) });
});
afterAll(async () => {
  await pipeline?.stop();
  await sqs?.stop();
});

describe('the console line of a refused request', () => {
  it('names the check and the header of a 401, never the value sent', async () => {
    const [header] = Object.keys(devCredentialHeaders('nhncloud-sms'));
    const status = await send('/webhooks/nhncloud-sms', {
      headers: { [header]: 'wrong-value-4711', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(status).toBe(401);
    const entry = await lastEntry(entries.length || 1);
    expect(entry.reason).toBe(`credential header does not match (${header})`);
    expect(JSON.stringify(entry)).not.toContain('wrong-value-4711');
  });

  it('names a missing header', async () => {
    const before = entries.length;
    expect(await send('/webhooks/nhncloud-sms', { headers: { 'content-type': 'application/json' }, body: '{}' })).toBe(401);
    expect((await lastEntry(before + 1)).reason).toMatch(/^credential header missing \(X-Toast-Webhook-Signature\)$/i);
  });

  it('says a URL token did not match, with the path masked', async () => {
    const before = entries.length;
    expect(await send('/webhooks/smsgateway24/not-the-token-0815', { headers: { 'content-type': 'application/json' }, body: '{}' })).toBe(401);
    const entry = await lastEntry(before + 1);
    expect(entry).toMatchObject({ path: '/webhooks/smsgateway24/***', reason: 'URL token does not match' });
  });

  it('gives the field of an invalid body', async () => {
    const before = entries.length;
    expect(await send(`/webhooks/smsgateway24/${TOKEN}`, { headers: { 'content-type': 'application/json' }, body: '{"status_id":7}' })).toBe(400);
    expect((await lastEntry(before + 1)).reason).toMatch(/^invalid_body: /);
  });

  it('has no reason on an accepted request', async () => {
    const before = entries.length;
    const body =
      '{"sms_id":5001,"status_id":7,"status_message":"SMS has been Delivered","sendto":"+4915752982212","senttime":"2024-12-12 14:38:01","sim":0,"device_id":12345}';
    expect(await send(`/webhooks/smsgateway24/${TOKEN}`, { headers: { 'content-type': 'application/json' }, body })).toBe(200);
    expect((await lastEntry(before + 1)).reason).toBeUndefined();
  });
});

describe('the access log never prints a token', () => {
  const encoded = encodeURIComponent(TOKEN).replace(/-/g, '%2D');
  const paths = [
    `/webhooks/smsgateway24/${TOKEN}`,
    `/webhooks/smsgateway24/${encoded}`,
    `/webhooks/smsgateway24/${TOKEN}/extra`,
    `//webhooks//smsgateway24//${TOKEN}`,
    `/%77ebhooks/smsgateway24/${TOKEN}/extra`,
    `/Webhooks/smsgateway24/${TOKEN}`,
    `/webhooks/${TOKEN}`,
    `/${TOKEN}`,
    `/messages/smsgateway24/${TOKEN}`,
    `/health/${TOKEN}`,
    `/webhooks/smsgateway24/x${TOKEN}y`,
  ];
  it.each(paths)('%s', async (path) => {
    const before = entries.length;
    for (const method of ['POST', 'GET'])
      await send(path, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
    await lastEntry(before + 2);
    for (const entry of entries.slice(before)) {
      expect(entry.path).not.toContain(TOKEN);
      expect(entry.path).not.toContain(encoded);
      expect(decodeURIComponent(entry.path)).not.toContain(TOKEN);
    }
  });
});
