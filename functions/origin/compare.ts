/**
 * Constant-time comparison. Values are compared as SHA-256 digests, so the time taken depends neither on where two
 * values first differ nor on their lengths, and a list of accepted values is walked to the end whatever matched.
 */
import { createHash, hash, timingSafeEqual } from 'node:crypto';

export type Digest = Buffer;

// One call (`crypto.hash`, Node ≥ 20.12) where there is one: presented values are digested on every request.
export const digest: (value: string | Buffer) => Digest =
  typeof hash === 'function' ? (value) => hash('sha256', value, 'buffer') : (value) => createHash('sha256').update(value).digest();

/** Whether `presented` equals one of `accepted` (digests of the accepted values), in constant time. */
export function matchesAny(presented: string | Buffer, accepted: readonly Digest[]): boolean {
  const candidate = digest(presented);
  let matched = 0;
  for (const value of accepted) matched |= timingSafeEqual(candidate, value) ? 1 : 0;
  return matched === 1;
}

/** Whether `a` equals `b`, in time that does not depend on their contents or lengths. */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether any of `presented` equals any of `expected`, checking every pair (no early exit). */
export function anyEqual(presented: readonly (string | Buffer)[], expected: readonly (string | Buffer)[]): boolean {
  let matched = 0;
  const expectedDigests = expected.map(digest);
  for (const value of presented) matched |= matchesAny(value, expectedDigests) ? 1 : 0;
  return matched === 1;
}

/** SHA-256 of `value`, lower-case hex (body hashes in URLs and JWT claims). */
export const sha256Hex = (value: string | Buffer): string => digest(value).toString('hex');
