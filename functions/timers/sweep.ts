/**
 * One sweep: the timers that fell due since the last sweep, each handed to its kind (./kinds.ts), and the events
 * they answer put on the events queue. No scan: only the hour partitions between the cursor and now are queried.
 *
 * ```
 * cursor c (or now − lookback the first time; never older than the timers' retention)
 *   for each UTC hour h from hour(c) to hour(now):
 *     Query DUE#h ── timers with c < dueAt ≤ now ── kind.eventFor (reads) ── events ──► SendMessageBatch
 *     all handled → cursor := min(end of h, now)        (a later sweep starts there)
 *     a failure   → the cursor stays; later hours are still swept, and the next sweep sweeps them again
 * ```
 *
 * Sweeping again what was swept costs reads, never a second event: a kind reads the state before it answers (a
 * message already marked is final) and its event's id is deterministic, so the consumer records it once. Two sweeps
 * at once are as harmless, and the cursor only moves forward. A timer written later than its hour was swept would
 * be missed; none is, since the consumer writes a timer at least its window (≥ 1 hour on AWS) before it is due.
 */
import type { NormalizedEvent } from '../events/schema';
import { TIMERS } from '../settings';
import type { StatusStore } from '../store/createStatusStore';
import type { TimerItem, TimerStore } from './createTimerStore';
import { DUE_KINDS, type DueKind } from './kinds';
import { duePartitionKey, hoursBetween } from './keys';

/** Sends events to the events queue; answers those that are not on it (`functions/ingest/enqueue.ts`). */
export type SendEvents = (events: readonly NormalizedEvent[]) => Promise<ReadonlyArray<{ readonly eventId: string; readonly code: string }>>;

export interface SweepOptions {
  readonly timers: TimerStore;
  readonly statusStore: Pick<StatusStore, 'readState' | 'readHistory' | 'readTakenParts'>;
  readonly send: SendEvents;
  readonly now: Date;
  /** How far back a sweep with no cursor looks, in hours. @default TIMERS.lookbackHours */
  readonly lookbackHours?: number;
  /** Report what would be sent; send nothing and leave the cursor. @default false */
  readonly dryRun?: boolean;
  /** @default DUE_KINDS */
  readonly kinds?: Readonly<Record<string, DueKind>>;
  /** Timers handled at once (each is a read or two). @default 16 */
  readonly concurrency?: number;
}

/** An event a sweep sent (or, dry, would send). */
export interface SweptEvent {
  readonly kind: string;
  readonly provider: string;
  readonly messageId?: string;
  readonly eventId: string;
  readonly status?: string;
  readonly dueAt: string;
}

export interface SweepFailure {
  readonly kind: string;
  readonly provider: string;
  readonly messageId?: string;
  readonly reason: string;
}

export interface SweepReport {
  /** Timers due after this time were looked at… */
  readonly from: string;
  /** …up to this one (the sweep's time). */
  readonly to: string;
  /** The partitions queried, oldest first. */
  readonly partitions: readonly string[];
  /** Timers that fell due in the range. */
  readonly due: number;
  readonly sent: readonly SweptEvent[];
  /** Due timers with nothing left to do (the receipt came). */
  readonly settled: number;
  readonly failures: readonly SweepFailure[];
  /** The cursor after the sweep (unchanged on a dry run). */
  readonly cursor?: string;
  readonly dryRun: boolean;
}

const HOUR_MS = 3_600_000;

