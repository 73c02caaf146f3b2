/**
 * The signature primitives against the providers' own published test vectors. Each vector is written here with its
 * source; a vector derived from a documented algorithm (no published one exists) says so.
 */
import { createHmac } from 'node:crypto';
import { formRecord } from '../../../functions/origin/form';
import { idTimestampBody, rawBody, urlAndNonce, urlCarryingBodyHash, urlWithSortedParams } from '../../../functions/origin/payloads';
import { hmacScheme } from '../../../functions/origin/schemes/hmac';
import { jwtScheme } from '../../../functions/origin/schemes/jwt';
import type { OriginScheme } from '../../../functions/origin/types';
import { sinchSignature } from '../../../functions/providers/sinch-sms';
import {
  META_SIGNATURE_VECTORS,
  META_SIGNED_BODY,
  SINCH_SMS_VECTOR,
  TWILIO_AUTH_TOKEN,
  TWILIO_FORM_VECTORS,
  TWILIO_INVALID,
  TWILIO_JSON_VECTORS,
} from './published-vectors';
import { OPTIONS, arrived, flipped, formParamsOf, outgoing, withHeader } from './support';

const credentials = (key: string) => ({ signingKeys: [key] });

async function verifies(scheme: OriginScheme, key: string, request: Parameters<typeof arrived>[0], now?: number) {
  const verdict = await scheme.verify(arrived(request, now === undefined ? {} : { now }), credentials(key), OPTIONS);
  return verdict.ok;
}

