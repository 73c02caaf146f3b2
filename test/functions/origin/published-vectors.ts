/**
 * Providers' published signature vectors that more than one suite checks: the primitive in `vectors.test.ts`, the
 * adapter's scheme in the provider's own suite. Written once here, each with its source.
 */

/** A Twilio form vector: what it shows, the URL, the POST parameters and `X-Twilio-Signature`. */
export type TwilioFormVector = readonly [name: string, url: string, params: Readonly<Record<string, string | string[]>>, signature: string];

/** A Twilio JSON vector: what it shows, the URL carrying `bodySHA256`, the body and `X-Twilio-Signature`. */
export type TwilioJsonVector = readonly [name: string, url: string, body: string, signature: string];

/** The auth token every Twilio vector is signed with. */
export const TWILIO_AUTH_TOKEN = '12345';

/** The POST parameters of most Twilio form vectors (a voice call's). */
export const TWILIO_CALL_PARAMS: Readonly<Record<string, string>> = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};

/** The URL of the first form vector, and its signature: the one Twilio's other cases are variations of. */
export const TWILIO_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
export const TWILIO_SIGNATURE = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

// Source: twilio/twilio-node @ 45d3d65a, spec/validation.spec.js; twilio/twilio-python @ 306691e7,
// tests/unit/test_request_validator.py (the cases both SDKs test carry the same values).
export const TWILIO_FORM_VECTORS: readonly TwilioFormVector[] = [
  ['URL as configured', TWILIO_URL, TWILIO_CALL_PARAMS, TWILIO_SIGNATURE],
  ['https without port, signed with :443', TWILIO_URL, TWILIO_CALL_PARAMS, 'kvajT1Ptam85bY51eRf/AJRuM3w='],
  ['https with :1234, signed without the port', 'https://mycompany.com:1234/myapp.php?foo=1&bar=2', TWILIO_CALL_PARAMS, TWILIO_SIGNATURE],
  ['http with :1234 kept', 'http://mycompany.com:1234/myapp.php?foo=1&bar=2', TWILIO_CALL_PARAMS, 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU='],
  ['http without port, signed with :80', 'http://mycompany.com/myapp.php?foo=1&bar=2', TWILIO_CALL_PARAMS, '0ZXoZLH/DfblKGATFgpif+LLRf4='],
  ['credentials in the URL', 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', TWILIO_CALL_PARAMS, 'CukzLTc1tT5dXEDIHm/tKBanW10='],
  ['user name only in the URL', 'https://user@mycompany.com/myapp.php?foo=1&bar=2', TWILIO_CALL_PARAMS, '2YRLlVAflCqxaNicjMpJcSTgzSs='],
  ['credentials, signed with :443', 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', TWILIO_CALL_PARAMS, 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI='],
  [
    'an apostrophe in the query (signed as %27)',
    "https://mycompany.com/myapp.php?foo=1&bar=2&Body=It's+amazing",
    TWILIO_CALL_PARAMS,
    'TfZzewPq8wqrGlMfyAud8+/IvJ0=',
  ],
  ['a repeated parameter', TWILIO_URL, { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] }, '83O6e2vORAoJHUNzJjDWN1jz+BA='],
  [
    'a repeated parameter with a duplicate value',
    TWILIO_URL,
    { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] },
    'IK+Dwps556ElfBT0I3Rgjkr1wJU=',
  ],
];

// Source: twilio/twilio-node @ 45d3d65a, spec/validation.spec.js (validateRequestWithBody); the first also in
// twilio/twilio-python @ 306691e7, tests/unit/test_request_validator.py.
export const TWILIO_JSON_VECTORS: readonly TwilioJsonVector[] = [
  [
    'bodySHA256 among other query parameters',
    'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620',
    '{"property": "value", "boolean": true}',
    'a9nBmqA0ju/hNViExpshrM61xv4=',
  ],
  [
    'body {}, signed with :443',
    'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    '{}',
    'Ldidvp12m26NI7eqEvxnEpkd9Hc=',
  ],
  [
    'bodySHA256 the only parameter',
    'https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620',
    '{"property": "value", "boolean": true}',
    'y77kIzt2vzLz71DgmJGsen2scGs=',
  ],
];

/** Twilio's published invalid cases (same sources): each must be refused with {@link TWILIO_AUTH_TOKEN}. */
export const TWILIO_INVALID = {
  /** A JSON body whose URL carries no `bodySHA256`, with the first form vector's signature. */
  jsonWithoutBodyHash: { url: TWILIO_URL, body: '{"property": "value", "boolean": true}', signature: TWILIO_SIGNATURE },
  /** A query parameter added after signing (by a proxy) to the first form vector. */
  queryAddedAfterSigning: { url: `${TWILIO_URL}&somethingUnexpected=true`, params: TWILIO_CALL_PARAMS, signature: TWILIO_SIGNATURE },
} as const;

/** The body Meta's `X-Hub-Signature-256` vectors sign. */
export const META_SIGNED_BODY = 'test';

// Source: WhatsApp/WhatsApp-Nodejs-SDK @ 58ca3d5f (Meta's own SDK), src/__tests__/utils.test.ts with jest.config.ts
// M4D_APP_SECRET = 'TEST_APP_SECRET'; published by Meta.
// Source: https://hexdocs.pm/whatsapp_sdk/WhatsApp.Webhook.html (whatsapp_sdk v0.1.0, compute_signature doc-test);
// third party, the same primitive.
/** App secret and `X-Hub-Signature-256` of {@link META_SIGNED_BODY}. */
export const META_SIGNATURE_VECTORS: ReadonlyArray<readonly [secret: string, header: string]> = [
  ['TEST_APP_SECRET', 'sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221'],
  ['secret', 'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914'],
];

/** A Sinch signature vector: the secret, the body as sent, and the nonce, timestamp and signature headers' values. */
export interface SinchVector {
  readonly secret: string;
  readonly body: string;
  readonly nonce: string;
  readonly timestamp: string;
  readonly signature: string;
}

// Source: sinch/sinch-sdk-node @ affb35e5, packages/sms/tests/rest/v1/callbacks/callbacks-webhook.test.ts: the body
// (byte for byte a recipient_delivery_report_sms), secret, nonce, timestamp and signature of Sinch's SMS test.
export const SINCH_SMS_VECTOR: SinchVector = {
  secret: 'SMSWebhooksSecret',
  body: '{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}',
  nonce: '01JHFFHWYY7HSS4FWTMDTQEK8V',
  timestamp: '1736760161',
  signature: 'ZoHei66PPN/kZjw7hFVfGhJOnml3iGNCMWoyQVcE5o0=',
};
