/**
 * What providers sign, as payload builders for the signature schemes. Each returns the candidates a provider may
 * have signed; any one matching is enough (a URL with or without its default port, say).
 */
import { sha256Hex } from './compare';
import type { Payload } from './schemes/signed';
import type { FormParams } from './types';
import { queryOf, urlVariants, withoutQuery } from './url';
import { parseForm } from './form';

/** The raw body bytes (Meta's `X-Hub-Signature-256`). */
export const rawBody: Payload = (parts) => [parts.body];

/**
 * Twilio's form signing: the URL as called (with and without the default port) followed by each parameter name in
 * sorted order with its value; a repeated name contributes each value, values sorted.
 */
export const urlWithSortedParams: Payload = (parts) => {
  const suffix = sortedParamString(parts.formParams());
  return urlVariants(parts.url).map((url) => url + suffix);
};

/** `name+value` for each parameter, names sorted; a repeated name's distinct values, sorted (Twilio's order). */
export function sortedParamString(params: FormParams): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of params) byName.set(name, [...(byName.get(name) ?? []), value]);
  return [...byName.keys()]
    .sort()
    .map((name) =>
      [...new Set(byName.get(name))]
        .sort()
        .map((value) => name + value)
        .join(''),
    )
    .join('');
}

/** The `bodySHA256` query parameter a URL carries, if any. */
export const bodyHashParamOf = (url: string): string | undefined => parseForm(queryOf(url)).find(([name]) => name === 'bodySHA256')?.[1];

/**
 * Twilio's JSON signing: the URL (carrying `bodySHA256`, the hex SHA-256 of the raw body) with no parameters. A URL
 * whose `bodySHA256` is not the body's hash signs nothing (no candidate), so the request is refused.
 */
export const urlCarryingBodyHash: Payload = (parts) => {
  const claimed = bodyHashParamOf(parts.url);
  if (claimed === undefined || claimed.toLowerCase() !== sha256Hex(parts.body)) return [];
  return urlVariants(parts.url);
};

/** Plivo V2: `scheme://host[:port]/path` (no query) followed by the nonce. */
export const urlAndNonce: Payload = (parts) => urlVariants(withoutQuery(parts.url)).map((url) => url + (parts.nonce ?? ''));

/** Sinch: `body.nonce.timestamp`. */
export const bodyNonceTimestamp: Payload = (parts) => [Buffer.concat([parts.body, Buffer.from(`.${parts.nonce ?? ''}.${parts.timestamp ?? ''}`)])];

/** `timestamp` + separator + body (Telnyx: `timestamp|body`). */
export const timestampThenBody =
  (separator: string): Payload =>
  (parts) => [Buffer.concat([Buffer.from(`${parts.timestamp ?? ''}${separator}`), parts.body])];

/** Standard Webhooks: `webhook-id.webhook-timestamp.body`. */
export const idTimestampBody =
  (idHeader: string): Payload =>
  (parts) => [Buffer.concat([Buffer.from(`${parts.headers[idHeader] ?? ''}.${parts.timestamp ?? ''}.`), parts.body])];
