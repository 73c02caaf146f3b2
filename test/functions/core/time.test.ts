import fc from 'fast-check';
import { epochMsToUtcIso, isValidTimeZone, toUtcIso } from '../../../functions/core/time';
import { wallClock } from '../../../local/scenarios/fixtures';

/**
 * The wall time of `utcMs` in `timeZone`, as `YYYY-MM-DD HH:mm:ss`: the simulator's Intl formatter, which shares
 * nothing with the offset arithmetic under test, is the independent oracle.
 */
const wallTimeOf = (utcMs: number, timeZone: string): string => wallClock(new Date(utcMs), timeZone);

describe('zone-less times in each default zone', () => {
  test.each([
    ['Asia/Shanghai', '2024-12-12T03:12:12.000Z'],
    ['Europe/Moscow', '2024-12-12T08:12:12.000Z'],
    ['UTC', '2024-12-12T11:12:12.000Z'],
    ['Asia/Seoul', '2024-12-12T02:12:12.000Z'],
  ])('2024-12-12 11:12:12 in %s is %s', (zone, utc) => {
    expect(toUtcIso('2024-12-12 11:12:12', zone)).toBe(utc);
    expect(toUtcIso('2024-12-12T11:12:12', zone)).toBe(utc);
  });

  test('fractional seconds are kept to the millisecond', () => {
    expect(toUtcIso('2024-12-12T11:12:12.5', 'Asia/Seoul')).toBe('2024-12-12T02:12:12.500Z');
    expect(toUtcIso('2024-12-12 11:12:12.123456789', 'Asia/Seoul')).toBe('2024-12-12T02:12:12.123Z');
  });
});

describe('daylight saving time in Europe/Berlin', () => {
  test.each([
    ['2024-01-15 12:00:00', '2024-01-15T11:00:00.000Z'],
    ['2024-07-01 12:00:00', '2024-07-01T10:00:00.000Z'],
    ['2024-03-31 01:59:59', '2024-03-31T00:59:59.000Z'],
    ['2024-03-31 03:00:00', '2024-03-31T01:00:00.000Z'],
    ['2024-10-27 01:59:59', '2024-10-26T23:59:59.000Z'],
    ['2024-10-27 03:00:00', '2024-10-27T02:00:00.000Z'],
  ])('%s is %s', (wall, utc) => {
    expect(toUtcIso(wall, 'Europe/Berlin')).toBe(utc);
  });

  test('a wall time in the spring gap moves forward by the gap (02:30 → 03:30 summer time)', () => {
    expect(toUtcIso('2024-03-31 02:30:00', 'Europe/Berlin')).toBe('2024-03-31T01:30:00.000Z');
  });

  test('a wall time in the autumn overlap resolves to the later, standard-time instant', () => {
    // 02:30 happens at 00:30Z (summer time) and again at 01:30Z (standard time).
    expect(toUtcIso('2024-10-27 02:30:00', 'Europe/Berlin')).toBe('2024-10-27T01:30:00.000Z');
  });
});

const QUARTER_HOUR_MS = 900_000;

/** Whether any instant has this wall time in `timeZone` (false inside a spring-forward gap). */
function wallTimeExists(wall: string, timeZone: string): boolean {
  const asUtc = Date.parse(`${wall.replace(' ', 'T')}Z`);
  for (let quarter = -56; quarter <= 56; quarter++) {
    if (wallTimeOf(asUtc - quarter * QUARTER_HOUR_MS, timeZone) === wall) return true;
  }
  return false;
}

/** Some DST changes, as UTC instants: whole-hour, half-hour (Lord Howe) and 45-minute-offset (Chatham) zones. */
const TRANSITIONS = [
  ['Europe/Berlin', '2024-03-31T01:00:00Z'],
  ['Europe/Berlin', '2024-10-27T01:00:00Z'],
  ['America/New_York', '2024-03-10T07:00:00Z'],
  ['Australia/Lord_Howe', '2024-04-06T15:00:00Z'],
  ['Australia/Lord_Howe', '2024-10-05T15:30:00Z'],
  ['Pacific/Chatham', '2024-09-28T14:00:00Z'],
] as const;

