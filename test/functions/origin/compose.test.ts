/**
 * The scheme library as a whole: every scheme signs what it verifies, refuses one changed byte in whatever it covers,
 * rotates keys, and composes fail-closed.
 */
import { ed25519PublicKeyOf, ed25519Scheme } from '../../../functions/origin/schemes/ed25519';
import { hmacScheme } from '../../../functions/origin/schemes/hmac';
import { jwtScheme } from '../../../functions/origin/schemes/jwt';
import { basicAuth, bodyCredentials, staticHeaders, urlToken } from '../../../functions/origin/schemes/static';
import { rawBody, timestampThenBody, urlWithSortedParams } from '../../../functions/origin/payloads';
import { sha256Hex } from '../../../functions/origin/compare';
import { canAdmit, schemesOf, signRequest, unusedKeys, verifyOrigin } from '../../../functions/origin/verify';
import type { OriginScheme, OutgoingRequest } from '../../../functions/origin/types';
import type { ProviderCredentials } from '../../../functions/origin/credentials';
import { NOW, OPTIONS, arrived, flipByte, outgoing } from './support';

// Derived keys for round trips (no provider publishes these): a fixed Ed25519 seed and HMAC secrets.
const ED25519_SEED = Buffer.alloc(32, 7).toString('base64');
const ED25519_PUBLIC = ed25519PublicKeyOf(ED25519_SEED);

