/**
 * The provider fixtures the simulator builds from, and small helpers the per-provider scripts share.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Fixture } from './types';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** `test/events/`, where each provider's recorded bodies live (`invalid-*` beside the valid ones). */
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'events');

/** The dev credentials shipped in the repo: public values, for `npm start`, the simulator and the tests only. */
export const DEV_SECRETS_FILE = path.join(REPO_ROOT, 'config', 'credentials.dev.json');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json;charset=UTF-8',
  // Webcom does not say what it sends; text/xml is what most XML senders use.
  '.xml': 'text/xml; charset=utf-8',
};

/** The valid fixtures of a provider (every `.json`/`.xml` not named `invalid-*`), sorted by name. */
export function loadFixtures(provider: string, dir: string = FIXTURES_DIR): Fixture[] {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, provider));
  } catch {
    return [];
  }
  return names
    .filter((name) => !name.startsWith('invalid-') && CONTENT_TYPES[path.extname(name)] !== undefined)
    .sort()
    .map((name) => ({
      name,
      contentType: CONTENT_TYPES[path.extname(name)],
      body: readFileSync(path.join(dir, provider, name), 'utf8'),
    }));
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The first JSON fixture whose parsed body satisfies `matches`, preferring the names listed in `preferred`; throws
 * a message that says which fixture is missing, since a script cannot be built without one.
 */
export function jsonTemplate(
  fixtures: readonly Fixture[],
  provider: string,
  what: string,
  matches: (body: Json) => boolean,
  preferred: readonly string[] = [],
): Json {
  const parsed = fixtures
    .filter((fixture) => fixture.name.endsWith('.json'))
    .flatMap((fixture) => {
      try {
        const body: unknown = JSON.parse(fixture.body);
        return isObject(body) && matches(body) ? [{ name: fixture.name, body }] : [];
      } catch {
        return [];
      }
    });
  const chosen = preferred.map((name) => parsed.find((item) => item.name === name)).find(Boolean) ?? parsed[0];
  if (!chosen) throw new Error(`no ${what} fixture in test/events/${provider}/ to build callbacks from`);
  return structuredClone(chosen.body);
}

/** A fixture by predicate on its text (XML has no parser here on purpose: the adapter is what parses). */
export function textTemplate(
  fixtures: readonly Fixture[],
  provider: string,
  what: string,
  matches: (fixture: Fixture) => boolean,
  preferred: readonly string[] = [],
): Fixture {
  const candidates = fixtures.filter(matches);
  const fixture = preferred.map((name) => candidates.find((item) => item.name === name)).find(Boolean) ?? candidates[0];
  if (!fixture) throw new Error(`no ${what} fixture in test/events/${provider}/ to build callbacks from`);
  return fixture;
}

/** Wall-clock time in `timeZone` as `YYYY-MM-DD HH:mm:ss` (the zone-less format several providers send). */
export function wallClock(date: Date, timeZone: string, separator: ' ' | 'T' = ' '): string {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  for (const part of format.formatToParts(date)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}${separator}${parts.hour}:${parts.minute}:${parts.second}`;
}

/** `start` plus `seconds`: the statuses of one message a few seconds apart, in order. */
export const after = (start: Date, seconds: number): Date => new Date(start.getTime() + seconds * 1000);

/** A stable UUID from a name, so a duplicate callback carries the same event id as its original. */
export function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Upper-case letters and digits from a seed, for ids like NHN's `requestId`. */
export function alphanumeric(seed: number, length: number): string {
  return createHash('sha256').update(String(seed)).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, length);
}
