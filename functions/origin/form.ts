/**
 * `application/x-www-form-urlencoded`, the way providers send it: `+` is a space, percent-escapes are bytes of the declared charset (UTF-8 by default), repeated
 * names are kept in order (Twilio signs each value, Vonage and Plivo send repeated keys). A malformed escape is kept
 * as written rather than refused: the signature was computed over what the provider meant, and a `%` in a text
 * is more likely than an attack.
 */
import type { FormParams } from './types';

type Decoder = InstanceType<typeof TextDecoder>;

/** A run of percent-escapes: decoded together, since one character may take several bytes. */
const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

function decode(component: string, decoder: Decoder): string {
  return component.replace(/\+/g, ' ').replace(ESCAPES, (run) => {
    const bytes = Uint8Array.from(run.slice(1).split('%'), (hex) => parseInt(hex, 16));
    try {
      return decoder.decode(bytes);
    } catch {
      return run;
    }
  });
}

/** A strict decoder of `charset`; UTF-8 when none or one the runtime does not know is declared. */
function decoderOf(charset: string | undefined): Decoder {
  try {
    return new TextDecoder(charset ?? 'utf-8', { fatal: true });
  } catch {
    return new TextDecoder('utf-8', { fatal: true });
  }
}

/**
 * Parses a form body or a query string into ordered `[name, value]` pairs, repeated names kept. Percent-escapes
 * are bytes of `charset` (a form declared ISO-8859-1 sends `é` as `%E9`); escapes invalid in it stay as written.
 */
export function parseForm(text: string, charset?: string): FormParams {
  const decoder = decoderOf(charset);
  const pairs: Array<readonly [string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [decode(part, decoder), ''] : [decode(part.slice(0, eq), decoder), decode(part.slice(eq + 1), decoder)]);
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
