/**
 * The bodies the bench sends: for the per-request CPU figure, one representative recorded webhook per provider
 * (a plain delivery report, the kind that makes up almost all of the traffic), with the dev credentials a provider
 * would send with it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DELIVERY_REPORT_FIXTURES, FIXTURE_FORMATS } from '../local/fixtures';
import { REPO_ROOT } from './bundle';

export const EVENTS_DIR = path.join(REPO_ROOT, 'test', 'events');
export const DEV_CREDENTIALS_FILE = path.join(REPO_ROOT, 'config', 'credentials.dev.json');

/**
 * The recorded body each provider's CPU figure is measured on (`test/events/<provider>/<file>`): its typical delivery
 * report, chosen once in `local/fixtures.ts`.
 */
export const CPU_BODIES: Readonly<Record<string, string>> = DELIVERY_REPORT_FIXTURES;

export interface RecordedWebhook {
  /** The body, or for a GET the query string. */
  readonly body: string;
  /** Empty for a GET. */
  readonly contentType: string;
  readonly method: 'GET' | 'POST';
}

/**
 * The body a provider without an entry in {@link CPU_BODIES} is measured on: its recorded delivery report
 * (`*deliver*`, else `*status*`, else any body that is not `invalid-*`), so a provider added to the registry with
 * its fixtures is measured without touching the bench.
 */
export function defaultCpuBody(files: readonly string[]): string | undefined {
  const bodies = files.filter((file) => FIXTURE_FORMATS[path.extname(file)] !== undefined && !file.startsWith('invalid')).sort();
  return bodies.find((file) => file.includes('deliver')) ?? bodies.find((file) => file.includes('status')) ?? bodies[0];
}

/** `test/events/<provider>/<body>`: the chosen one, else {@link defaultCpuBody}; none at all is an error, not a skip. */
export function cpuWebhook(provider: string): RecordedWebhook {
  const file =
    CPU_BODIES[provider] ?? defaultCpuBody(existsSync(path.join(EVENTS_DIR, provider)) ? readdirSync(path.join(EVENTS_DIR, provider)) : []);
  if (!file)
    throw new Error(`bench: no recorded body for ${provider} in test/events/${provider}; add one there or to CPU_BODIES in bench/webhooks.ts`);
  // How each fixture format goes on the wire is said once, in local/fixtures.ts.
  const format = FIXTURE_FORMATS[path.extname(file)];
  const body = readFileSync(path.join(EVENTS_DIR, provider, file), 'utf8');
  return { body: format.method === 'GET' ? body.trim() : body, contentType: format.contentType ?? '', method: format.method };
}

interface CredentialsEntry {
  readonly headers?: Readonly<Record<string, readonly string[]>>;
  readonly tokens?: readonly string[];
  readonly basicAuth?: ReadonlyArray<{ readonly username: string; readonly password: string }>;
}

/** The credentials document (`config/credentials.dev.json`). */
export function devCredentials(): Readonly<Record<string, unknown>> {
  return JSON.parse(readFileSync(DEV_CREDENTIALS_FILE, 'utf8')) as Record<string, unknown>;
}

/**
 * What a provider sends to authenticate, from a credentials document: first value of each header, its first Basic
 * pair as `Authorization`, first token. (Body credentials are in the recorded body itself.)
 */
export function credentialsOf(document: Readonly<Record<string, unknown>>, provider: string): { headers: Record<string, string>; token?: string } {
  const entry = (document[provider] ?? {}) as CredentialsEntry;
  const headers = Object.fromEntries(Object.entries(entry.headers ?? {}).map(([name, values]) => [name, values[0]]));
  const basic = entry.basicAuth?.[0];
  if (basic) headers.Authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  return { headers, ...(entry.tokens?.[0] ? { token: entry.tokens[0] } : {}) };
}
