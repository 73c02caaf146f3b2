/**
 * The credentials document's check, written by hand to keep zod's record and strict-object kinds out of every ingest
 * bundle, against the zod/mini schema it replaced (kept here as the reference): every entry below gets the same
 * verdict and, when refused, the same problem naming the same field, as `validate` reported it for the schema.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../../../functions/core/errors';
import { isCidr } from '../../../functions/origin/cidr';
import { CREDENTIAL_KEYS, MAX_ACCOUNT_LENGTH, parseProviderCredentials } from '../../../functions/origin/credentials';
import { validate } from '../../../functions/providers/common';
import devCredentials from '../../../config/credentials.dev.json';

const nonEmpty = () => z.string().check(z.minLength(1), z.maxLength(4096));
const several = <S extends z.ZodMiniType>(schema: S) => z.optional(z.array(schema).check(z.minLength(1)));
const REFERENCE = z.strictObject({
  headers: z.optional(z.record(z.string().check(z.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/)), z.array(nonEmpty()).check(z.minLength(1)))),
  tokens: several(nonEmpty()),
  allowedIps: several(z.string().check(z.refine(isCidr, 'not a CIDR'))),
  signingKeys: several(nonEmpty()),
  verifyTokens: several(nonEmpty()),
  basicAuth: several(z.strictObject({ username: nonEmpty(), password: nonEmpty() })),
  bodyCredentials: several(z.record(z.string().check(z.minLength(1), z.maxLength(64)), nonEmpty())),
  accounts: several(z.string().check(z.minLength(1), z.maxLength(MAX_ACCOUNT_LENGTH))),
});

/** `ok` and the parsed entry, or the problem as the ingest logs it (`InvalidCredentialsError.detail`). */
function outcome(check: (entry: unknown) => unknown, entry: unknown): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: check(entry) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { ok: false, problem: error.message };
  }
}

const long = (n: number) => 'k'.repeat(n);

const ENTRIES: ReadonlyArray<readonly [string, unknown]> = [
  ['an empty entry', {}],
  ['headers', { headers: { 'X-Toast-Webhook-Signature': ['a', 'b'] } }],
  [
    'every key',
    {
      headers: { A: ['x'] },
      tokens: ['t'],
      allowedIps: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
      signingKeys: ['s'],
      verifyTokens: ['v'],
      basicAuth: [{ username: 'u', password: 'p' }],
      bodyCredentials: [{ receiver: 'acme', pswd: 's3cret' }],
      accounts: ['a'],
    },
  ],
  ['a value at the length limit', { tokens: [long(4096)] }],
  ['a body field at its limit', { bodyCredentials: [{ [long(64)]: 'x' }] }],
  ['an account at its limit', { accounts: [long(MAX_ACCOUNT_LENGTH)] }],
  ['a list', []],
  ['null', null],
  ['a string', 'tokens'],
  ['an unknown key', { header: { A: ['x'] } }],
  ['an unknown key after a bad known one', { header: 'x', tokens: [] }],
  ['an unknown key beside a good one', { tokens: ['t'], extra: 1 }],
  ['a __proto__ key at the top', JSON.parse('{"tokens":["t"],"__proto__":{"x":1}}')],
  ['a __proto__ header', JSON.parse('{"headers":{"A":["x"],"__proto__":[""]}}')],
  ['an empty accepted value', { headers: { A: [''] } }],
  ['a header with no accepted value', { headers: { A: [] } }],
  ['a header value that is not a list', { headers: { A: 'x' } }],
  ['a header value that is a number', { headers: { A: [1] } }],
  ['headers as a list', { headers: [['A', ['x']]] }],
  ['headers as a string', { headers: 'A: x' }],
  ['a header name with a space', { headers: { 'User Name': ['x'] } }],
  ['an empty header name', { headers: { '': ['x'] } }],
  ['a bad header name before a bad value', { headers: { 'A B': [''] } }],
  ['a bad value before a bad header name', { headers: { A: [''], 'B C': ['x'] } }],
  ['an empty token list', { tokens: [] }],
  ['a single string instead of a list', { tokens: 'token' }],
  ['a token too long', { tokens: ['t', long(4097)] }],
  ['a null token', { tokens: [null] }],
  ['a value that is not a CIDR', { tokens: ['t'], allowedIps: ['203.0.113.0/33'] }],
  ['an address that is a number', { allowedIps: [3232235777] }],
  ['an empty signing key', { signingKeys: [''] }],
  ['verify tokens as an object', { verifyTokens: { a: 'b' } }],
  ['a basic auth pair without a password', { basicAuth: [{ username: 'u' }] }],
  ['a basic auth pair with an extra key', { basicAuth: [{ username: 'u', password: 'p', realm: 'r' }] }],
  ['a basic auth pair with an empty user', { basicAuth: [{ username: '', password: 'p' }] }],
  ['a basic auth pair that is a string', { basicAuth: ['u:p'] }],
  ['an empty basic auth list', { basicAuth: [] }],
  ['a body credential with an empty field name', { bodyCredentials: [{ '': 'x' }] }],
  ['a body credential with a long field name', { bodyCredentials: [{ [long(65)]: 'x' }] }],
  ['a body credential with an empty value', { bodyCredentials: [{ pswd: '' }] }],
  ['a body credential that is a list', { bodyCredentials: [['pswd', 'x']] }],
  ['an empty accounts list', { tokens: ['t'], accounts: [] }],
  ['an empty account', { tokens: ['t'], accounts: ['a', ''] }],
  ['an account longer than the limit', { tokens: ['t'], accounts: [long(MAX_ACCOUNT_LENGTH + 1)] }],
  ['an account that is a number', { tokens: ['t'], accounts: [12345] }],
  ['two bad keys (the first in document order is named)', { accounts: [], tokens: [''] }],
];

describe('the credentials document check', () => {
  it.each(ENTRIES)('answers %s as the zod schema did', (_name, entry) => {
    expect(outcome(parseProviderCredentials, entry)).toEqual(outcome((value) => validate(REFERENCE, value), entry));
  });

  it('names the field and the problem, never the value', () => {
    expect(outcome(parseProviderCredentials, { headers: { 'X-Toast-Webhook-Signature': ['s3cret', ''] } })).toEqual({
      ok: false,
      problem: 'headers.X-Toast-Webhook-Signature.1: too small',
    });
    expect(outcome(parseProviderCredentials, { allowedIps: ['10.0.0.0/99'] })).toEqual({ ok: false, problem: 'allowedIps.0: not a CIDR' });
    expect(outcome(parseProviderCredentials, { tokens: ['t'], header: ['x'] })).toEqual({ ok: false, problem: 'unrecognized keys' });
  });

  it('accepts every entry of the dev file as the zod schema did', () => {
    for (const [key, entry] of Object.entries(devCredentials)) {
      if (key.startsWith('_')) continue;
      const clean = Object.fromEntries(Object.entries(entry as object).filter(([name]) => !name.startsWith('_')));
      expect(outcome(parseProviderCredentials, clean)).toEqual(outcome((value) => validate(REFERENCE, value), clean));
    }
  });

  it('lists the keys in the order the schema did', () => {
    expect(CREDENTIAL_KEYS).toEqual(Object.keys(REFERENCE.def.shape));
  });
});
