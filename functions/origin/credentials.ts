/**
 * One provider's entry of the credentials document, validated. Every key is optional and takes several values, so
 * any of them can be rotated without downtime. Which keys a provider may use is decided by its schemes
 * (`verify.ts`): a key none of them reads makes the document invalid rather than being ignored.
 *
 * ```json
 * { "headers": { "X-Toast-Webhook-Signature": ["current", "previous"] },
 *   "tokens": ["long-random-url-token"], "allowedIps": ["203.0.113.0/24"],
 *   "signingKeys": ["auth-token-or-app-secret"], "verifyTokens": ["handshake-token"],
 *   "basicAuth": [{ "username": "infobip", "password": "s3cret" }],
 *   "bodyCredentials": [{ "receiver": "acme", "pswd": "s3cret" }], "accounts": ["appKey"] }
 * ```
 *
 * The document is strict: an unknown key (`header`, `allowedIP`) makes it invalid, so a typo can never quietly drop a
 * check. Values must be non-empty, so a blank console field can never match a missing header.
 *
 * Checked by hand rather than with a zod schema: every ingest bundle carries this check, and the zod schema kinds it
 * alone used (records, strict objects, patterns) weighed 3.4–5.5 kB of each bundle's 60 kB allowance
 * (docs/performance.md "Bundle"). The problems it names are the ones `validate` (`providers/common.ts`) would name
 * for the equivalent zod schema, field path and all; `test/functions/origin/credentials.test.ts` holds the two side by side.
 */
import { ValidationError } from '../core/errors';
import { isCidr } from './cidr';

/** Longest account identifier: appKeys and project ids are short; this only bounds the document. */
export const MAX_ACCOUNT_LENGTH = 256;

/** Longest accepted value (a header value, a token, a key). */
const MAX_VALUE_LENGTH = 4096;

/** Longest body field name of `bodyCredentials`. */
const MAX_BODY_FIELD_LENGTH = 64;

/** HTTP token characters: what a header name may be. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export interface ProviderCredentials {
  /** Header name → accepted values. Names are compared case-insensitively. */
  headers?: Record<string, string[]>;
  /** Accepted `{token}` path segments. */
  tokens?: string[];
  /** CIDRs (IPv4 or IPv6; a bare address is one host) the source IP must fall in. Never a credential alone. */
  allowedIps?: string[];
  /** The keys the provider signs with: HMAC secrets, an auth token, an Ed25519 public key, a JWT secret. */
  signingKeys?: string[];
  /** Handshake tokens (Meta's `hub.verify_token`). */
  verifyTokens?: string[];
  /** HTTP Basic user name and password pairs. */
  basicAuth?: Array<{ username: string; password: string }>;
  /** Field → value sets the provider puts in its body (InnoPaaS SMS's user name and password); every field must match. */
  bodyCredentials?: Array<Record<string, string>>;
  /**
   * Our own account identifiers at the provider (NHN appKey, Twilio AccountSid, Meta phone number id): an event that
   * names an account not listed is refused. An identifier, not a secret: compared exactly, and never a credential
   * on its own.
   */
  accounts?: string[];
}

/**
 * A check of one value: returns it (a record without a `__proto__` entry, which zod too skips and leaves out), or
 * throws a `ValidationError` naming its path.
 */
type Check = (value: unknown, path: readonly string[]) => unknown;

/** Empty names are left out of the path, as `validate` leaves them (an empty header name is `headers: invalid key`). */
const fail = (what: string, path: readonly string[]): never => {
  const named = path.filter((segment) => segment !== '');
  throw new ValidationError(what, named.length > 0 ? named.join('.') : undefined);
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string within `min`..`max` characters that `valid` accepts (else `problem`: zod's `invalid format`, or a refine's message). */
const text =
  (min: number, max: number, valid?: (value: string) => boolean, problem = 'invalid format'): Check =>
  (value, path) => {
    if (typeof value !== 'string') return fail('expected string', path);
    if (value.length < min) return fail('too small', path);
    if (value.length > max) return fail('too long', path);
    if (valid && !valid(value)) return fail(problem, path);
    return value;
  };

const nonEmpty = text(1, MAX_VALUE_LENGTH);

/** A non-empty list of values each passing `item`. */
const several =
  (item: Check): Check =>
  (value, path) => {
    if (!Array.isArray(value)) return fail('expected array', path);
    const out = value.map((element, index) => item(element, [...path, String(index)]));
    return out.length > 0 ? out : fail('too small', path);
  };

/** An object whose names pass `key` (a bad name is an `invalid key`) and whose values pass `item`. */
const record =
  (key: Check, item: Check): Check =>
  (value, path) => {
    if (!isPlainObject(value)) return fail('expected record', path);
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(value)) {
      if (name === '__proto__') continue;
      try {
        key(name, []);
      } catch {
        fail('invalid key', [...path, name]);
      }
      out[name] = item(value[name], [...path, name]);
    }
    return out;
  };

/** An object with the keys of `shape` (each optional, or each required); an unknown one is refused after them. */
const strictObject =
  (shape: Readonly<Record<string, Check>>, optional: boolean): Check =>
  (value, path) => {
    if (!isPlainObject(value)) return fail('expected object', path);
    const out: Record<string, unknown> = {};
    for (const [name, check] of Object.entries(shape)) {
      const present = Object.hasOwn(value, name) && value[name] !== undefined;
      if (present || !optional) out[name] = check(value[name], [...path, name]);
    }
    if (Object.keys(value).some((name) => !Object.hasOwn(shape, name))) fail('unrecognized keys', path);
    return out;
  };

/** What each key of the document must hold, in the order docs list them. */
const SHAPE = {
  headers: record(
    text(0, Infinity, (name) => HEADER_NAME.test(name)),
    several(nonEmpty),
  ),
  tokens: several(nonEmpty),
  allowedIps: several(text(0, Infinity, isCidr, 'not a CIDR')),
  signingKeys: several(nonEmpty),
  verifyTokens: several(nonEmpty),
  basicAuth: several(strictObject({ username: nonEmpty, password: nonEmpty }, false)),
  bodyCredentials: several(record(text(1, MAX_BODY_FIELD_LENGTH), nonEmpty)),
  accounts: several(text(1, MAX_ACCOUNT_LENGTH)),
} as const satisfies Record<keyof ProviderCredentials, Check>;

const checkDocument = strictObject(SHAPE, true);

/**
 * Validates one provider's entry (comments already dropped) and returns it, or throws a `ValidationError` naming
 * the first bad field (`headers.X-Toast-Webhook-Signature.0: too small`) and never a value.
 */
export function parseProviderCredentials(entry: unknown): ProviderCredentials {
  return checkDocument(entry, []) as ProviderCredentials;
}

/** Every key of the document, in the order docs list them. */
export const CREDENTIAL_KEYS = Object.keys(SHAPE) as Array<keyof ProviderCredentials>;
