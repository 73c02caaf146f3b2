/**
 * The local stand-in for API Gateway (HTTP API): a `node:http` server on 127.0.0.1 that turns each request into an
 * API Gateway payload 2.0 event, calls the very handler that runs on AWS, and writes its result back.
 *
 * What it copies from API Gateway, because the handlers depend on it:
 * - header names lower-cased, repeated headers joined with `,`, cookies in `cookies`;
 * - the body as UTF-8 text for text media types, base64 (`isBase64Encoded: true`) for anything else, including a
 *   request with no `Content-Type` and `application/x-www-form-urlencoded` (HTTP APIs do the same, which is why
 *   handlers must decode base64);
 * - `requestContext.http.sourceIp` from the socket, `requestId`, `time`, `timeEpoch`, `routeKey`;
 * - route selection: the route with the most literal segments wins, `{param}` matches one segment.
 *
 * What it adds, because docs/design.md asks for it: 404 for an unknown route, 405 with `Allow` for a known path and the
 * wrong method, and 413 as soon as the body passes the cap: it stops reading instead of buffering an unbounded body.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { OutgoingRequest } from '../functions/origin/types';
import { MethodNotAllowedError, NotFoundError, PayloadTooLargeError, toErrorResponse } from '../functions/core/errors';
import { listenOnLoopback } from './listen';

/** A handler with the shape of an HTTP API Lambda integration. */
export type GatewayHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** One route, as API Gateway declares it: `POST /webhooks/webcom/{token}`. */
export interface GatewayRoute {
  readonly method: string;
  /** Path template; `{name}` matches one non-empty segment and becomes `pathParameters.name` (URL-decoded). */
  readonly path: string;
  readonly handler: GatewayHandler;
  /** Path parameters that are secrets (URL tokens): masked in the access log. */
  readonly secretParameters?: readonly string[];
}

/** What the access log gets for each request: never a body, never a URL token. */
export interface AccessLogEntry {
  readonly method: string;
  /** The path with secret path parameters replaced by `***`. */
  readonly path: string;
  readonly statusCode: number;
  readonly durationMs: number;
  /** The request id the handler saw (`requestContext.requestId`); absent when no route matched. */
  readonly requestId?: string;
  /** Why a refused request was refused (the check and the header by name, never a value), when the pipeline knows. */
  readonly reason?: string;
}

export interface GatewayOptions {
  readonly routes: readonly GatewayRoute[];
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Bodies over this many bytes are answered 413 without being read further. */
  readonly maxBodyBytes: number;
  readonly onAccess?: (entry: AccessLogEntry) => void;
}

export interface Gateway {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits for requests in flight to be answered. */
  stop(): Promise<void>;
}

/** Media types API Gateway passes as text; everything else arrives base64-encoded. */
const TEXT_MEDIA_TYPES = [/^text\//, /^application\/(json|xml|javascript)$/, /^application\/[\w.+-]+\+(json|xml)$/];

interface CompiledRoute {
  readonly route: GatewayRoute;
  readonly segments: readonly string[];
  /** Literal segments count: the more, the more specific. */
  readonly specificity: number;
}

interface RouteMatch {
  readonly compiled: CompiledRoute;
  readonly pathParameters: Record<string, string>;
}

const PARAMETER = /^\{([A-Za-z0-9_]+)\}$/;

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function compile(route: GatewayRoute): CompiledRoute {
  const segments = splitPath(route.path);
  return { route, segments, specificity: segments.filter((segment) => !PARAMETER.test(segment)).length };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function matchPath(compiled: CompiledRoute, pathSegments: readonly string[]): Record<string, string> | undefined {
  if (compiled.segments.length !== pathSegments.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, template] of compiled.segments.entries()) {
    const name = PARAMETER.exec(template)?.[1];
    const decoded = decodeSegment(pathSegments[index]);
    if (decoded === undefined) return undefined;
    if (name) parameters[name] = decoded;
    else if (template !== decoded) return undefined;
  }
  return parameters;
}

/**
 * Picks the route for a request the way API Gateway does: among the routes whose path matches, only the most
 * specific ones count; the method then selects one, or the answer is 405 naming the methods that would do.
 */
function selectRoute(routes: readonly CompiledRoute[], method: string, path: string): RouteMatch | MethodNotAllowedError | NotFoundError {
  const pathSegments = splitPath(path);
  const matches = routes
    .map((compiled) => ({ compiled, pathParameters: matchPath(compiled, pathSegments) }))
    .filter((match): match is RouteMatch => match.pathParameters !== undefined);
  if (matches.length === 0) return new NotFoundError('no route for this path');
  const best = Math.max(...matches.map((match) => match.compiled.specificity));
  const candidates = matches.filter((match) => match.compiled.specificity === best);
  const chosen = candidates.find((match) => match.compiled.route.method === method || match.compiled.route.method === 'ANY');
  return chosen ?? new MethodNotAllowedError([...new Set(candidates.map((match) => match.compiled.route.method))]);
}

/** API Gateway's header map: lower-case names, repeated values joined with `,`; cookies go to their own list. */
export function gatewayHeaders(rawHeaders: readonly string[]): { headers: Record<string, string>; cookies?: string[] } {
  const grouped = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index].toLowerCase();
    grouped.set(name, [...(grouped.get(name) ?? []), rawHeaders[index + 1]]);
  }
  const cookieHeader = grouped.get('cookie');
  grouped.delete('cookie');
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, values] of grouped) headers[name] = values.join(',');
  const cookies = cookieHeader
    ?.flatMap((value) => value.split(';'))
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie !== '');
  return cookies && cookies.length > 0 ? { headers: { ...headers }, cookies } : { headers: { ...headers } };
}

