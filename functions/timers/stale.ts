/**
 * The `stale` timer: an outbound message that stays without a final status longer than its provider's window gets
 * a canonical `unknown` final event of our own, so downstream services learn that no receipt will come (AWS End
 * User Messaging does the same after 72 hours). The event goes through the events queue like any provider's, so
 * the consumer applies, records and publishes it exactly once, by its deterministic eventId.
 *
 * ```
 * consumer, first status of a message, non-final ── Put DUE#<hour of t+window>  stale#MSG#<provider>#<messageId>
 *   (before the state write: a crash between the two leaves the timer, a retry Puts it again)
 * sweeper, once due ── state final (a receipt came) ── nothing
 *                   └─ state non-final ── event `unknown`, final, providerStatus `no-final-status` ──► events queue
 * consumer ── unknown (rank 50) supersedes every non-final; a later `delivered` (60) supersedes it, a `sent` (40) not
 * ```
 *
 * The window is counted from the consumer's first recording of the message (its first status seen), and fixed
 * then: changing the setting applies to messages first seen afterwards. A message whose first status is already
 * final never gets a timer (a final state never becomes non-final again), and neither does one whose provider's
 * window is 0.
 */
import type { NormalizedEvent } from '../events/schema';
import { SCHEMA_VERSION } from '../events/constants';
import { eventIdOf } from '../core/ids';
import { ConfigurationError } from '../core/errors';
import type { HistoryItem, StateItem } from '../store/items';
import { PROVIDER_ID_PATTERN } from '../events/constants';
import type { Timer, TimerItem } from './createTimerStore';

/** The timer kind, as stored in the due item's sort key. */
export const STALE_KIND = 'stale';

/** `providerStatus` of the sweeper's `unknown` events: not a provider's value, ours. */
export const STALE_PROVIDER_STATUS = 'no-final-status';

/** How long each provider's messages may stay non-final, in hours; 0 = never marked. */
export interface StaleWindows {
  readonly defaultHours: number;
  readonly byProvider?: Readonly<Record<string, number>>;
}

/** The window of `provider`, in hours (0: none). */
export function staleHoursOf(windows: StaleWindows, provider: string): number {
  return windows.byProvider?.[provider] ?? windows.defaultHours;
}

/**
 * `STALE_AFTER_HOURS_BY_PROVIDER`: JSON `{ "<provider id>": hours }`, hours a number ≥ 0. Empty or absent: none.
 * @throws ConfigurationError naming the bad entry
 */
export function parseStaleHoursByProvider(text: string | undefined, name = 'STALE_AFTER_HOURS_BY_PROVIDER'): Record<string, number> {
  if (text === undefined || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${name} is not JSON (expected {"<provider>": hours})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(`${name} must be a JSON object {"<provider>": hours}`);
  }
  for (const [provider, hours] of Object.entries(parsed)) {
    if (!PROVIDER_ID_PATTERN.test(provider)) throw new ConfigurationError(`${name}: "${provider}" is not a provider id`);
    if (typeof hours !== 'number' || !Number.isFinite(hours) || hours < 0) {
      throw new ConfigurationError(`${name}.${provider}: ${JSON.stringify(hours)} must be a number of hours, 0 or more`);
    }
  }
  return parsed as Record<string, number>;
}

/**
 * The timer of a message first recorded at `now` with `item` (its first status), or undefined when it needs none:
 * a final first status, or a window of 0.
 */
export function staleTimerOf(item: HistoryItem, now: Date, windows: StaleWindows): Timer | undefined {
  const hours = staleHoursOf(windows, item.provider);
  // A report on one part: its message gets its timer when its rolled-up status is first recorded (consume/multipart.ts).
  if (!(hours > 0) || item.final !== false || item.messageId === undefined || item.part !== undefined) return undefined;
  return {
    kind: STALE_KIND,
    subject: item.pk,
    dueAt: new Date(now.getTime() + hours * 3_600_000).toISOString(),
    provider: item.provider,
    messageId: item.messageId,
    data: { staleAfterHours: hours },
  };
}

/** The id of the `unknown` event of a message: the same in every sweep, so reruns and races make one event. */
export const staleEventIdOf = (provider: string, messageId: string): string => eventIdOf(provider, 'timer', STALE_KIND, messageId);

/**
 * The canonical `unknown` event of a message whose `timer` fell due while its `state` was still non-final, as the
 * sweeper sends it at `now`. Pure. `occurredAt` is the due time (when the message became stale by this rule), so
 * every sweep builds the same event.
 */
export function staleEventOf(state: StateItem, timer: Pick<TimerItem, 'dueAt' | 'data'>, now: Date): NormalizedEvent {
  const hours = timer.data?.staleAfterHours;
  return {
    schemaVersion: SCHEMA_VERSION,
    eventId: staleEventIdOf(state.provider, state.messageId),
    provider: state.provider,
    channel: state.channel,
    type: 'message.status',
    messageId: state.messageId,
    status: 'unknown',
    final: true,
    providerStatus: STALE_PROVIDER_STATUS,
    occurredAt: new Date(timer.dueAt).toISOString(),
    receivedAt: now.toISOString(),
    data: {
      reason: `no final status ${typeof hours === 'number' ? `within ${hours} hours` : 'in time'}; marked by the sweeper`,
      ...(typeof hours === 'number' ? { staleAfterHours: hours } : {}),
      lastStatus: state.status,
      lastEventId: state.eventId,
      ...(state.providerStatus !== undefined ? { lastProviderStatus: state.providerStatus } : {}),
    },
    raw: null,
  };
}
