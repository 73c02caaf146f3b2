import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startGateway, type AccessLogEntry, type Gateway, type GatewayRoute } from '../../local/gateway';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain node:http request, so the test controls header repetition, chunking and when the body ends. */
function send(
  url: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string; keepOpen?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        req.destroy();
      });
    });
    // The server may hang up while we are still writing an oversized body: the response is what counts.
    req.on('error', (error) => (req.writableEnded || options.keepOpen ? undefined : reject(error)));
    if (options.body !== undefined) req.write(options.body);
    if (!options.keepOpen) req.end();
  });
}

const echo: GatewayRoute['handler'] = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(event),
});

describe('local gateway', () => {
  let gateway: Gateway;
  const access: AccessLogEntry[] = [];
  const routes: GatewayRoute[] = [
    { method: 'POST', path: '/webhooks/webcom', handler: echo },
    { method: 'POST', path: '/webhooks/webcom/{token}', handler: echo, secretParameters: ['token'] },
    { method: 'ANY', path: '/webhooks/{provider}', handler: async () => ({ statusCode: 404, body: 'unknown provider' }) },
    { method: 'GET', path: '/messages/{provider}/{messageId}', handler: echo },
    {
      method: 'GET',
      path: '/binary',
      handler: async () => ({
        statusCode: 201,
        headers: { 'x-kind': 'bytes' },
        body: Buffer.from('hi there').toString('base64'),
        isBase64Encoded: true,
      }),
    },
    {
      method: 'GET',
      path: '/boom',
      handler: async () => {
        throw new Error('secret detail');
      },
    },
  ];

  beforeAll(async () => {
    gateway = await startGateway({ routes, maxBodyBytes: 1024, onAccess: (entry) => access.push(entry) });
  });
  afterAll(async () => {
    await gateway.stop();
  });

  async function eventOf(path: string, options: Parameters<typeof send>[1] = {}): Promise<APIGatewayProxyEventV2> {
    const response = await send(`${gateway.url}${path}`, { method: 'POST', ...options });
    expect(response.status).toBe(200);
    return JSON.parse(response.body) as APIGatewayProxyEventV2;
  }

  it('listens on loopback only', () => {
    expect(new URL(gateway.url).hostname).toBe('127.0.0.1');
  });

  it('builds a payload 2.0 event with the route key, path parameters and request context', async () => {
    const event = await eventOf('/webhooks/webcom/tok%2Fen?a=1&b=2&a=3', {
      headers: { 'content-type': 'application/json', 'User-Agent': 'test-agent' },
      body: '{"ok":true}',
    });
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('POST /webhooks/webcom/{token}');
    expect(event.rawPath).toBe('/webhooks/webcom/tok%2Fen');
    expect(event.rawQueryString).toBe('a=1&b=2&a=3');
    expect(event.pathParameters).toEqual({ token: 'tok/en' });
    expect(event.queryStringParameters).toEqual({ a: '1,3', b: '2' });
    expect(event.requestContext.http).toEqual({
      method: 'POST',
      path: '/webhooks/webcom/tok%2Fen',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'test-agent',
    });
    expect(event.requestContext.routeKey).toBe(event.routeKey);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);
    expect(event.body).toBe('{"ok":true}');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('gives a new request id to every request', async () => {
    const first = await eventOf('/webhooks/webcom', { body: 'x', headers: { 'content-type': 'text/plain' } });
    const second = await eventOf('/webhooks/webcom', { body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(first.requestContext.requestId).not.toBe(second.requestContext.requestId);
  });

  it('lower-cases header names and joins repeated headers with commas', async () => {
    const event = await eventOf('/webhooks/webcom', {
      headers: { 'X-Toast-Webhook-Signature': ['first', 'second'], Authorization: ['a', 'b'], 'content-type': 'application/json' },
      body: '{}',
    });
    expect(event.headers['x-toast-webhook-signature']).toBe('first,second');
    expect(event.headers.authorization).toBe('a,b');
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('moves cookies out of the headers into the cookies list', async () => {
    const event = await eventOf('/webhooks/webcom', { headers: { cookie: 'a=1; b=2' } });
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.headers.cookie).toBeUndefined();
  });

  it('passes text media types as text', async () => {
    for (const contentType of ['application/json;charset=UTF-8', 'text/xml', 'application/xml', 'application/vnd.api+json']) {
      const event = await eventOf('/webhooks/webcom', { headers: { 'content-type': contentType }, body: '<response/>' });
      expect([contentType, event.isBase64Encoded, event.body]).toEqual([contentType, false, '<response/>']);
    }
  });

  it('base64-encodes bodies without a text media type, as HTTP APIs do', async () => {
    for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'application/octet-stream' }, {}]) {
      const event = await eventOf('/webhooks/webcom', { headers, body: '<response/>' });
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body ?? '', 'base64').toString('utf8')).toBe('<response/>');
    }
  });

  it('base64-encodes a text body that is not valid UTF-8 instead of mangling it', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const event = await eventOf('/webhooks/webcom', { headers: { 'content-type': 'application/json' }, body: bytes });
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
  });

  it('leaves body and query out when the request has none', async () => {
    const event = await eventOf('/webhooks/webcom');
    expect(event.body).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
  });

  it('prefers a literal route over a parameter route', async () => {
    const event = await eventOf('/webhooks/webcom');
    expect(event.routeKey).toBe('POST /webhooks/webcom');
    const other = await send(`${gateway.url}/webhooks/nobody`, { method: 'POST' });
    expect([other.status, other.body]).toEqual([404, 'unknown provider']);
  });

  it('answers 404 for an unknown route', async () => {
    const response = await send(`${gateway.url}/nothing/here`);
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'not_found' });
  });

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const response = await send(`${gateway.url}/webhooks/webcom/abc`, { method: 'GET' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    const lookup = await send(`${gateway.url}/messages/webcom/1`, { method: 'DELETE' });
    expect([lookup.status, lookup.headers.allow]).toEqual([405, 'GET']);
  });

  it('answers 413 for a declared length over the cap', async () => {
    const response = await send(`${gateway.url}/webhooks/webcom`, {
      method: 'POST',
      headers: { 'content-length': 5000, 'content-type': 'application/json' },
      body: 'x'.repeat(5000),
    });
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
  });

  it('answers 413 for a streamed body as soon as it passes the cap, without waiting for the rest', async () => {
    const response = await send(`${gateway.url}/webhooks/webcom`, {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/json' },
      body: 'x'.repeat(2000),
      keepOpen: true,
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'payload_too_large' });
  });

  it('accepts a body exactly at the cap', async () => {
    const event = await eventOf('/webhooks/webcom', { headers: { 'content-type': 'text/plain' }, body: 'y'.repeat(1024) });
    expect(event.body).toHaveLength(1024);
  });

  it('writes the handler result back, decoding a base64 body', async () => {
    const response = await send(`${gateway.url}/binary`);
    expect([response.status, response.headers['x-kind'], response.body]).toEqual([201, 'bytes', 'hi there']);
  });

  it('answers a bare 500 when the handler throws, without its message', async () => {
    const response = await send(`${gateway.url}/boom`);
    expect(response.status).toBe(500);
    expect(response.body).not.toContain('secret detail');
  });

  it('masks URL tokens in the access log', async () => {
    await eventOf('/webhooks/webcom/very-secret-token');
    const entry = access.find((item) => item.path.startsWith('/webhooks/webcom/'));
    expect(entry).toMatchObject({ method: 'POST', path: '/webhooks/webcom/***', statusCode: 200 });
    expect(JSON.stringify(access)).not.toContain('very-secret-token');
  });

  it('masks what may be a URL token even when no route matched (wrong method, extra segment)', async () => {
    await send(`${gateway.url}/webhooks/webcom/other-secret-token`, { method: 'GET' });
    await send(`${gateway.url}/webhooks/webcom/third-secret-token/extra`, { method: 'POST' });
    expect(access.map((entry) => entry.path)).toEqual(expect.arrayContaining(['/webhooks/webcom/***', '/webhooks/webcom/***/***']));
    expect(JSON.stringify(access)).not.toMatch(/other-secret-token|third-secret-token/);
  });

  it('masks the token whatever empty segments the path carries', async () => {
    for (const path of ['/webhooks//webcom/slash-secret-1', '/webhooks/webcom//slash-secret-2', '//webhooks/webcom/slash-secret-3']) {
      await send(`${gateway.url}${path}`, { method: 'POST' });
      await send(`${gateway.url}${path}`, { method: 'GET' });
    }
    expect(access.length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(access)).not.toMatch(/slash-secret/);
  });
});
