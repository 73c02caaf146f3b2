/**
 * The signature primitives against the providers' own published test vectors. Each vector is written here with its
 * source; a vector derived from a documented algorithm (no published one exists) says so.
 */
import { createHmac } from 'node:crypto';
import { formRecord } from '../../../functions/origin/form';
import {
  bodyNonceTimestamp,
  idTimestampBody,
  rawBody,
  urlAndNonce,
  urlCarryingBodyHash,
  urlWithSortedParams,
} from '../../../functions/origin/payloads';
import { hmacScheme } from '../../../functions/origin/schemes/hmac';
import { jwtScheme } from '../../../functions/origin/schemes/jwt';
import type { FormParams, OriginScheme } from '../../../functions/origin/types';
import { OPTIONS, arrived, outgoing, withHeader } from './support';

const credentials = (key: string) => ({ signingKeys: [key] });

async function verifies(scheme: OriginScheme, key: string, request: Parameters<typeof arrived>[0], now?: number) {
  const verdict = await scheme.verify(arrived(request, now === undefined ? {} : { now }), credentials(key), OPTIONS);
  return verdict.ok;
}

/** One bit of the last character of a base64 or hex signature flipped. */
const flipped = (signature: string) => signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);

describe('Meta X-Hub-Signature-256 (HMAC-SHA256 of the raw body, sha256= hex)', () => {
  const meta = hmacScheme({ header: 'x-hub-signature-256', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', payload: rawBody });
  // Source: WhatsApp/WhatsApp-Nodejs-SDK @ 58ca3d5f, src/__tests__/utils.test.ts (M4D_APP_SECRET = 'TEST_APP_SECRET').
  // Source: hexdocs.pm/whatsapp_sdk v0.1.0, WhatsApp.Webhook.compute_signature doc-test (third party).
  test.each([
    ['TEST_APP_SECRET', 'sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221'],
    ['secret', 'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914'],
  ])('the published signature of body "test" with key %s verifies, and with one bit flipped does not', async (key, signature) => {
    const request = outgoing({ body: Buffer.from('test'), headers: { 'x-hub-signature-256': signature } });
    expect(await verifies(meta, key, request)).toBe(true);
    expect(await verifies(meta, key, { ...request, headers: { 'x-hub-signature-256': flipped(signature) } })).toBe(false);
  });
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
  const sinch = hmacScheme({
    header: 'x-sinch-webhook-signature',
    algorithm: 'sha256',
    encoding: 'base64',
    payload: bodyNonceTimestamp,
    nonceHeader: 'x-sinch-webhook-signature-nonce',
    timestamp: { header: 'x-sinch-webhook-signature-timestamp', unit: 's' },
  });
  // Source: sinch/sinch-sdk-node @ affb35e5, packages/sms/tests/rest/v1/callbacks/callbacks-webhook.test.ts.
  const sms = {
    secret: 'SMSWebhooksSecret',
    body: '{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}',
    nonce: '01JHFFHWYY7HSS4FWTMDTQEK8V',
    timestamp: '1736760161',
    signature: 'ZoHei66PPN/kZjw7hFVfGhJOnml3iGNCMWoyQVcE5o0=',
  };
  // Source: sinch/sinch-sdk-node @ affb35e5, packages/sdk-client/tests/utils/authorization.helper.test.ts.
  const conversation = {
    secret: 'foo_secret1234',
    body: '{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}',
    nonce: '01FJA8B4A7BM43YGWSG9GBV067',
    timestamp: '1634579353',
    signature: '6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=',
  };
  test.each([
    ['recipient_delivery_report_sms', sms],
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
    expect(await verifies(sinch, vector.secret, request, at)).toBe(true);
    const bad = { ...request, headers: { ...request.headers, 'x-sinch-webhook-signature': flipped(vector.signature) } };
    expect(await verifies(sinch, vector.secret, bad, at)).toBe(false);
  });
});

describe('Twilio X-Twilio-Signature (HMAC-SHA1 of the URL + sorted parameters; JSON: bodySHA256)', () => {
  const twilioForm = hmacScheme({ header: 'x-twilio-signature', algorithm: 'sha1', encoding: 'base64', payload: urlWithSortedParams });
  const twilioJson = hmacScheme({ header: 'x-twilio-signature', algorithm: 'sha1', encoding: 'base64', payload: urlCarryingBodyHash });
  const callParams = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  const formOf = (params: Record<string, string | string[]>): FormParams =>
    Object.entries(params).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one) => [name, one] as const));

  // Source: twilio/twilio-node @ 45d3d65a, spec/validation.spec.js; twilio/twilio-python @ 306691e7,
  // tests/unit/test_request_validator.py (the same values in both).
  test.each([
    ['URL as configured', 'https://mycompany.com/myapp.php?foo=1&bar=2', callParams, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='],
    ['https without port, signed with :443', 'https://mycompany.com/myapp.php?foo=1&bar=2', callParams, 'kvajT1Ptam85bY51eRf/AJRuM3w='],
    ['https with port :1234, signed without it', 'https://mycompany.com:1234/myapp.php?foo=1&bar=2', callParams, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='],
    ['http with port :1234 kept', 'http://mycompany.com:1234/myapp.php?foo=1&bar=2', callParams, 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU='],
    ['http without port, signed with :80', 'http://mycompany.com/myapp.php?foo=1&bar=2', callParams, '0ZXoZLH/DfblKGATFgpif+LLRf4='],
    ['user:pass in the URL', 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', callParams, 'CukzLTc1tT5dXEDIHm/tKBanW10='],
    ['user name only in the URL', 'https://user@mycompany.com/myapp.php?foo=1&bar=2', callParams, '2YRLlVAflCqxaNicjMpJcSTgzSs='],
    ['credentials, signed with :443', 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', callParams, 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI='],
    [
      'an apostrophe in the query (signed as %27)',
      "https://mycompany.com/myapp.php?foo=1&bar=2&Body=It's+amazing",
      callParams,
      'TfZzewPq8wqrGlMfyAud8+/IvJ0=',
    ],
    [
      'a repeated parameter',
      'https://mycompany.com/myapp.php?foo=1&bar=2',
      { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] },
      '83O6e2vORAoJHUNzJjDWN1jz+BA=',
    ],
    [
      'a repeated parameter with a duplicate value',
      'https://mycompany.com/myapp.php?foo=1&bar=2',
      { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] },
      'IK+Dwps556ElfBT0I3Rgjkr1wJU=',
    ],
  ])('form vector "%s" verifies, and with one bit flipped does not', async (_name, url, params, signature) => {
    const request = arrived(outgoing({ url, headers: { 'x-twilio-signature': signature } }), { formParams: () => formOf(params) });
    expect((await twilioForm.verify(request, credentials('12345'), OPTIONS)).ok).toBe(true);
    const bad = withHeader(request, 'x-twilio-signature', flipped(signature));
    expect((await twilioForm.verify(bad, credentials('12345'), OPTIONS)).ok).toBe(false);
  });

  test.each([
    [
      'bodySHA256 among other query parameters',
      'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620',
      '{"property": "value", "boolean": true}',
      'a9nBmqA0ju/hNViExpshrM61xv4=',
    ],
    [
      'body {} signed with :443',
      'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      '{}',
      'Ldidvp12m26NI7eqEvxnEpkd9Hc=',
    ],
    [
      'bodySHA256 alone',
      'https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620',
      '{"property": "value", "boolean": true}',
      'y77kIzt2vzLz71DgmJGsen2scGs=',
    ],
  ])('JSON vector "%s" verifies; the same URL with another body does not', async (_name, url, body, signature) => {
    const request = outgoing({ url, body: Buffer.from(body), headers: { 'x-twilio-signature': signature } });
    expect(await verifies(twilioJson, '12345', request)).toBe(true);
    expect(await verifies(twilioJson, '12345', { ...request, body: Buffer.from(`${body} `) })).toBe(false);
  });

  test('published invalid: a JSON body with no bodySHA256 in the URL', async () => {
    const request = outgoing({
      url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
      body: Buffer.from('{"property": "value", "boolean": true}'),
      headers: { 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' },
    });
    expect(await verifies(twilioJson, '12345', request)).toBe(false);
  });

  test('published invalid: a query parameter added after signing (by a proxy)', async () => {
    const request = arrived(
      outgoing({
        url: 'https://mycompany.com/myapp.php?foo=1&bar=2&somethingUnexpected=true',
        headers: { 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' },
      }),
      { formParams: () => formOf(callParams) },
    );
    expect((await twilioForm.verify(request, credentials('12345'), OPTIONS)).ok).toBe(false);
  });

  test('formRecord keeps a repeated name as an ordered list', () => {
    expect(formRecord(formOf({ a: ['2', '1'], b: 'x' }))).toEqual({ a: ['2', '1'], b: 'x' });
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
