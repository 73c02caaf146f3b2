/**
 * API Gateway HTTP API (payload 2.0) events in the shape the ingest steps need. Pure: no I/O, no parsing of the
 * body. The body stays encoded until the size cap has passed ({@link bodyByteLength} measures it without
 * decoding), so a huge base64 body costs nothing before it is refused.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseForm } from '../origin/form';
import type { FormParams, OriginRequest } from '../origin/types';
import { publicUrl } from '../origin/url';
import { ValidationError } from '../core/errors';

/** One webhook request, adapted from the gateway event. Header names are lower-case. */
export interface IngestRequest {
  readonly method: string;
  readonly path: string;
  /** The host the request arrived at (API Gateway's `domainName`). */
  readonly host: string;
  /** The query string exactly as received, without `?`. */
  readonly rawQuery: string;
  /** The caller's address as API Gateway saw it (IPv4 or IPv6; IPv4-mapped IPv6 is unwrapped). */
  readonly sourceIp: string;
  /** API Gateway's request id, for logs. */
  readonly requestId: string;
  /** `{provider}` of the route, when the route has one. */
  readonly provider?: string;
  /** `{token}` of `POST /webhooks/{provider}/{token}`, when present. */
  readonly token?: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Media type without parameters, lower-cased (`application/json`), if sent. */
  readonly contentType?: string;
  /** `charset` parameter of the content type, lower-cased, if sent. */
  readonly charset?: string;
  /** The body exactly as the gateway delivered it (still base64 when `isBase64Encoded`). */
  readonly rawBody: string;
  readonly isBase64Encoded: boolean;
}

/**
 * Header names lower-cased. API Gateway already lower-cases them and joins repeated headers with `,`; a local
 * gateway may not, so names that differ only in case are joined the same way. A repeated credential header is
 * thereby never equal to a configured value (see `authenticate.ts`).
 */
export function lowerCaseHeaders(headers: Readonly<Record<string, string | undefined>> | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    out[key] = out[key] === undefined ? value : `${out[key]},${value}`;
  }
  return out;
}

/** `application/JSON; charset=UTF-8` → `{ contentType: 'application/json', charset: 'utf-8' }`. */
export function parseContentType(header: string | undefined): { contentType?: string; charset?: string } {
  if (header === undefined) return {};
  const [type, ...parameters] = header.split(';');
  const contentType = type.trim().toLowerCase() || undefined;
  let charset: string | undefined;
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=', 2);
    if (name.trim().toLowerCase() === 'charset' && value !== undefined) {
      charset =
        value
          .trim()
          .replace(/^"(.*)"$/, '$1')
          .toLowerCase() || undefined;
    }
  }
  return { contentType, charset };
}

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:203.0.113.7` → `203.0.113.7`, so an IPv4 allow-list also covers a dual-stack listener. */
export function normalizeIp(ip: string): string {
  const mapped = IPV4_MAPPED.exec(ip);
  return mapped ? mapped[1] : ip;
}

/** Adapts the gateway event. Never throws: a missing part becomes an empty value that a later step refuses. */
export function adaptRequest(event: APIGatewayProxyEventV2): IngestRequest {
  const http = event.requestContext?.http;
  const headers = lowerCaseHeaders(event.headers);
  return {
    method: (http?.method ?? '').toUpperCase(),
    path: event.rawPath ?? http?.path ?? '',
    host: event.requestContext?.domainName ?? headers.host ?? '',
    rawQuery: event.rawQueryString ?? '',
    sourceIp: normalizeIp(http?.sourceIp ?? ''),
    requestId: event.requestContext?.requestId ?? '',
    provider: event.pathParameters?.provider,
    token: event.pathParameters?.token,
    headers,
    query: { ...(event.queryStringParameters ?? {}) },
    ...parseContentType(headers['content-type']),
    rawBody: event.body ?? '',
    isBase64Encoded: event.isBase64Encoded === true,
  };
}

/**
 * Size of the decoded body in bytes, computed without decoding it. For text bodies a cheap bound comes first:
 * UTF-8 never takes fewer bytes than UTF-16 code units, so a string longer than `limit` is over it unseen.
 */
export function bodyByteLength(request: Pick<IngestRequest, 'rawBody' | 'isBase64Encoded'>, limit = Infinity): number {
  if (request.isBase64Encoded) return Buffer.byteLength(request.rawBody, 'base64');
  if (request.rawBody.length > limit) return request.rawBody.length;
  return Buffer.byteLength(request.rawBody, 'utf8');
}

/** The decoded body as bytes (for the rejected queue, which keeps exactly what arrived). */
export function bodyBytes(request: Pick<IngestRequest, 'rawBody' | 'isBase64Encoded'>): Buffer {
  return Buffer.from(request.rawBody, request.isBase64Encoded ? 'base64' : 'utf8');
}

/**
 * What proof-of-origin verification sees: the raw bytes, and the URL the provider called (`publicBaseUrl` + path +
 * query when the deployment sets one, else the URL the request arrived at).
 */
export function originRequestOf(
  request: IngestRequest,
  bytes: Buffer,
  options: { readonly publicBaseUrl?: string; readonly now: number },
): OriginRequest {
  let form: FormParams | undefined;
  return {
    method: request.method,
    url: publicUrl({ base: options.publicBaseUrl, host: request.host, path: request.path, rawQuery: request.rawQuery }),
    headers: request.headers,
    token: request.token,
    sourceIp: request.sourceIp,
    body: bytes,
    formParams: () => (form ??= request.contentType === FORM_MEDIA_TYPE ? parseForm(bytes.toString('utf8'), request.charset) : []),
    now: options.now,
  };
}

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** The form parameters an adapter reads: a form body's, or a GET's query string. */
export function paramsOf(request: Pick<IngestRequest, 'method' | 'contentType' | 'rawQuery' | 'charset'>, text: string): FormParams {
  if (request.contentType === FORM_MEDIA_TYPE) return parseForm(text, request.charset);
  return request.method === 'GET' ? parseForm(request.rawQuery) : [];
}

/** A leading byte-order mark: senders on Windows stacks put one before JSON and XML; no parser wants it. */
const BOM = /^\uFEFF/;

/**
 * The body as text for the adapter. A base64 body is decoded in its declared charset (UTF-8 when none or an
 * unknown one is declared), strictly: bytes that are not valid in that charset are a 400, never silently
 * replaced by U+FFFD, which would change names and message texts without anyone noticing.
 */
export function bodyText(request: Pick<IngestRequest, 'rawBody' | 'isBase64Encoded' | 'charset'>, bytes?: Buffer): string {
  if (!request.isBase64Encoded) return request.rawBody.replace(BOM, '');
  const charset = request.charset && isKnownCharset(request.charset) ? request.charset : 'utf-8';
  try {
    // `ignoreBOM: false` drops a BOM that matches the charset.
    return new TextDecoder(charset, { fatal: true, ignoreBOM: false }).decode(bytes ?? bodyBytes(request));
  } catch {
    throw new ValidationError(`body is not valid ${charset}`);
  }
}

function isKnownCharset(charset: string): boolean {
  try {
    new TextDecoder(charset);
    return true;
  } catch {
    return false;
  }
}
