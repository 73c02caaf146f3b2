import { createHash } from 'node:crypto';

/**
 * A deterministic event id from the provider's own identity of the event (its event id, or the fields that make
 * one delivery of one status unique). A provider retry of the same event yields the same id, which is what makes
 * the consumer's writes idempotent. 128 bits of SHA-256, hex.
 */
export function eventIdOf(provider: string, ...identity: ReadonlyArray<string | number | undefined | null>): string {
  const hash = createHash('sha256').update(provider);
  for (const part of identity) hash.update('\u0000').update(part === undefined || part === null ? '' : String(part));
  return hash.digest('hex').slice(0, 32);
}
