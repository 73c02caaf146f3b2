/**
 * The URL a provider called, and the forms of it that URL-signed schemes sign (Twilio, Plivo, MessageBird).
 *
 * A function behind API Gateway sees its execute-api host, not the custom domain or the proxy the provider called,
 * so the deployment may set a public base URL (`PUBLIC_BASE_URL`); the URL is then that base + the request path +
 * the query string exactly as received. Twilio's own validators accept the URL both without a port and with the
 * default one (`:443`, `:80`), and a published Twilio vector matches only the `:443` form: {@link urlVariants}.
 */

/**
 * The public URL of a request: `base` (no trailing slash) + `path` + `?query` when `base` is set, else
 * `https://host` + `path` + `?query`.
 */
export function publicUrl(parts: { base?: string; host: string; path: string; rawQuery: string }): string {
  const origin = parts.base ? parts.base.replace(/\/+$/, '') : `https://${parts.host}`;
  return `${origin}${parts.path}${parts.rawQuery ? `?${parts.rawQuery}` : ''}`;
}

const DEFAULT_PORT: Readonly<Record<string, string>> = { 'https:': '443', 'http:': '80' };

/** `url` in the WHATWG URL serialization (an apostrophe in the query becomes `%27`), or itself when unparsable. */
function whatwg(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/**
 * The forms of `url` a URL-signed provider may have signed, as its own validators try them: as called, without its
 * port, and with the default port written out when none is given; each also in the WHATWG serialization (Twilio's
 * Node library signs `It's` in a query as `It%27s`). Credentials in the URL and the query stay as they are.
 */
export function urlVariants(url: string): string[] {
  const match = /^(https?:)\/\/([^/?#]*)(.*)$/is.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const portMatch = /^(.*?)(?::(\d*))?$/.exec(authority.slice(at + 1));
  const host = portMatch?.[1] ?? '';
  const port = portMatch?.[2];
  const bare = `${scheme}//${userinfo}${host}${rest}`;
  const forms = [url, bare];
  if (port === undefined) forms.push(`${scheme}//${userinfo}${host}:${DEFAULT_PORT[scheme.toLowerCase()]}${rest}`);
  return [...new Set(forms.flatMap((form) => [form, whatwg(form)]))];
}

/** `url` without its query string and fragment (Plivo V2 signs `scheme://host[:port]/path`). */
export const withoutQuery = (url: string): string => url.replace(/[?#].*$/s, '');

/** The raw query string of `url`, without the `?`. */
export const queryOf = (url: string): string => /\?([^#]*)/.exec(url)?.[1] ?? '';
