/**
 * Per-recipient message ids, for providers whose one message goes to several recipients, each with its own status
 * (Telnyx `to[]`, MessageBird `recipients`). The store keys a status by message id, so each recipient needs an id of
 * its own; the phone number cannot be it, because message ids are logged and a whole phone number must never be.
 * The recipient's part is a short hash of the number's digits instead: callers who know the message id and the number
 * compute the same id with {@link recipientMessageIdOf}.
 */
import { createHash } from 'node:crypto';

/** `+1 (555) 010-0001` and `15550100001` are one recipient: only the digits count. */
export function recipientKeyOf(number: string): string {
  return createHash('sha256').update(number.replace(/\D/g, '')).digest('hex').slice(0, 12);
}

/**
 * The message id of one recipient of a provider message: `<provider message id>:<first 12 hex digits of SHA-256 of
 * the recipient's digits>`.
 *
 * @example recipientMessageIdOf('40385f64-5717-4562-b3fc-2c963f66afa6', '+18665550001') // '40385f64-…:<12 hex>'
 */
export function recipientMessageIdOf(messageId: string, number: string): string {
  return `${messageId}:${recipientKeyOf(number)}`;
}
