/**
 * Where timers live in the status table (`functions/store/keys.ts` has the rest of it). A timer is a small due item
 * in the partition of the UTC hour it falls due in, so a sweep reads the few partitions of the hours it has to look
 * at (a Query each) and never scans the table.
 *
 * ```
 * pk                       sk                          what
 * DUE#<yyyy-mm-ddThh>      <kind>#<subject partition>  a timer of `kind` about `subject`, due in that UTC hour
 * SWEEP                    CURSOR                      every timer due up to `at` has been handled
 * ```
 *
 * The sort key has no time in it: the timer of one kind on one subject is one item per hour bucket, so a retried
 * write lands on the item its first try wrote (an idempotent Put).
 */

import { eventIdOf } from '../core/ids';

const DUE_PREFIX = 'DUE#';

/** 2026-03-02T09:41:00.000Z → `2026-03-02T09`: the hour a time falls in, as text that sorts as time does. */
export const hourOf = (at: Date): string => at.toISOString().slice(0, 13);

/** Partition of the timers due in the UTC hour of `at`. */
export const duePartitionKey = (at: Date): string => `${DUE_PREFIX}${hourOf(at)}`;

/** DynamoDB's limit on a sort key is 1,024 bytes; the subject is at most a partition key (2,048). */
const MAX_READABLE_SUBJECT_BYTES = 900;

/**
 * Sort key of the timer of `kind` about the partition `subject`: the subject as is, readable in the table, unless it is
 * too long for a sort key (a message id may be 1,024 characters), then `#` and its hash. Either way one subject is one
 * key, so writing a timer twice is one item; the item keeps the whole subject as an attribute.
 */
export const dueSortKey = (kind: string, subject: string): string =>
  Buffer.byteLength(subject, 'utf8') <= MAX_READABLE_SUBJECT_BYTES ? `${kind}#${subject}` : `${kind}##${eventIdOf('timer', subject)}`;

/** The cursor item's key. */
export const CURSOR_KEY = { pk: 'SWEEP', sk: 'CURSOR' } as const;

const HOUR_MS = 3_600_000;

/** Start of the UTC hour of `at`. */
export const startOfHour = (at: Date): Date => new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);

/** Every UTC hour from the one of `from` to the one of `to`, both included, oldest first (none if `from` > `to`). */
export function hoursBetween(from: Date, to: Date): Date[] {
  const hours: Date[] = [];
  if (from.getTime() > to.getTime()) return hours;
  for (let at = startOfHour(from).getTime(); at <= to.getTime(); at += HOUR_MS) hours.push(new Date(at));
  return hours;
}