describe('zones that change on the half hour', () => {
  test('Lord Howe summer time starting at 15:30 UTC is exact on both sides of the change', () => {
    // 02:10 is in the gap (02:00 → 02:30); asking for it first must not poison the answer for 02:45.
    expect(toUtcIso('2024-10-06 02:10:00', 'Australia/Lord_Howe')).toBe('2024-10-05T15:40:00.000Z');
    expect(toUtcIso('2024-10-06 02:45:00', 'Australia/Lord_Howe')).toBe('2024-10-05T15:45:00.000Z');
    expect(toUtcIso('2024-10-06 01:59:00', 'Australia/Lord_Howe')).toBe('2024-10-05T15:29:00.000Z');
  });

  test('any instant written as wall time reads back as an instant with that wall time', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'Asia/Tehran', 'Asia/Seoul'];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), fc.constantFrom(...zones), (utcMs, zone) => {
        const wall = wallTimeOf(utcMs, zone);
        const back = toUtcIso(wall, zone);
        expect(back).toBeDefined();
        expect(wallTimeOf(Date.parse(back!), zone)).toBe(wall);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('wall times near a change, asked in any order', () => {
  test('a wall time that exists reads back as an instant with that wall time, whatever was asked before', () => {
    // Local wall times up to two hours either side of each change, gap and overlap included: the offset cache
    // must give the same answers whichever of them comes first.
    const query = fc.constantFrom(...TRANSITIONS).chain(([zone, at]) => {
      const localChange = Date.parse(`${wallTimeOf(Date.parse(at) - 60_000, zone).replace(' ', 'T')}Z`) + 60_000;
      return fc.integer({ min: -120, max: 120 }).map((minutes) => ({
        zone,
        wall: new Date(localChange + minutes * 60_000).toISOString().slice(0, 19).replace('T', ' '),
      }));
    });
    fc.assert(
      fc.property(fc.array(query, { minLength: 1, maxLength: 30 }), (queries) => {
        for (const { zone, wall } of queries) {
          const utc = toUtcIso(wall, zone);
          expect(utc).toBeDefined();
          if (wallTimeExists(wall, zone)) expect(wallTimeOf(Date.parse(utc!), zone)).toBe(wall);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('times with an offset', () => {
  test.each([
    ['2024-12-12T11:12:12Z', '2024-12-12T11:12:12.000Z'],
    ['2024-12-12T11:12:12.000+09:00', '2024-12-12T02:12:12.000Z'],
    ['2024-12-12 11:12:12+09:00', '2024-12-12T02:12:12.000Z'],
    ['2024-12-12T11:12:12+0900', '2024-12-12T02:12:12.000Z'],
    ['2024-12-12T11:12:12-05:30', '2024-12-12T16:42:12.000Z'],
  ])('%s is %s whatever the zone setting', (value, utc) => {
    expect(toUtcIso(value, 'Asia/Seoul')).toBe(utc);
    expect(toUtcIso(value, 'America/New_York')).toBe(utc);
  });
});

describe('values that are not times', () => {
  test.each([
    '2023-02-29 00:00:00',
    '2024-02-30 00:00:00',
    '2024-04-31 12:00:00',
    '2024-13-01 00:00:00',
    '2024-00-10 00:00:00',
    '2024-01-01 24:00:00',
    '2024-01-01 23:60:00',
    '2024-01-01 23:59:60',
    '2024-02-30T00:00:00+09:00',
    '2024-04-31T12:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:00+25:00',
  ])('the impossible %s is undefined', (value) => {
    expect(toUtcIso(value, 'Asia/Seoul')).toBeUndefined();
  });

  test.each([
    '',
    '2024-12-12',
    '2024-12-12T11:12',
    '12/12/2024 11:12:12',
    ' 2024-12-12 11:12:12',
    '2024-12-12 11:12:12 ',
    '2024-12-12T11:12:12+9',
    'yesterday',
  ])('the malformed %j is undefined', (value) => {
    expect(toUtcIso(value, 'Asia/Seoul')).toBeUndefined();
  });
});

describe('instants outside 1970-01-01 .. 9999-12-31 (UTC)', () => {
  test.each([
    ['9999-12-31T23:59:59-14:00', 'Asia/Seoul'],
    ['9999-12-31 23:59:59', 'America/Los_Angeles'],
    ['9999-12-31T23:59:59.999-00:01', 'UTC'],
    ['1969-12-31T23:59:59.999Z', 'UTC'],
    ['1970-01-01 08:59:59', 'Asia/Seoul'],
    ['0001-01-01 00:00:00', 'Asia/Shanghai'],
    ['0070-06-01 00:00:00', 'UTC'],
    ['0070-06-01T00:00:00Z', 'UTC'],
    ['0000-01-01 00:00:00', 'UTC'],
  ])('%s in %s is undefined', (value, zone) => {
    expect(toUtcIso(value, zone)).toBeUndefined();
  });

  test.each([
    ['9999-12-31T23:59:59.999Z', 'UTC', '9999-12-31T23:59:59.999Z'],
    ['9999-12-31 23:59:59', 'Asia/Shanghai', '9999-12-31T15:59:59.000Z'],
    ['1970-01-01T00:00:00Z', 'Asia/Seoul', '1970-01-01T00:00:00.000Z'],
    ['1970-01-01 09:00:00', 'Asia/Seoul', '1970-01-01T00:00:00.000Z'],
  ])('%s in %s is the edge %s', (value, zone, utc) => {
    expect(toUtcIso(value, zone)).toBe(utc);
  });

  test('every answer is a four-digit-year UTC instant inside the range, for any year 0000..9999 in any zone', () => {
    const zones = ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Shanghai', 'America/Los_Angeles'];
    const offsets = ['+14:00', '-12:00', 'Z'];
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(...zones, ...offsets),
        (year, month, day, hour, zoneOrOffset) => {
          const wall = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hour, 2)}:30:00`;
          const offset = offsets.includes(zoneOrOffset) ? zoneOrOffset : '';
          const utc = toUtcIso(`${wall}${offset}`, offset ? 'UTC' : zoneOrOffset);
          if (utc === undefined) return;
          expect(utc).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
          expect(Date.parse(utc)).toBeGreaterThanOrEqual(0);
          expect(utc <= '9999-12-31T23:59:59.999Z').toBe(true);
          // No year is moved: the UTC year is the written one, or one either side across midnight.
          expect(Math.abs(Number(utc.slice(0, 4)) - year)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('epoch milliseconds', () => {
  test('a number or a digit string of milliseconds is read as UTC', () => {
    expect(epochMsToUtcIso(1733973132000)).toBe('2024-12-12T03:12:12.000Z');
    expect(epochMsToUtcIso('1733973132000')).toBe('2024-12-12T03:12:12.000Z');
  });

  test.each([['123'], ['abc'], ['1733973132000.5'], [Number.NaN], [8.64e15 + 1], ['253402300800000'], ['8639999999999999'], [-1]])(
    '%p is undefined',
    (value) => {
      expect(epochMsToUtcIso(value)).toBeUndefined();
    },
  );
});

describe('isValidTimeZone', () => {
  test('an IANA zone is valid, an invented one is not', () => {
    expect(isValidTimeZone('Asia/Seoul')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
