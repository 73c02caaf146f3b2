import { createHash, hash } from 'node:crypto';

/** SHA-256 hex of a string in one call (`crypto.hash`, Node ≥ 20.12), else through a `Hash` object. */
const sha256Hex: (text: string) => string =
  typeof hash === 'function' ? (text) => hash('sha256', text, 'hex') : (text) => createHash('sha256').update(text).digest('hex');

/**
 * A deterministic event id from the provider's own identity of the event (its event id, or the fields that make
 * one delivery of one status unique). A provider retry of the same event yields the same id, which is what makes
 * the consumer's writes idempotent. 128 bits of SHA-256, hex.
 *
 * The parts are hashed as one string joined by U+0000, the same bytes as feeding them to one hash one after the
 * other, so ids are unchanged from the first version; one hashing call is about three times cheaper per event.
 */
export function eventIdOf(provider: string, ...identity: ReadonlyArray<string | number | undefined | null>): string {
  let text = provider;
  for (const part of identity) text += `\u0000${part === undefined || part === null ? '' : String(part)}`;
  return sha256Hex(text).slice(0, 32);
}
