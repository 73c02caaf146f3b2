/**
 * `application/x-www-form-urlencoded`, the way providers send it: `+` is a space, percent-escapes are UTF-8, repeated
 * names are kept in order (Twilio signs each value, Vonage and Plivo send repeated keys). A malformed escape is kept
 * as written rather than refused: the signature was computed over what the provider meant, and a `%` in a text
 * is more likely than an attack.
 */
import type { FormParams } from './types';

function decode(component: string): string {
  const spaced = component.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Parses a form body or a query string into ordered `[name, value]` pairs, repeated names kept. */
export function parseForm(text: string): FormParams {
  const pairs: Array<readonly [string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))]);
  }
  return pairs;
}

/** Form-encodes pairs (the inverse of {@link parseForm}), for tools that build provider requests. */
export function encodeForm(pairs: FormParams | Readonly<Record<string, string | readonly string[]>>): string {
  const entries: Array<readonly [string, string]> = Array.isArray(pairs)
    ? [...(pairs as FormParams)]
    : Object.entries(pairs as Record<string, string | readonly string[]>).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((one) => [name, one as string] as const),
      );
  return entries.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`.replace(/%20/g, '+')).join('&');
}

/**
 * A prototype-free record of the pairs: a single value as a string, a repeated name as an array of its values in
 * order. What adapters validate.
 */
export function formRecord(pairs: FormParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of pairs) {
    const existing = out[name];
    out[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}
