/**
 * Provider timestamps to ISO-8601 UTC. Several providers send wall-clock times with no zone
 * (`2024-12-12 11:12:12`); each adapter has a default zone (docs/design.md) that a deployment may override.
 * No date library: Intl knows every IANA zone, and the per-quarter-hour offset cache keeps the hot path cheap.
 *
 * Intl's first date formatter costs ~13 ms of ICU set-up (any formatter, any zone), so none is built until a
 * zone-less time actually needs converting: checking a zone name reads the runtime's list of zones instead, and
 * UTC needs no formatter at all. A function whose provider sends only UTC or epoch times never pays for it.
 */

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();
/**
 * Offsets are cached per quarter hour of UTC: every zone's offset, and so every transition in UTC since the 1970s,
 * is a multiple of 15 minutes (Australia/Lord_Howe changes at hh:30 UTC, so a per-hour cache would be wrong there).
 */
const BUCKET_MS = 900_000;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offset of `timeZone` from UTC at the instant `utcMs`, in ms (positive east of Greenwich). */
function offsetAt(utcMs: number, timeZone: string): number {
  if (UTC_ZONES.has(timeZone)) return 0;
  // A transition never falls inside a bucket (see BUCKET_MS), so one lookup per bucket is exact.
  const key = `${timeZone}|${Math.floor(utcMs / BUCKET_MS)}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  const offset = asUtc - Math.floor(utcMs / 1000) * 1000;
  if (offsetCache.size > 10_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** Zones whose offset is always 0: converted without Intl. */
const UTC_ZONES: ReadonlySet<string> = new Set([
  'UTC',
  'Etc/UTC',
  'Etc/UCT',
  'UCT',
  'Etc/Universal',
  'Universal',
  'Etc/Zulu',
  'Zulu',
  'GMT',
  'Etc/GMT',
  'Etc/GMT0',
  'Etc/GMT+0',
  'Etc/GMT-0',
  'GMT0',
  'GMT+0',
  'GMT-0',
  'Etc/Greenwich',
  'Greenwich',
]);

let canonicalZones: ReadonlySet<string> | undefined;

/**
 * Whether `timeZone` is an IANA zone this runtime knows. Canonical names are looked up in the runtime's list
 * (about 2 ms the first time, no formatter); an alias the list leaves out (`Asia/Calcutta`) is tried with a
 * formatter, which is what decides in the end.
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (UTC_ZONES.has(timeZone)) return true;
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(timeZone)) return true;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** First instant a provider time may be: the Unix epoch. No report of a message is older; `0001-01-01` is an unset value. */
export const EARLIEST_TIME_MS = 0;

/**
 * Last instant a provider time may be: the end of year 9999. Past it `toISOString` writes six-digit years
 * (`+010000-01-01T…`), which the event schema's date-time format refuses: the consumer would dead-letter an event
 * the ingest had already acknowledged.
 */
export const LATEST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const DAY_MS = 86_400_000;

/** ISO-8601 UTC of `ms`, or `undefined` outside [{@link EARLIEST_TIME_MS}, {@link LATEST_TIME_MS}]. */
function isoWithinRange(ms: number): string | undefined {
  return ms >= EARLIEST_TIME_MS && ms <= LATEST_TIME_MS ? new Date(ms).toISOString() : undefined;
}

/**
 * Converts a provider timestamp to ISO-8601 UTC (`2024-12-12T03:12:12.000Z`).
 *
 * Accepts `YYYY-MM-DD HH:mm:ss`, the same with `T` and/or fractional seconds (read in `timeZone`), and the same
 * with `Z` or a `±hh:mm` offset (the offset wins over `timeZone`). Returns `undefined` for anything else,
 * including impossible dates such as February 30th and instants outside 1970-01-01T00:00:00.000Z ..
 * 9999-12-31T23:59:59.999Z ({@link EARLIEST_TIME_MS}, {@link LATEST_TIME_MS}), so the caller can name the field.
 * Years are read as written: `0070` is the year 70 (refused), never 1970.
 */
export function toUtcIso(value: string, timeZone: string): string | undefined {
  if (WITH_OFFSET.test(value)) {
    // Date.parse rolls impossible days over (February 30th → March 1st) and takes 24:00: check the fields first.
    const fields = LOCAL_TIME.exec(value.slice(0, 19));
    if (!fields || wallTimeMs(fields) === undefined) return undefined;
    const ms = Date.parse(value.replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : isoWithinRange(ms);
  }
  const m = LOCAL_TIME.exec(value);
  if (!m) return undefined;
  const wallMs = wallTimeMs(m);
  // No zone is a day or more off UTC, so a wall time that far outside the range needs no offset to be refused.
  if (wallMs === undefined || wallMs < EARLIEST_TIME_MS - DAY_MS || wallMs > LATEST_TIME_MS + DAY_MS) return undefined;
  // The wall time read as UTC is off by the zone's offset; one correction, and a second where a DST change
  // falls between the guess and the answer.
  let utcMs = wallMs - offsetAt(wallMs, timeZone);
  const second_ = offsetAt(utcMs, timeZone);
  if (wallMs - second_ !== utcMs) utcMs = wallMs - second_;
  return isoWithinRange(utcMs);
}

/** The wall time of a {@link LOCAL_TIME} match read as UTC, or `undefined` if no calendar has it (February 30th, 24:00). */
function wallTimeMs(m: RegExpExecArray): number | undefined {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  // Not Date.UTC: it reads years 0..99 as 1900..1999. setUTCFullYear takes the year as given.
  const midnightMs = new Date(0).setUTCFullYear(year, month - 1, day);
  const check = new Date(midnightMs);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  return midnightMs + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
}

/**
 * Epoch milliseconds (as sent by InnoPaaS SMS products) to ISO-8601 UTC, or `undefined` if not an integer of
 * milliseconds or outside the range {@link toUtcIso} accepts.
 */
export function epochMsToUtcIso(value: number | string): string | undefined {
  const ms = typeof value === 'number' ? value : /^\d{10,16}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isFinite(ms) ? isoWithinRange(ms) : undefined;
}
