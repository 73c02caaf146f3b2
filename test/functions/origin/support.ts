/** Builders for the scheme tests: a valid incoming request, from which each test changes one thing. */
import { parseForm } from '../../../functions/origin/form';
import type { FormParams, OriginRequest, OutgoingRequest } from '../../../functions/origin/types';

export const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

/** The incoming request a tool's outgoing request becomes once it arrives. */
export function arrived(request: OutgoingRequest, overrides: Partial<OriginRequest> = {}): OriginRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const isForm = headers['content-type']?.startsWith('application/x-www-form-urlencoded') ?? false;
  const tokenMatch = /\/webhooks\/[^/?]+\/([^/?]+)/.exec(request.url);
  return {
    method: request.method,
    url: request.url,
    headers,
    token: tokenMatch ? decodeURIComponent(tokenMatch[1]) : undefined,
    sourceIp: '203.0.113.7',
    body: request.body,
    formParams: () => (isForm ? parseForm(request.body.toString('utf8')) : []),
    now: NOW,
    ...overrides,
  };
}

export function outgoing(overrides: Partial<OutgoingRequest> = {}): OutgoingRequest {
  return {
    method: 'POST',
    url: 'https://hooks.example.com/webhooks/acme',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"id":"m-1","status":"delivered"}'),
    now: NOW,
    ...overrides,
  };
}

/** The request with one header's value replaced. */
export const withHeader = (request: OriginRequest, name: string, value: string | undefined): OriginRequest => ({
  ...request,
  headers: { ...request.headers, [name]: value },
});

/** The same bytes with one byte changed. */
export function flipByte(body: Buffer, index = 0): Buffer {
  const copy = Buffer.from(body);
  copy[index] ^= 0x01;
  return copy;
}

/** One bit of the last character of a base64 or hex signature flipped. */
export const flipped = (signature: string) => signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);

/** Form parameters from a record whose repeated names hold a list, in that order. */
export const formParamsOf = (params: Readonly<Record<string, string | readonly string[]>>): FormParams =>
  Object.entries(params).flatMap(([name, value]) => (Array.isArray(value) ? value : [value as string]).map((one) => [name, one] as const));

export const OPTIONS = { toleranceSeconds: 300 };
