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
 */
import * as z from 'zod/mini';
import { isCidr } from './cidr';

const nonEmpty = () => z.string().check(z.minLength(1), z.maxLength(4096));
const several = <S extends z.ZodMiniType>(schema: S) => z.optional(z.array(schema).check(z.minLength(1)));

/** Longest account identifier: appKeys and project ids are short; this only bounds the document. */
export const MAX_ACCOUNT_LENGTH = 256;

/** HTTP token characters: what a header name may be. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export const ProviderCredentialsSchema = z.strictObject({
  /** Header name → accepted values. Names are compared case-insensitively. */
  headers: z.optional(z.record(z.string().check(z.regex(HEADER_NAME)), z.array(nonEmpty()).check(z.minLength(1)))),
  /** Accepted `{token}` path segments. */
  tokens: several(nonEmpty()),
  /** CIDRs (IPv4 or IPv6; a bare address is one host) the source IP must fall in. Never a credential alone. */
  allowedIps: several(z.string().check(z.refine(isCidr, 'not a CIDR'))),
  /** The keys the provider signs with: HMAC secrets, an auth token, an Ed25519 public key, a JWT secret. */
  signingKeys: several(nonEmpty()),
  /** Handshake tokens (Meta's `hub.verify_token`). */
  verifyTokens: several(nonEmpty()),
  /** HTTP Basic user name and password pairs. */
  basicAuth: several(z.strictObject({ username: nonEmpty(), password: nonEmpty() })),
  /** Field → value sets the provider puts in its body (InnoPaaS SMS's user name and password); every field must match. */
  bodyCredentials: several(z.record(z.string().check(z.minLength(1), z.maxLength(64)), nonEmpty())),
  /**
   * Our own account identifiers at the provider (NHN appKey, Twilio AccountSid, Meta phone number id): an event that
   * names an account not listed is refused. An identifier, not a secret: compared exactly, and never a credential
   * on its own.
   */
  accounts: several(z.string().check(z.minLength(1), z.maxLength(MAX_ACCOUNT_LENGTH))),
});

export type ProviderCredentials = z.infer<typeof ProviderCredentialsSchema>;

/** Every key of the document, in the order docs list them. */
export const CREDENTIAL_KEYS = Object.keys(ProviderCredentialsSchema.def.shape) as Array<keyof ProviderCredentials>;
