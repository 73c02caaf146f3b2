import { adaptRequest, bodyByteLength, bodyText, lowerCaseHeaders, normalizeIp, parseContentType } from '../../../functions/ingest/request';
import { ValidationError } from '../../../functions/core/errors';
import { webhookEvent } from '../../support/requests';

describe('adaptRequest', () => {
  it('lower-cases header names and keeps the path parameters, source IP and request id', () => {
    const request = adaptRequest(webhookEvent('webcom', { requestId: 'req-1', sourceIp: '198.51.100.4' }));
    expect(request).toMatchObject({
      method: 'POST',
      provider: 'webcom',
      token: 'dev-webcom-token-0123456789abcdef',
      sourceIp: '198.51.100.4',
      requestId: 'req-1',
      contentType: 'text/xml',
      isBase64Encoded: false,
    });
    expect(request.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(Object.keys(request.headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('does not throw on an event with parts missing', () => {
    expect(adaptRequest({} as never)).toMatchObject({ method: '', sourceIp: '', rawBody: '', headers: {} });
  });
});

describe('lowerCaseHeaders', () => {
  it('joins names that differ only in case with a comma, as API Gateway joins repeated headers', () => {
    expect(lowerCaseHeaders({ UserName: 'a', username: 'b' }).username).toBe('a,b');
  });

  it('yields an object without a prototype, so a header named __proto__ is only a header', () => {
    const headers = lowerCaseHeaders(JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, string>);
    expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toBe('x');
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });
});

describe('parseContentType', () => {
  it('splits the media type from its charset, lower-cased', () => {
    expect(parseContentType('Application/JSON; Charset="UTF-8"')).toEqual({ contentType: 'application/json', charset: 'utf-8' });
  });

  it('leaves both out when the header is absent', () => {
    expect(parseContentType(undefined)).toEqual({});
  });
});

describe('normalizeIp', () => {
  it('unwraps an IPv4-mapped IPv6 address', () => {
    expect(normalizeIp('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('leaves other addresses alone', () => {
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
  });
});

describe('bodyByteLength', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(bodyByteLength({ rawBody: 'é€😀', isBase64Encoded: false })).toBe(2 + 3 + 4);
  });

  it('counts the decoded bytes of a base64 body', () => {
    expect(bodyByteLength({ rawBody: Buffer.alloc(1000).toString('base64'), isBase64Encoded: true })).toBe(1000);
  });

  it('answers at once for a text body longer than the limit in characters', () => {
    expect(bodyByteLength({ rawBody: 'x'.repeat(11), isBase64Encoded: false }, 10)).toBeGreaterThan(10);
  });
});

describe('bodyText', () => {
  it('decodes a base64 body in its declared charset', () => {
    const cp1251 = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]); // "Привет"
    expect(bodyText({ rawBody: cp1251.toString('base64'), isBase64Encoded: true, charset: 'windows-1251' })).toBe('Привет');
  });

  it('reads a base64 body as UTF-8 when the declared charset is unknown', () => {
    expect(bodyText({ rawBody: Buffer.from('ok ✓').toString('base64'), isBase64Encoded: true, charset: 'x-made-up' })).toBe('ok ✓');
  });

  it('refuses bytes that are not valid in the charset instead of replacing them', () => {
    expect(() => bodyText({ rawBody: Buffer.from([0xff, 0xfe, 0x41]).toString('base64'), isBase64Encoded: true })).toThrow(ValidationError);
  });
});
