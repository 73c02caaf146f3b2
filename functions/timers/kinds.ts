/**
 * What each kind of timer does when it falls due: one row per kind, the sweeper's whole dispatch. A kind reads
 * what it needs and answers the event to put on the events queue, or nothing when the wait ended on its own (the
 * receipt came). Sending it through the queue, rather than writing the table here, keeps the consumer the only
 * writer of statuses and the only publisher: the event is applied, recorded and published exactly once, like any.
 */
import type { NormalizedEvent } from '../events/schema';
import type { StatusStore } from '../store/createStatusStore';
import type { TimerItem } from './createTimerStore';
import { STALE_KIND, staleEventOf } from './stale';
import { REASSEMBLY_KIND, overdueReassemblyOf } from '../consume/reassembly';

/** What a kind may read when its timer falls due. */
export interface DueContext {
  readonly statusStore: Pick<StatusStore, 'readState' | 'readHistory' | 'readTakenParts'>;
  /** The sweep's time. */
  readonly now: Date;
}

export interface DueKind {
  /** The event to send for `timer`, or undefined when there is nothing left to do. */
  eventFor(timer: TimerItem, context: DueContext): Promise<NormalizedEvent | undefined>;
}

/** Every kind of timer, by the name its due items carry. */
export const DUE_KINDS: Readonly<Record<string, DueKind>> = {
  [STALE_KIND]: {
    async eventFor(timer, { statusStore, now }) {
      if (timer.messageId === undefined) return undefined;
      const state = await statusStore.readState(timer.provider, timer.messageId);
      // No state: expired by its TTL (or never written: the consumer's state write failed for good).
      if (!state || state.final) return undefined;
      return staleEventOf(state, timer, now);
    },
  },
  // An inbound SMS whose parts never all arrived: what came, marked incomplete (nothing when it completed meanwhile).
  [REASSEMBLY_KIND]: {
    eventFor: (timer, { statusStore, now }) => overdueReassemblyOf(timer, statusStore, now),
  },
};