/** `work` over `items`, at most `limit` at once, results in order; a rejection is kept as its error. */
async function settleAll<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<Array<{ ok: true; value: R } | { ok: false; error: unknown }>> {
  const results: Array<{ ok: true; value: R } | { ok: false; error: unknown }> = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { ok: true, value: await work(items[index]) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const failureOf = (timer: TimerItem, reason: string): SweepFailure => ({
  kind: timer.kind,
  provider: timer.provider,
  ...(timer.messageId !== undefined ? { messageId: timer.messageId } : {}),
  reason,
});

/**
 * Sweeps the timers due by `now`.
 *
 * @example
 * ```ts
 * import type { SQSClient } from '@aws-sdk/client-sqs';
 * import { enqueueEvents } from '../ingest/enqueue';
 * import type { StatusStore } from '../store/createStatusStore';
 * import type { TimerStore } from './createTimerStore';
 * declare const timers: TimerStore;
 * declare const statusStore: StatusStore;
 * declare const sqs: SQSClient;
 * declare const url: string;
 *
 * const report = await sweep({ timers, statusStore, now: new Date(), send: async (events) => (await enqueueEvents(sqs, url, events)).failures });
 * ```
 */
export async function sweep(options: SweepOptions): Promise<SweepReport> {
  const { timers, now } = options;
  const kinds = options.kinds ?? DUE_KINDS;
  const dryRun = options.dryRun ?? false;
  const lookbackHours = options.lookbackHours ?? TIMERS.lookbackHours;
  const cursor = await timers.cursor();
  // Older timers are gone (their TTL), so there is nothing to catch up on before this.
  const oldest = now.getTime() - TIMERS.retentionDays * 86_400_000;
  const from = new Date(Math.max(cursor?.getTime() ?? now.getTime() - lookbackHours * HOUR_MS, oldest));

  const partitions: string[] = [];
  const sent: SweptEvent[] = [];
  const failures: SweepFailure[] = [];
  let due = 0;
  let settled = 0;
  let advancing = !dryRun;
  let reached = cursor;

  for (const hour of hoursBetween(from, now)) {
    partitions.push(duePartitionKey(hour));
    const timersDue = (await timers.dueIn(hour)).filter((timer) => {
      const at = Date.parse(timer.dueAt);
      return at > from.getTime() && at <= now.getTime();
    });
    due += timersDue.length;
    const failedBefore = failures.length;
    const answers = await settleAll(timersDue, options.concurrency ?? 16, async (timer) => {
      const kind = kinds[timer.kind];
      if (!kind) throw new Error(`no timer kind "${timer.kind}" (${Object.keys(kinds).join(', ')})`);
      return kind.eventFor(timer, { statusStore: options.statusStore, now });
    });
    const toSend: Array<{ timer: TimerItem; event: NormalizedEvent }> = [];
    answers.forEach((answer, index) => {
      const timer = timersDue[index];
      if (!answer.ok) failures.push(failureOf(timer, (answer.error as Error).message ?? String(answer.error)));
      else if (answer.value === undefined) settled += 1;
      else toSend.push({ timer, event: answer.value });
    });
    // Two timers of one message (a retried first write across an hour boundary) make one event.
    const unique = [...new Map(toSend.map((entry) => [entry.event.eventId, entry])).values()];
    const notQueued = new Map(
      (dryRun || unique.length === 0 ? [] : await options.send(unique.map((entry) => entry.event))).map((f) => [f.eventId, f.code]),
    );
    for (const { timer, event } of unique) {
      const code = notQueued.get(event.eventId);
      if (code !== undefined) {
        failures.push(failureOf(timer, `not queued: ${code}`));
        continue;
      }
      sent.push({
        kind: timer.kind,
        provider: event.provider,
        ...(event.messageId !== undefined ? { messageId: event.messageId } : {}),
        eventId: event.eventId,
        ...(event.status !== undefined ? { status: event.status } : {}),
        dueAt: timer.dueAt,
      });
    }
    advancing &&= failures.length === failedBefore;
    if (advancing) {
      reached = new Date(Math.min(hour.getTime() + HOUR_MS - 1, now.getTime()));
      await timers.advanceCursor(reached);
    }
  }
  return {
    from: from.toISOString(),
    to: now.toISOString(),
    partitions,
    due,
    sent,
    settled,
    failures,
    ...(reached ? { cursor: reached.toISOString() } : {}),
    dryRun,
  };
}
