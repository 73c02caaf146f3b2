/**
 * The schemes of senders that cannot sign: values they present as they are (static headers set in a console, a URL
 * token, HTTP Basic, credentials inside the body) and the address they come from. Each presented value is compared in
 * constant time against every accepted value, without stopping at the first match.
 *
 * Rules where providers are silent, chosen for safety:
 * - A repeated credential header is refused: API Gateway joins repeated headers with `,`, so the joined value never
 *   equals a configured one; there is no "first value wins" rule to exploit.
 * - A `{token}` segment is required only when `tokens` is configured; one sent to a provider without tokens is
 *   ignored (the route exists for every provider).
 * - Every configured header is checked even after one failed, so the time taken does not say which one.
 */
import { digest, matchesAny } from '../compare';
import { ipAllowList, type IpAllowList } from '../cidr';
import type { ProviderCredentials } from '../credentials';
import { encodeForm, parseForm } from '../form';
import { withJsonFields } from '../json-fields';
import { queryOf } from '../url';
import {
  signingNotBundled,
  SIGNS,
  ACCEPTED,
  refuse,
  type OriginRequest,
  type OriginScheme,
  type OutgoingRequest,
  type Refusal,
  type Verdict,
} from '../types';

/** Per document object (a credential source hands out the same object until it re-reads): digests made once. */
function memo<T>(build: (credentials: ProviderCredentials) => T): (credentials: ProviderCredentials) => T {
  const cache = new WeakMap<ProviderCredentials, T>();
  return (credentials) => {
    let value = cache.get(credentials);
    if (value === undefined) {
      value = build(credentials);
      cache.set(credentials, value);
    }
    return value;
  };
}

const withHeaders = (request: OutgoingRequest, headers: Record<string, string>): OutgoingRequest => ({
  ...request,
  headers: { ...request.headers, ...headers },
});

const compiledHeaders = memo((credentials) =>
  Object.entries(credentials.headers ?? {}).map(([name, values]) => ({ name, lowerName: name.toLowerCase(), digests: values.map(digest) })),
);

/** Every header the document lists must be present and equal one of its values (names case-insensitive). */
export const staticHeaders: OriginScheme = {
  name: 'headers',
  keys: ['headers'],
  admits: true,
  verify(request, credentials) {
    let failure: Refusal | undefined;
    for (const header of compiledHeaders(credentials)) {
      const presented = request.headers[header.lowerName];
      const outcome =
        presented === undefined || presented === ''
          ? refuse('missing_header', header.name)
          : matchesAny(presented, header.digests)
            ? undefined
            : refuse('header_mismatch', header.name);
      failure ??= outcome;
    }
    return failure ?? ACCEPTED;
  },
  sign: !SIGNS
    ? signingNotBundled
    : (request, { credentials }) => {
        const headers: Record<string, string> = {};
        for (const [name, values] of Object.entries(credentials.headers ?? {})) headers[name] = values[0];
        return withHeaders(request, headers);
      },
};

const compiledTokens = memo((credentials) => (credentials.tokens ?? []).map(digest));

