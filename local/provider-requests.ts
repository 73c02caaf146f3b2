/**
 * Provider requests as the providers build them, signed by the very schemes the ingest verifies with
 * (`functions/origin`): the simulator, the test builders, the bench and the chaos run all go through here, so no
 * tool restates how a provider signs.
 *
 * Signing material is the provider's credentials document (the first value of each key) plus, for asymmetric schemes
 * (Telnyx's Ed25519), a private key the document cannot hold: the dev ones are in `config/signing.dev.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseProviderCredentials, type ProviderCredentials } from '../functions/origin/credentials';
import type { OutgoingRequest, SigningMaterial } from '../functions/origin/types';
import { schemesOf, signRequest } from '../functions/origin/verify';
import { adapterFor, hasHttpRoute } from '../functions/providers';
import type { ProviderAdapter } from '../functions/providers/types';
import { awsEventsPath } from './aws-events';

const REPO_ROOT = path.resolve(__dirname, '..');

/** The dev credentials shipped in the repo: public values, for `npm start`, the simulator and the tests only. */
export const DEV_SECRETS_FILE = path.join(REPO_ROOT, 'config', 'credentials.dev.json');
/** The private halves of the dev credentials' public keys (asymmetric schemes), for signing tools only. */
export const DEV_SIGNING_FILE = path.join(REPO_ROOT, 'config', 'signing.dev.json');

/** One provider's entry of a credentials file, validated; `undefined` when the file has none. */
export function readCredentials(file: string, provider: string): ProviderCredentials | undefined {
  const document = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (!Object.hasOwn(document, provider)) return undefined;
  const entry = Object.fromEntries(Object.entries(document[provider] as object).filter(([key]) => !key.startsWith('_')));
  return parseProviderCredentials(entry);
}

/**
 * What a tool signs `provider`'s requests with: its entry of `secretsFile` and its private keys from `signingFile`
 * (when both are the dev files, or a signing file is given).
 */
export function signingMaterial(provider: string, secretsFile = DEV_SECRETS_FILE, signingFile = DEV_SIGNING_FILE): SigningMaterial | undefined {
  const credentials = readCredentials(secretsFile, provider);
  if (!credentials) return undefined;
  if (!existsSync(signingFile)) return { credentials };
  const keys = (JSON.parse(readFileSync(signingFile, 'utf8')) as Record<string, { privateKeys?: string[] } | string>)[provider];
  return typeof keys === 'object' && keys.privateKeys ? { credentials, privateKeys: keys.privateKeys } : { credentials };
}

/** A callback to send: what the provider puts on the wire before it signs. */
export interface ProviderCall {
  readonly provider: string;
  /** @default POST */
  readonly method?: 'GET' | 'POST';
  readonly contentType?: string;
  /** The body, or for a GET the query string. */
  readonly body: string | Buffer;
  /** Extra headers the provider sends (its own event-type header, say). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The request `call` becomes at `baseUrl` (`http://127.0.0.1:3000`, a deployed API's URL): routed to
 * `/webhooks/<provider>` (a provider without an HTTP route: `npm start`'s `/aws-events/<provider>`, unsigned), then
 * signed with every scheme the material's credentials activate (a URL token first).
 *
 * @example
 * ```ts
 * import { FORM_MEDIA_TYPE } from '../functions/ingest/request';
 * const request = await providerRequest({ provider: 'twilio', contentType: FORM_MEDIA_TYPE, body: 'MessageSid=SM1&MessageStatus=sent' },
 *   { baseUrl: 'http://127.0.0.1:3000', material: signingMaterial('twilio') });
 * await sendRequest(request);
 * ```
 */
export async function providerRequest(
  call: ProviderCall,
  options: {
    readonly baseUrl: string;
    readonly material?: SigningMaterial;
    readonly now?: number;
    /** The provider's adapter, when it is not in the registry (a test's). @default the registry's */
    readonly adapter?: ProviderAdapter;
  },
): Promise<OutgoingRequest> {
  const method = call.method ?? 'POST';
  const adapter = options.adapter ?? adapterFor(call.provider);
  // A provider AWS delivers through EventBridge or SNS has no webhook: its records go to the local entry point, unsigned.
  const route = hasHttpRoute(adapter) ? `/webhooks/${call.provider}` : awsEventsPath(call.provider);
  const base = `${options.baseUrl.replace(/\/+$/, '')}${route}`;
  const query = method === 'GET' ? String(call.body) : '';
  const unsigned: OutgoingRequest = {
    method,
    url: `${base}${query ? `?${query}` : ''}`,
    headers: { ...(call.contentType && method !== 'GET' ? { 'content-type': call.contentType } : {}), ...call.headers },
    body: method === 'GET' ? Buffer.alloc(0) : Buffer.isBuffer(call.body) ? call.body : Buffer.from(call.body, 'utf8'),
    now: options.now ?? Date.now(),
  };
  if (!options.material || !hasHttpRoute(adapter)) return unsigned;
  return signRequest(schemesOf(adapter.origin), unsigned, options.material);
}

/** Sends a built request with `fetch`. */
export function sendRequest(request: OutgoingRequest, init: { signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.method === 'GET' ? {} : { body: new Uint8Array(request.body) }),
    signal: init.signal,
  });
}

/** A URL safe to print: the token segment after `/webhooks/<provider>/` masked. */
export const maskedUrl = (url: string): string => url.replace(/(\/webhooks\/[^/?]+\/)[^/?]+/, '$1***');
