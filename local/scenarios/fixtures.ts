/**
 * The provider fixtures the simulator builds from, and small helpers the per-provider scripts share.
 */
import { createHash } from 'node:crypto';
import type { Fixture } from './types';

export { FIXTURES_DIR, loadFixtures } from '../fixtures';
export { DEV_SECRETS_FILE } from '../provider-requests';

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
  return createHash('sha256')
    .update(String(seed))
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, length);
}