const hmacRaw = hmacScheme({ header: 'x-sig', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', payload: rawBody });
const hmacUrl = hmacScheme({ header: 'x-sig', algorithm: 'sha1', encoding: 'base64', payload: urlWithSortedParams });
const hmacStamped = hmacScheme({
  header: 'x-sig',
  algorithm: 'sha512',
  encoding: 'base64',
  payload: timestampThenBody('.'),
  timestamp: { header: 'x-timestamp', unit: 's' },
});
const ed25519 = ed25519Scheme({ header: 'x-ed-signature', timestamp: { header: 'x-ed-timestamp', unit: 's' }, payload: timestampThenBody('|') });
const jwt = jwtScheme({
  header: 'authorization',
  bearer: true,
  algorithms: ['HS256'],
  checkClaims: (claims, parts) => (parts.body.length > 0 && claims.payload_hash !== sha256Hex(parts.body) ? 'payload_hash' : undefined),
  claimsFor: (parts, now) => ({ iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 60, payload_hash: sha256Hex(parts.body) }),
});

interface Case {
  readonly scheme: OriginScheme;
  readonly credentials: ProviderCredentials;
  readonly privateKeys?: string[];
  readonly request: OutgoingRequest;
}

const form = outgoing({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: Buffer.from('MessageSid=SM1&MessageStatus=delivered&To=%2B15551234567'),
  url: 'https://hooks.example.com/webhooks/acme?x=1',
});

const cases: Record<string, Case> = {
  'HMAC over the raw body': { scheme: hmacRaw, credentials: { signingKeys: ['k1'] }, request: outgoing() },
  'HMAC over the URL and sorted form parameters': { scheme: hmacUrl, credentials: { signingKeys: ['k1'] }, request: form },
  'HMAC over timestamp.body': { scheme: hmacStamped, credentials: { signingKeys: ['k1'] }, request: outgoing() },
  'Ed25519 over timestamp|body': {
    scheme: ed25519,
    credentials: { signingKeys: [ED25519_PUBLIC] },
    privateKeys: [ED25519_SEED],
    request: outgoing(),
  },
  'JWT with payload_hash': { scheme: jwt, credentials: { signingKeys: ['k1'] }, request: outgoing() },
  'static headers': { scheme: staticHeaders, credentials: { headers: { 'X-Key': ['v1'] } }, request: outgoing() },
  'URL token': { scheme: urlToken, credentials: { tokens: ['tok-1'] }, request: outgoing() },
  'HTTP Basic': { scheme: basicAuth, credentials: { basicAuth: [{ username: 'u', password: 'p' }] }, request: outgoing() },
  'credentials in the body': {
    scheme: bodyCredentials,
    credentials: { bodyCredentials: [{ receiver: 'acme', pswd: 's3cret' }] },
    request: outgoing(),
  },
};

async function signed(c: Case): Promise<OutgoingRequest> {
  return c.scheme.sign(c.request, { credentials: c.credentials, privateKeys: c.privateKeys });
}

describe.each(Object.entries(cases))('%s', (_name, c) => {
  test('a request it signed verifies', async () => {
    expect(await c.scheme.verify(arrived(await signed(c)), c.credentials, OPTIONS)).toEqual({ ok: true });
  });

  test('signed with the first key, it verifies while a second key is also accepted (rotation)', async () => {
    const rotated = rotate(c.credentials);
    expect((await c.scheme.verify(arrived(await signed(c)), rotated, OPTIONS)).ok).toBe(true);
  });
});

/** The credentials with a new first value and the old one second. */
function rotate(credentials: ProviderCredentials): ProviderCredentials {
  if (credentials.signingKeys)
    return {
      signingKeys: [
        credentials.signingKeys[0] === ED25519_PUBLIC ? ed25519PublicKeyOf(Buffer.alloc(32, 9).toString('base64')) : 'new-key',
        credentials.signingKeys[0],
      ],
    };
  if (credentials.headers) return { headers: { 'X-Key': ['new', ...credentials.headers['X-Key']] } };
  if (credentials.tokens) return { tokens: ['new-token', ...credentials.tokens] };
  if (credentials.basicAuth) return { basicAuth: [{ username: 'n', password: 'n' }, ...credentials.basicAuth] };
  return { bodyCredentials: [{ receiver: 'new', pswd: 'new' }, ...(credentials.bodyCredentials ?? [])] };
}

describe.each([
  'HMAC over the raw body',
  'HMAC over timestamp.body',
  'Ed25519 over timestamp|body',
  'JWT with payload_hash',
  'HMAC over the URL and sorted form parameters',
])('%s refuses a changed request', (name) => {
  const c = cases[name];
  test('one byte of the body changed', async () => {
    const request = await signed(c);
    const verdict = await c.scheme.verify(arrived({ ...request, body: flipByte(request.body, 5) }), c.credentials, OPTIONS);
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });
  test('signed with another key', async () => {
    const other = name.startsWith('Ed25519')
      ? { ...c, privateKeys: [Buffer.alloc(32, 9).toString('base64')] }
      : { ...c, credentials: { signingKeys: ['another-key'] } };
    const verdict = await c.scheme.verify(arrived(await signed(other)), c.credentials, OPTIONS);
    expect(verdict).toMatchObject({ ok: false });
  });
  test('the signature header missing', async () => {
    const request = await signed(c);
    const header = c.scheme.secretHeaders?.[0] ?? '';
    const { [header]: _dropped, ...headers } = request.headers;
    expect(await c.scheme.verify(arrived({ ...request, headers }), c.credentials, OPTIONS)).toMatchObject({ ok: false, reason: 'missing_signature' });
  });
});

test('a URL-signed request is refused when one character of its URL changed', async () => {
  const request = await signed(cases['HMAC over the URL and sorted form parameters']);
  const verdict = await hmacUrl.verify(arrived({ ...request, url: request.url.replace('x=1', 'x=2') }), { signingKeys: ['k1'] }, OPTIONS);
  expect(verdict.ok).toBe(false);
});

describe.each(['HMAC over timestamp.body', 'Ed25519 over timestamp|body'])('%s and its timestamp', (name) => {
  const c = cases[name];
  test('a changed timestamp header is refused', async () => {
    const request = await signed(c);
    const header = name.startsWith('Ed') ? 'x-ed-timestamp' : 'x-timestamp';
    const moved = { ...request, headers: { ...request.headers, [header]: String(Number(request.headers[header]) + 1) } };
    expect((await c.scheme.verify(arrived(moved), c.credentials, OPTIONS)).ok).toBe(false);
  });
  test('at the tolerance edge it is accepted; one second beyond it, refused; from the future likewise', async () => {
    const request = await signed(c);
    expect((await c.scheme.verify(arrived(request, { now: NOW + 300_000 }), c.credentials, OPTIONS)).ok).toBe(true);
    expect(await c.scheme.verify(arrived(request, { now: NOW + 301_000 }), c.credentials, OPTIONS)).toMatchObject({
      reason: 'timestamp_out_of_tolerance',
    });
    expect(await c.scheme.verify(arrived(request, { now: NOW - 301_000 }), c.credentials, OPTIONS)).toMatchObject({
      reason: 'timestamp_out_of_tolerance',
    });
  });
  test('the tolerance is configurable', async () => {
    const request = await signed(c);
    expect((await c.scheme.verify(arrived(request, { now: NOW + 301_000 }), c.credentials, { toleranceSeconds: 600 })).ok).toBe(true);
  });
});

test('an expired JWT is refused', async () => {
  const request = await signed(cases['JWT with payload_hash']);
  expect((await jwt.verify(arrived(request, { now: NOW + 120_000 }), { signingKeys: ['k1'] }, OPTIONS)).ok).toBe(false);
});

describe('composition', () => {
  const schemes = schemesOf([hmacRaw]);

  test('nothing configured refuses every request (fail closed)', async () => {
    expect(await verifyOrigin(schemes, arrived(outgoing()), undefined, OPTIONS)).toMatchObject({ reason: 'not_configured' });
    expect(await verifyOrigin(schemes, arrived(outgoing()), {}, OPTIONS)).toMatchObject({ reason: 'not_configured' });
  });

  test('source IP ranges alone are not a credential', async () => {
    expect(canAdmit(schemes, { allowedIps: ['203.0.113.0/24'] })).toBe(false);
  });

  test('a key none of the schemes reads makes the document invalid rather than ignored', async () => {
    const document = { tokens: ['t'], verifyTokens: ['v'] };
    expect(unusedKeys(schemes, document)).toEqual(['verifyTokens']);
    expect(await verifyOrigin(schemes, arrived(outgoing()), document, OPTIONS)).toMatchObject({ reason: 'invalid_credentials' });
  });

  test('every active scheme must pass: a right signature with a wrong token is refused', async () => {
    const document = { tokens: ['tok-1'], signingKeys: ['k1'] };
    const request = await signRequest(schemes, outgoing(), { credentials: document });
    expect(await verifyOrigin(schemes, arrived(request), document, OPTIONS)).toEqual({ ok: true });
    const wrongToken = { ...request, url: request.url.replace('tok-1', 'tok-2') };
    expect(await verifyOrigin(schemes, arrived(wrongToken), document, OPTIONS)).toMatchObject({ reason: 'token_mismatch' });
  });

  test('a source address outside allowedIps is refused even with a right signature', async () => {
    const document = { signingKeys: ['k1'], allowedIps: ['198.51.100.0/24'] };
    const request = await signRequest(schemes, outgoing(), { credentials: document });
    expect(await verifyOrigin(schemes, arrived(request), document, OPTIONS)).toMatchObject({ reason: 'source_ip_not_allowed' });
    expect(await verifyOrigin(schemes, arrived(request, { sourceIp: '198.51.100.9' }), document, OPTIONS)).toEqual({ ok: true });
  });

  test('hostile signature headers are refused, never thrown', async () => {
    for (const value of ['sha256=', 'sha256=zz', '\u0000', 'x'.repeat(10_000), 'sha256=' + 'a'.repeat(64)]) {
      const request = arrived(outgoing({ headers: { 'x-sig': value } }));
      expect((await verifyOrigin(schemes, request, { signingKeys: ['k1'] }, OPTIONS)).ok).toBe(false);
    }
  });
});

describe('credentials in the body', () => {
  const document = { bodyCredentials: [{ receiver: 'acme', pswd: 's3cret' }] };
  test('a form body and a GET query carry them too', async () => {
    const formRequest = outgoing({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('msgid=1&receiver=acme&pswd=s3cret'),
    });
    expect((await bodyCredentials.verify(arrived(formRequest), document, OPTIONS)).ok).toBe(true);
    const get = outgoing({ method: 'GET', url: 'https://h/webhooks/x?receiver=acme&pswd=s3cret&msgid=1', body: Buffer.alloc(0) });
    expect((await bodyCredentials.verify(arrived(get), document, OPTIONS)).ok).toBe(true);
  });
  test('a wrong password, a missing field and a body that is not JSON are refused', async () => {
    const json = (text: string) => arrived(outgoing({ body: Buffer.from(text) }));
    expect(await bodyCredentials.verify(json('{"receiver":"acme","pswd":"nope"}'), document, OPTIONS)).toMatchObject({
      reason: 'credentials_mismatch',
    });
    expect(await bodyCredentials.verify(json('{"receiver":"acme"}'), document, OPTIONS)).toMatchObject({ ok: false });
    expect(await bodyCredentials.verify(json('{not json'), document, OPTIONS)).toMatchObject({ reason: 'missing_credentials' });
  });
});