/** `queryStringParameters`: repeated keys joined with `,`, as API Gateway does; undefined when there is no query. */
export function gatewayQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const grouped = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(rawQueryString)) grouped.set(key, [...(grouped.get(key) ?? []), value]);
  return Object.fromEntries([...grouped].map(([key, values]) => [key, values.join(',')]));
}

/** Whether API Gateway would hand this body to the function as text rather than base64. */
export function isTextMediaType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  return mediaType !== undefined && TEXT_MEDIA_TYPES.some((pattern) => pattern.test(mediaType));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as the event carries it. Bytes that are not valid UTF-8 go as base64 even for a text type: never lossy. */
export function encodeBody(bytes: Buffer, contentType: string | undefined): { body?: string; isBase64Encoded: boolean } {
  if (bytes.length === 0) return { isBase64Encoded: false };
  if (isTextMediaType(contentType)) {
    try {
      return { body: strictUtf8.decode(bytes), isBase64Encoded: false };
    } catch {
      // fall through to base64
    }
  }
  return { body: bytes.toString('base64'), isBase64Encoded: true };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` in API Gateway's CLF format: `12/Mar/2020:19:03:58 +0000`. */
export function clfTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** IPv4 clients reach a dual-stack socket as `::ffff:127.0.0.1`; API Gateway reports plain `127.0.0.1`. */
function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** Reads the body up to `limit` bytes; rejects with PayloadTooLargeError as soon as it would pass the limit. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new PayloadTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        request.pause();
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      request.off('data', onData).off('end', onEnd).off('error', onError);
    };
    request.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * The path for the access log, on the same segments route matching uses (empty ones dropped, so `//` cannot shift
 * a token out of its place): a secret path parameter of the matched route is `***`, and so is every segment after
 * the provider under `/webhooks/`, matched or not (a GET on a webhook URL, an extra segment), since any of them may
 * be a URL token.
 */
function maskedPath(path: string, match: RouteMatch | undefined): string {
  const secrets = match?.compiled.route.secretParameters ?? [];
  const template = match?.compiled.segments ?? [];
  const segments = splitPath(path);
  // Compared as routing compares it (decoded) and in any case: `/%77ebhooks/…` or `/Webhooks/…` may carry a token too.
  const underWebhooks = (decodeSegment(segments[0] ?? '') ?? segments[0] ?? '').toLowerCase() === 'webhooks';
  const masked = segments.map((segment, index) => {
    const name = PARAMETER.exec(template[index] ?? '')?.[1];
    return (name !== undefined && secrets.includes(name)) || (underWebhooks && index >= 2) ? '***' : segment;
  });
  return `/${masked.join('/')}`;
}

/** The request target as a URL. A target starting `//` is a path, not a host (`new URL('//a/b', base)` reads `a` as a host). */
function requestUrl(target: string | undefined): URL {
  const base = 'http://127.0.0.1';
  return target?.startsWith('/') ? new URL(`${base}${target}`) : new URL(target ?? '/', base);
}

/** What an API Gateway HTTP API (payload 2.0) event is made of, however the request arrived. */
interface GatewayEventParts {
  readonly method: string;
  readonly url: URL;
  /** Lower-case names, repeated values joined as API Gateway joins them. */
  readonly headers: Record<string, string>;
  readonly cookies?: string[];
  readonly routeKey: string;
  readonly pathParameters: Record<string, string>;
  readonly encoded: { readonly body?: string; readonly isBase64Encoded: boolean };
  /** API Gateway's `domainName`: the host the request was sent to. */
  readonly domainName: string;
  readonly protocol: string;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly now: Date;
}

/** The one place an API Gateway event is assembled: from a socket ({@link startGateway}) or a built request ({@link gatewayEventOf}). */
function gatewayEvent(parts: GatewayEventParts): APIGatewayProxyEventV2 {
  const { url, headers, routeKey, domainName, now } = parts;
  const rawQueryString = url.search.replace(/^\?/, '');
  const queryStringParameters = gatewayQuery(rawQueryString);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      // The first label of the host name (a port is not part of it).
      domainPrefix: domainName.replace(/:\d+$/, '').split('.')[0],
      http: {
        method: parts.method,
        path: url.pathname,
        protocol: parts.protocol,
        sourceIp: parts.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: parts.requestId,
      routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: parts.encoded.isBase64Encoded,
  };
  if (parts.cookies) event.cookies = parts.cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (Object.keys(parts.pathParameters).length > 0) event.pathParameters = parts.pathParameters;
  if (parts.encoded.body !== undefined) event.body = parts.encoded.body;
  return event;
}