/** The `{token}` path segment must equal one of `tokens`. */
export const urlToken: OriginScheme = {
  name: 'url-token',
  keys: ['tokens'],
  admits: true,
  verify(request, credentials) {
    const token = request.token;
    if (token === undefined || token === '') return refuse('missing_token');
    return matchesAny(token, compiledTokens(credentials)) ? ACCEPTED : refuse('token_mismatch');
  },
  sign: !SIGNS
    ? signingNotBundled
    : (request, { credentials }) => {
        const token = credentials.tokens?.[0];
        if (token === undefined) return request;
        const [base, query] = request.url.split(/(?=[?#])/, 2);
        return { ...request, url: `${base.replace(/\/+$/, '')}/${encodeURIComponent(token)}${query ?? ''}` };
      },
};

const compiledIps = memo((credentials): IpAllowList | undefined => (credentials.allowedIps ? ipAllowList(credentials.allowedIps) : undefined));

/** The source address must fall in one of `allowedIps`. Narrows who gets in; never admits on its own. */
export const sourceIps: OriginScheme = {
  name: 'source-ip',
  keys: ['allowedIps'],
  admits: false,
  verify(request, credentials) {
    return compiledIps(credentials)?.allows(request.sourceIp) === false ? refuse('source_ip_not_allowed') : ACCEPTED;
  },
  sign: (request) => request,
};

/** The deployment's own allow-list (the stack's `allowedIps`), checked besides the document's. */
export function deploymentSourceIps(cidrs: readonly string[]): (request: OriginRequest) => Verdict {
  const list = ipAllowList(cidrs);
  return (request) => (list.allows(request.sourceIp) ? ACCEPTED : refuse('source_ip_not_allowed'));
}

const compiledBasic = memo((credentials) => (credentials.basicAuth ?? []).map(({ username, password }) => digest(`${username}:${password}`)));

/** `Authorization: Basic base64(user:password)` must name one of the `basicAuth` pairs. */
export const basicAuth: OriginScheme = {
  name: 'basic-auth',
  keys: ['basicAuth'],
  admits: true,
  secretHeaders: ['authorization'],
  verify(request, credentials) {
    const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) return refuse('missing_credentials', 'Authorization');
    const presented = Buffer.from(match[1], 'base64').toString('utf8');
    return matchesAny(presented, compiledBasic(credentials)) ? ACCEPTED : refuse('credentials_mismatch', 'Authorization');
  },
  sign: !SIGNS
    ? signingNotBundled
    : (request, { credentials }) => {
        const pair = credentials.basicAuth?.[0];
        if (!pair) return request;
        return withHeaders(request, { authorization: `Basic ${Buffer.from(`${pair.username}:${pair.password}`).toString('base64')}` });
      },
};

/**
 * The top-level fields a body carries: a JSON object's (values as text), a form body's, or for a GET the query's.
 * Parsed here for the one scheme that needs it, before the adapter parses anything; an unreadable body yields none.
 */
function fieldsOf(request: Pick<OriginRequest, 'method' | 'url' | 'headers' | 'body'>): Map<string, string> {
  const fields = new Map<string, string>();
  const contentType = request.headers['content-type']?.split(';')[0].trim().toLowerCase() ?? '';
  if (request.method === 'GET' || request.body.length === 0) {
    for (const [name, value] of parseForm(queryOf(request.url))) if (!fields.has(name)) fields.set(name, value);
    return fields;
  }
  if (contentType.includes('json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body.toString('utf8').replace(/^\uFEFF/, ''));
    } catch {
      return fields;
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string' || typeof value === 'number') fields.set(name, String(value));
    }
    return fields;
  }
  for (const [name, value] of parseForm(request.body.toString('utf8'))) if (!fields.has(name)) fields.set(name, value);
  return fields;
}

const compiledBody = memo((credentials) =>
  (credentials.bodyCredentials ?? []).map((set) => Object.entries(set).map(([field, value]) => ({ field, digest: digest(value) }))),
);

/**
 * Credentials inside the body (InnoPaaS SMS): every field of one `bodyCredentials` set must be present with its
 * value. Every set is checked in full, matched or not.
 */
export const bodyCredentials: OriginScheme = {
  name: 'body-credentials',
  keys: ['bodyCredentials'],
  admits: true,
  verify(request, credentials) {
    const fields = fieldsOf(request);
    let matched = 0;
    let anyPresent = false;
    for (const set of compiledBody(credentials)) {
      let all = 1;
      for (const { field, digest: expected } of set) {
        const presented = fields.get(field);
        if (presented !== undefined) anyPresent = true;
        all &= presented !== undefined && matchesAny(presented, [expected]) ? 1 : 0;
      }
      matched |= all;
    }
    if (matched === 1) return ACCEPTED;
    return anyPresent ? refuse('credentials_mismatch', 'body') : refuse('missing_credentials', 'body');
  },
  sign: !SIGNS
    ? signingNotBundled
    : (request, { credentials }) => {
        const set = credentials.bodyCredentials?.[0];
        if (!set) return request;
        const contentType = request.headers['content-type'] ?? '';
        if (request.method === 'GET') {
          const separator = request.url.includes('?') ? '&' : '?';
          return { ...request, url: `${request.url}${separator}${encodeForm(set)}` };
        }
        if (contentType.includes('json')) return { ...request, body: withJsonFields(request.body, set) };
        const text = request.body.toString('utf8');
        return { ...request, body: Buffer.from(`${text}${text ? '&' : ''}${encodeForm(set)}`) };
      },
};
