/**
 * How a message id goes into the lookup URL (`GET /messages/{provider}/{messageId}`). Pure and dependency-free, so
 * scripts (`npm start`'s quick start) can build lookup URLs without loading the functions.
 */
import { BadRequestError } from '../core/errors';

/** Marks a `{messageId}` segment that is the base64url of the id's UTF-8 bytes. */
export const ENCODED_ID_PREFIX = '~';

/** Characters an id may hold and still be sent as itself: unreserved in a URL, unchanged by any decoding. */
const PLAIN_ID = /^[A-Za-z0-9._:-]+$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The `{messageId}` segment that addresses `messageId` on the local gateway and on API Gateway alike: the id itself
 * when it holds only letters, digits, `.`, `_`, `:` and `-`, else `~` + base64url of its UTF-8 bytes.
 *
 * @example messageIdSegment('SM1234') === 'SM1234'; messageIdSegment('a/b') === '~YS9i'
 */
export function messageIdSegment(messageId: string): string {
  return PLAIN_ID.test(messageId) ? messageId : `${ENCODED_ID_PREFIX}${Buffer.from(messageId, 'utf8').toString('base64url')}`;
}

/** A `~` segment's id: strict base64url of well-formed UTF-8, else a 400 naming `messageId`. */
export function decodeIdSegment(encoded: string): string {
  const bytes = Buffer.from(encoded, 'base64url');
  if (!BASE64URL.test(encoded) || bytes.toString('base64url') !== encoded) {
    throw new BadRequestError(`after "${ENCODED_ID_PREFIX}" must be the base64url of the id (no padding)`, 'messageId');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError(`after "${ENCODED_ID_PREFIX}" must be the base64url of UTF-8 text`, 'messageId');
  }
}