describe('Meta X-Hub-Signature-256 (HMAC-SHA256 of the raw body, sha256= hex)', () => {
  const meta = hmacScheme({ header: 'x-hub-signature-256', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', payload: rawBody });
  test.each(META_SIGNATURE_VECTORS)(
    'the published signature of body "test" with key %s verifies, and with one bit flipped does not',
    async (key, signature) => {
      const request = outgoing({ body: Buffer.from(META_SIGNED_BODY), headers: { 'x-hub-signature-256': signature } });
      expect(await verifies(meta, key, request)).toBe(true);
      expect(await verifies(meta, key, { ...request, headers: { 'x-hub-signature-256': flipped(signature) } })).toBe(false);
    },
  );
});

describe('Standard Webhooks v1 (HMAC-SHA256 of id.timestamp.body, whsec_ base64 key)', () => {
  const standard = hmacScheme({
    header: 'webhook-signature',
    algorithm: 'sha256',
    encoding: 'base64',
    prefix: 'v1,',
    payload: idTimestampBody('webhook-id'),
    signatures: (value) => value.split(' '),
    key: (value) => Buffer.from(value.replace(/^whsec_/, ''), 'base64'),
    timestamp: { header: 'webhook-timestamp', unit: 's' },
  });
  // Source: standard-webhooks/standard-webhooks @ b2fa7b87, libraries/go/webhook_test.go (TestWebhookSign).
  const request = outgoing({
    body: Buffer.from('{"test": 2432232314}'),
    headers: {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    },
  });
  const at = 1614265330 * 1000;
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  test('the published signature verifies at its own time', async () => {
    expect(await verifies(standard, secret, request, at)).toBe(true);
  });
  test('a header carrying several signatures verifies when one of them is right', async () => {
    const several = {
      ...request,
      headers: { ...request.headers, 'webhook-signature': 'v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' },
    };
    expect(await verifies(standard, secret, several, at)).toBe(true);
  });
  test('one bit flipped does not verify', async () => {
    const bad = { ...request, headers: { ...request.headers, 'webhook-signature': flipped('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=') } };
    expect(await verifies(standard, secret, bad, at)).toBe(false);
  });
  test('the same request six minutes later is refused as stale', async () => {
    const verdict = await standard.verify(arrived(request, { now: at + 360_000 }), credentials(secret), OPTIONS);
    expect(verdict).toMatchObject({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });
});

describe('Sinch (HMAC-SHA256 of body.nonce.timestamp, base64)', () => {
  // Through the adapter's scheme: Sinch's header names and payload are configured once, in the adapter.
  // Source: sinch/sinch-sdk-node @ affb35e5, packages/sdk-client/tests/utils/authorization.helper.test.ts.
  const conversation = {
    secret: 'foo_secret1234',
    body: '{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}',
    nonce: '01FJA8B4A7BM43YGWSG9GBV067',
    timestamp: '1634579353',
    signature: '6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=',
  };
  test.each([
    ['recipient_delivery_report_sms', SINCH_SMS_VECTOR],
    ['Conversation API callback', conversation],
  ])('the published %s signature verifies, and with one bit flipped does not', async (_name, vector) => {
    const request = outgoing({
      body: Buffer.from(vector.body),
      headers: {
        'x-sinch-webhook-signature': vector.signature,
        'x-sinch-webhook-signature-nonce': vector.nonce,
        'x-sinch-webhook-signature-timestamp': vector.timestamp,
      },
    });
    const at = Number(vector.timestamp) * 1000;
    expect(await verifies(sinchSignature, vector.secret, request, at)).toBe(true);
    const bad = { ...request, headers: { ...request.headers, 'x-sinch-webhook-signature': flipped(vector.signature) } };
    expect(await verifies(sinchSignature, vector.secret, bad, at)).toBe(false);
  });
});

describe('Twilio X-Twilio-Signature (HMAC-SHA1 of the URL + sorted parameters; JSON: bodySHA256)', () => {
  const twilioForm = hmacScheme({ header: 'x-twilio-signature', algorithm: 'sha1', encoding: 'base64', payload: urlWithSortedParams });
  const twilioJson = hmacScheme({ header: 'x-twilio-signature', algorithm: 'sha1', encoding: 'base64', payload: urlCarryingBodyHash });

  // The published vectors, with their sources: published-vectors.ts.
  test.each(TWILIO_FORM_VECTORS)('form vector "%s" verifies, and with one bit flipped does not', async (_name, url, params, signature) => {
    const request = arrived(outgoing({ url, headers: { 'x-twilio-signature': signature } }), { formParams: () => formParamsOf(params) });
    expect((await twilioForm.verify(request, credentials(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(true);
    const bad = withHeader(request, 'x-twilio-signature', flipped(signature));
    expect((await twilioForm.verify(bad, credentials(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(false);
  });

  test.each(TWILIO_JSON_VECTORS)('JSON vector "%s" verifies; the same URL with another body does not', async (_name, url, body, signature) => {
    const request = outgoing({ url, body: Buffer.from(body), headers: { 'x-twilio-signature': signature } });
    expect(await verifies(twilioJson, TWILIO_AUTH_TOKEN, request)).toBe(true);
    expect(await verifies(twilioJson, TWILIO_AUTH_TOKEN, { ...request, body: Buffer.from(`${body} `) })).toBe(false);
  });

  test('published invalid: a JSON body with no bodySHA256 in the URL', async () => {
    const { url, body, signature } = TWILIO_INVALID.jsonWithoutBodyHash;
    const request = outgoing({ url, body: Buffer.from(body), headers: { 'x-twilio-signature': signature } });
    expect(await verifies(twilioJson, TWILIO_AUTH_TOKEN, request)).toBe(false);
  });

  test('published invalid: a query parameter added after signing (by a proxy)', async () => {
    const { url, params, signature } = TWILIO_INVALID.queryAddedAfterSigning;
    const request = arrived(outgoing({ url, headers: { 'x-twilio-signature': signature } }), { formParams: () => formParamsOf(params) });
    expect((await twilioForm.verify(request, credentials(TWILIO_AUTH_TOKEN), OPTIONS)).ok).toBe(false);
  });

  test('formRecord keeps a repeated name as an ordered list', () => {
    expect(formRecord(formParamsOf({ a: ['2', '1'], b: 'x' }))).toEqual({ a: ['2', '1'], b: 'x' });
  });
});

describe('Plivo V2 (HMAC-SHA256 of scheme://host[:port]/path + nonce, base64)', () => {
  const plivo = hmacScheme({
    header: 'x-plivo-signature-v2',
    algorithm: 'sha256',
    encoding: 'base64',
    payload: urlAndNonce,
    nonceHeader: 'x-plivo-signature-v2-nonce',
  });
  // Source: plivo/plivo-node @ 4889b056, test/utils.js; plivo/plivo-python @ 8779d2c4, tests/resources/test_signature.py.
  const request = (nonce: string) =>
    outgoing({
      url: 'https://answer.url',
      headers: { 'x-plivo-signature-v2': 'ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc=', 'x-plivo-signature-v2-nonce': nonce },
    });
  test('the published valid vector verifies', async () => {
    expect(await verifies(plivo, 'my_auth_token', request('12345'))).toBe(true);
  });
  test('the published invalid vectors (another token; another token and nonce) do not', async () => {
    expect(await verifies(plivo, 'my_auth_tokens', request('12345'))).toBe(false);
    expect(await verifies(plivo, 'my_auth_tokens', request('123456'))).toBe(false);
  });
  test('the query string is not signed', async () => {
    const withQuery = { ...request('12345'), url: 'https://answer.url?From=123' };
    expect(await verifies(plivo, 'my_auth_token', withQuery)).toBe(true);
  });
});

describe('Vonage Messages API JWT (HS256, signature secret)', () => {
  const vonage = jwtScheme({
    header: 'authorization',
    bearer: true,
    algorithms: ['HS256'],
    checkClaims: () => undefined,
    claimsFor: (_parts, now) => ({ iat: Math.floor(now / 1000) }),
  });
  // Source: Vonage/vonage-python-sdk @ 445cab80, jwt/tests/test_verify_jwt.py.
  const token =
    'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPbmxpbmUgSldUIEJ1aWxkZXIiLCJpYXQiOjE2OTc2MzQ2ODAsImV4cCI6MzMyNTQ1NDA4MjgsImF1ZCI6IiIsInN1YiI6IiJ9.88vJc3I2HhuqEDixHXVhc9R30tA6U_HQHZTC29y6CGM';
  const request = outgoing({ headers: { authorization: `Bearer ${token}` } });
  test('the published token verifies with its secret', async () => {
    expect(await verifies(vonage, 'qwertyuiopasdfghjklzxcvbnm123456', request)).toBe(true);
  });
  test('and not with the published wrong secret', async () => {
    expect(await verifies(vonage, 'asdf', request)).toBe(false);
  });
});

test('the HMAC primitive is node:crypto HMAC (a derived check of the hex encoding path)', () => {
  // Derived: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231-style well-known value.
  expect(createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex')).toBe(
    'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
  );
});
