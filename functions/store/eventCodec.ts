/**
 * The stored form of a recorded event: the `event` attribute of its history item (items.ts). A DynamoDB write unit
 * is 1 KB of item (names and values; a binary value counts its bytes), and the event's JSON alone is 0.4–2.1 KB for
 * the providers' delivery reports, so stored as text it made the history item a 2-unit write. Compressed, the whole
 * item of every provider's typical delivery report is under 1 KB: one unit.
 *
 * ```
 * binary value:  [version byte][payload]
 *   version 1    deflate-raw of the event's UTF-8 JSON with the preset dictionary EVENT_DICTIONARY_V1
 * string value:  the event's JSON as text (items written before this form; still read, never written)
 * ```
 *
 * The dictionary is part of the format: version 1 items can only be read with its exact bytes, so it never changes
 * (`eventDictionaryV1.ts`). The compression level is not part of it: any deflate stream inflates the same.
 *
 * Measured on the typical delivery report of each of the 19 providers (21 events; Node 24, node:zlib): the event
 * JSON against what it is stored as, and the CPU per event over three runs on a shared, loaded 2-core machine (only
 * the order of magnitude holds):
 *
 * ```
 * form                                  bytes (sum)  Telnyx, the largest   encode        decode
 * JSON text (before)                       22,348        2,123              —             —
 * brotli, text mode, quality 5              8,984          780              60–240 µs     9–56 µs
 * brotli, quality 11                        8,274          702              ~1.4 ms       ~11 µs
 * deflate-raw, level 9, no dictionary       9,635          825              40–60 µs      9–34 µs
 * deflate-raw, level 6, dictionary v1       5,181          437              95–135 µs     20–36 µs
 * ```
 *
 * Brotli's built-in dictionary is English and web text; a preset dictionary of our own keys and the providers'
 * report shapes saves 40 % more on items this small, which is what takes the largest (Telnyx, 2.6 KB as text) under
 * 1 KB with its queryable attributes. zstd (in node:zlib, experimental in Node 24) with a dictionary came out a few
 * per cent larger than deflate on these items, and an experimental API is no base for a stored format. The ~0.1 ms
 * of CPU per new event (most of it setting the 9 KB dictionary) is about 0.4 ms billed at 512 MB: $0.003 per million
 * events, against the $0.56 the second write unit cost.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { EVENT_DICTIONARY_V1 } from './eventDictionaryV1';

/** The version byte of the form {@link encodeEvent} writes. */
export const EVENT_FORM_VERSION = 1;

/** zlib's default level: the same size as level 9 on items this small, and less CPU on a large one. */
const LEVEL = 6;

/** `json` (a normalized event's JSON) in the stored form, version {@link EVENT_FORM_VERSION}. */
export function encodeEvent(json: string): Uint8Array {
  const payload = deflateRawSync(json, { level: LEVEL, dictionary: EVENT_DICTIONARY_V1 });
  const stored = Buffer.allocUnsafe(payload.length + 1);
  stored[0] = EVENT_FORM_VERSION;
  payload.copy(stored, 1);
  return stored;
}

/** The event's JSON from its stored form: either version's binary value, or the JSON text of older items. */
export function decodeEventJson(stored: Uint8Array | string): string {
  if (typeof stored === 'string') return stored;
  // isView, not instanceof: a Uint8Array made in another realm (a vm context, a test runner's) is one all the same.
  if (!ArrayBuffer.isView(stored) || stored.length === 0) throw new TypeError('history item without a stored event');
  const version = stored[0];
  if (version !== EVENT_FORM_VERSION) {
    throw new TypeError(`history item event in stored form version ${version}, which this code does not know (it knows 1 and JSON text)`);
  }
  return inflateRawSync(stored.subarray(1), { dictionary: EVENT_DICTIONARY_V1 }).toString('utf8');
}
