import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CaptureRing, maskHeaders, maskPath, reasonOf, scrub, type Captured, type Secrets } from '../../local/console/capture';
import { refusalOf } from '../../local/console';

const secrets: Secrets = { headerNames: new Set(['x-toast-webhook-signature', 'username']), values: ['dev-secret-value-123', 'tok-456789'] };

describe('console masking', () => {
  it('masks credential headers by name, credential-looking headers, and secret values anywhere', () => {
    expect(
      maskHeaders(
        {
          'X-Toast-Webhook-Signature': 'abc',
          UserName: 'dev-innopaas',
          authorization: 'Basic xyz',
          'x-hub-signature-256': 'sha256=1',
          'x-api-key': 'k',
          cookie: 'a=b',
          'x-forwarded-for': 'see dev-secret-value-123',
          'content-type': 'application/json',
        },
        secrets,
      ),
    ).toEqual({
      'x-toast-webhook-signature': '***',
      username: '***',
      authorization: '***',
      'x-hub-signature-256': '***',
      'x-api-key': '***',
      cookie: '***',
      'x-forwarded-for': 'see ***',
      'content-type': 'application/json',
    });
  });

  it('masks every segment after /webhooks/<provider>, and secret values in any path', () => {
    expect(maskPath('/webhooks/webcom/tok-456789', secrets)).toBe('/webhooks/webcom/***');
    expect(maskPath('/webhooks/webcom/a/b', secrets)).toBe('/webhooks/webcom/***/***');
    expect(maskPath('/other/tok-456789', secrets)).toBe('/other/***');
    expect(scrub('x tok-456789 y tok-456789', secrets)).toBe('x *** y ***');
  });

  it('reads the refusal reason from the error JSON, with its field', () => {
    expect(reasonOf({ statusCode: 400, body: JSON.stringify({ error: 'invalid_body', message: 'expected array', field: 'hooks' }) })).toBe(
      'invalid_body: expected array (hooks)',
    );
    expect(reasonOf({ statusCode: 200, body: '{}' })).toBeUndefined();
    expect(reasonOf({ statusCode: 400, body: '<response>bad</response>' })).toBe('<response>bad</response>');
  });
});

describe('CaptureRing', () => {
  const entry = (statusCode: number, provider = 'webcom') => ({
    provider,
    statusCode,
    latencyMs: 1,
    original: {} as APIGatewayProxyEventV2,
    result: { statusCode },
  });

  it('keeps the last `capacity` requests, counts every request and refusal since start, renders each view once', () => {
    let renders = 0;
    const ring = new CaptureRing(2, (captured: Captured) => {
      renders += 1;
      return {
        id: captured.id,
        time: '',
        provider: captured.provider,
        method: 'POST',
        path: '/',
        query: {},
        headers: {},
        statusCode: captured.statusCode,
        latencyMs: 1,
        bodyBytes: 0,
        body: '',
        bodyTruncated: false,
        events: [],
      };
    });
    ring.add(entry(200));
    ring.add(entry(401));
    ring.add(entry(503));
    expect(renders).toBe(0);
    expect(ring.after(0).map((view) => view.id)).toEqual([2, 3]);
    expect(ring.after(2).map((view) => view.id)).toEqual([3]);
    expect(renders).toBe(2);
    expect(ring.get(1)).toBeUndefined();
    expect(ring.counts.get('webcom')).toEqual({ requests: 3, refused: 1 });
  });
});

describe('console request guard', () => {
  const request = (method: string, headers: Record<string, string>) =>
    ({ headers, requestContext: { http: { method } } }) as unknown as APIGatewayProxyEventV2;

  it('answers only to a loopback host, and POSTs only with the console header (no CSRF, no DNS rebinding)', () => {
    expect(refusalOf(request('GET', { host: '127.0.0.1:3000' }))).toBeUndefined();
    expect(refusalOf(request('GET', { host: 'localhost:3000' }))).toBeUndefined();
    expect(refusalOf(request('GET', { host: 'evil.example:3000' }))).toMatch(/only to 127\.0\.0\.1/);
    expect(refusalOf(request('GET', {}))).toMatch(/only to 127\.0\.0\.1/);
    expect(refusalOf(request('POST', { host: '127.0.0.1:3000' }))).toMatch(/x-console-request: 1/);
    expect(refusalOf(request('POST', { host: '127.0.0.1:3000', 'x-console-request': '1' }))).toBeUndefined();
  });
});