/** The event of a request that arrived on this gateway's socket and matched `match`. */
function socketEvent(request: IncomingMessage, match: RouteMatch, url: URL, bytes: Buffer, now: Date): APIGatewayProxyEventV2 {
  const { headers, cookies } = gatewayHeaders(request.rawHeaders);
  const sourceIp = sourceIpOf(request);
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(request.socket.localPort ?? '');
  return gatewayEvent({
    method: request.method ?? 'GET',
    url,
    headers,
    cookies,
    routeKey: `${match.compiled.route.method === 'ANY' ? 'ANY' : match.compiled.route.method} ${match.compiled.route.path}`,
    pathParameters: match.pathParameters,
    encoded: encodeBody(bytes, headers['content-type']),
    domainName: headers.host ?? url.host,
    protocol: `HTTP/${request.httpVersion}`,
    sourceIp,
    requestId: randomUUID(),
    now,
  });
}

function writeResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2, closeAfter: boolean): void {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  if (closeAfter) headers.connection = 'close';
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  headers['content-length'] = body.length;
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}

/**
 * Starts the gateway on 127.0.0.1.
 *
 * @example
 * ```ts
 * declare const routes: readonly GatewayRoute[];
 * const gateway = await startGateway({ routes, maxBodyBytes: 256 * 1024, port: 3000 });
 * // … POST http://127.0.0.1:3000/webhooks/…
 * await gateway.stop();
 * ```
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const routes = options.routes.map(compile);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const now = new Date();
    const url = requestUrl(request.url);
    const method = request.method ?? 'GET';
    const selected = selectRoute(routes, method, url.pathname);
    const match = 'compiled' in selected ? selected : undefined;
    let result: APIGatewayProxyStructuredResultV2;
    let requestId: string | undefined;
    let closeAfter = false;
    try {
      if (!match) throw selected;
      const bytes = await readBody(request, options.maxBodyBytes);
      const event = socketEvent(request, match, url, bytes, now);
      requestId = event.requestContext.requestId;
      result = await match.compiled.route.handler(event);
    } catch (error) {
      // A body left unread must not be parsed as the next request on this connection.
      closeAfter = error instanceof PayloadTooLargeError || !request.complete;
      result = toErrorResponse(error);
    }
    if (!request.complete) closeAfter = true;
    writeResult(response, result, closeAfter);
    if (closeAfter) response.once('finish', () => request.socket.destroySoon?.());
    options.onAccess?.({
      method,
      path: maskedPath(url.pathname, match),
      statusCode: result.statusCode ?? 200,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      ...(requestId ? { requestId } : {}),
    });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) writeResult(response, toErrorResponse(error), true);
    });
  });
  // Keep-alive sockets would hold `close()` open; the local gateway has no use for long idle connections.
  server.keepAliveTimeout = 5_000;
  const port = await listenOnLoopback(server, options.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

/**
 * The API Gateway HTTP API (payload 2.0) event a built provider request becomes once it arrives, as this gateway
 * builds it from a socket: for tests and the bench, which hand events to the handlers without a server.
 *
 * @example
 * ```ts
 * import { providerRequest, signingMaterial, type ProviderCall } from './provider-requests';
 * declare const call: ProviderCall;
 * const event = gatewayEventOf(await providerRequest(call, { baseUrl: 'https://localhost', material: signingMaterial(call.provider) }));
 * ```
 */
export function gatewayEventOf(
  request: Pick<OutgoingRequest, 'method' | 'url' | 'headers' | 'body'>,
  options: { readonly sourceIp?: string; readonly requestId?: string; readonly base64?: boolean; readonly now?: Date } = {},
): APIGatewayProxyEventV2 {
  const url = new URL(request.url);
  const segments = url.pathname.split('/').filter(Boolean);
  const headers: Record<string, string> = { 'user-agent': 'webhook-test' };
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host ??= url.host;
  return gatewayEvent({
    method: request.method,
    url,
    headers,
    routeKey: `ANY /${segments[0] ?? ''}/{provider}${segments[2] ? '/{token}' : ''}`,
    pathParameters: { provider: segments[1] ?? '', ...(segments[2] ? { token: decodeURIComponent(segments[2]) } : {}) },
    encoded:
      options.base64 && request.body.length > 0
        ? { body: request.body.toString('base64'), isBase64Encoded: true }
        : encodeBody(request.body, headers['content-type']),
    domainName: url.host,
    protocol: 'HTTP/1.1',
    sourceIp: options.sourceIp ?? '203.0.113.10',
    requestId: options.requestId ?? randomUUID(),
    now: options.now ?? new Date(),
  });
}
