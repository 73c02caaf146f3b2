/**
 * The canonical status model (docs/design.md "Canonical status and order"): one table, and the one rule that decides
 * whether an event may replace the stored status of a message. Pure; the consumer and the tests share it.
 */

export const CANONICAL_STATUSES = [
  'accepted',
  'queued',
  'sending',
  'sent',
  'unknown',
  'delivered',
  'undelivered',
  'failed',
  'expired',
  'rejected',
  'read',
] as const;

export type CanonicalStatus = (typeof CANONICAL_STATUSES)[number];

export interface StatusInfo {
  readonly rank: number;
  readonly final: boolean;
}

export const STATUS_TABLE: Readonly<Record<CanonicalStatus, StatusInfo>> = {
  accepted: { rank: 10, final: false },
  queued: { rank: 20, final: false },
  sending: { rank: 30, final: false },
  sent: { rank: 40, final: false },
  // A provider's own "no report will come" (Webcom partly_deliver, NHN DLR UNKNOWN): final, but a real outcome
  // arriving later still outranks it.
  unknown: { rank: 50, final: true },
  delivered: { rank: 60, final: true },
  undelivered: { rank: 60, final: true },
  failed: { rank: 60, final: true },
  expired: { rank: 60, final: true },
  rejected: { rank: 60, final: true },
  read: { rank: 70, final: true },
};

/**
 * Rank of a status that a provider sent but no mapping table knows. Such an event is stored as `unknown`,
 * non-final, kept in history and counted, and must never outrank anything real: rank 0.
 */
export const UNMAPPED_RANK = 0;

/** What an adapter emits for a provider status it cannot map. */
export const UNMAPPED_STATUS = { status: 'unknown', final: false } as const satisfies {
  status: CanonicalStatus;
  final: boolean;
};

export function isCanonicalStatus(value: string): value is CanonicalStatus {
  return Object.hasOwn(STATUS_TABLE, value);
}

/** The fields of an event (or of a stored state) that ordering looks at. */
export interface Ordered {
  readonly status: CanonicalStatus;
  readonly final: boolean;
  /** ISO-8601 UTC, the provider's own time. */
  readonly occurredAt: string;
  readonly eventId: string;
  /** Whether `occurredAt` may order this event against others ({@link isTimeTrusted}); absent means trusted. */
  readonly timeTrusted?: boolean;
}

/** How far a provider time may be from the event's arrival and still be trusted for ordering, by default: one day. */
export const DEFAULT_TRUSTED_TIME_WINDOW_MS = 86_400_000;

/**
 * Whether an event's provider time can be trusted to order it: not when the provider gave none (`occurredAt` is
 * then the receipt time, with no `occurredAtRaw`), not when the adapter marked it (`occurredAtTrusted: false`, a
 * zone-less time kept raw), and not when it is implausibly far from the arrival, more than `windowMs` either way
 * (a `9999-12-31` would otherwise pin a status for ever). The time is still recorded and published as sent.
 */
export function isTimeTrusted(
  event: { readonly occurredAt: string; readonly receivedAt: string; readonly occurredAtRaw?: string; readonly occurredAtTrusted?: boolean },
  windowMs: number = DEFAULT_TRUSTED_TIME_WINDOW_MS,
): boolean {
  if (event.occurredAtTrusted === false) return false;
  const occurred = Date.parse(event.occurredAt);
  const received = Date.parse(event.receivedAt);
  if (event.occurredAtRaw === undefined && occurred === received) return false;
  return Math.abs(occurred - received) <= windowMs;
}

/** Rank used for ordering: the table's rank, or {@link UNMAPPED_RANK} for an unmapped (non-final unknown) status. */
export function rankOf(entry: Pick<Ordered, 'status' | 'final'>): number {
  if (entry.status === 'unknown' && !entry.final) return UNMAPPED_RANK;
  return STATUS_TABLE[entry.status].rank;
}

/**
 * Whether `candidate` should replace `current` as the stored state of a message.
 *
 * - A higher rank wins.
 * - Equal rank, one time trusted and the other not ({@link isTimeTrusted}): the trusted one wins. A missing,
 *   unplaceable or implausible time never decides against a real one.
 * - Equal rank, both untrusted: the larger eventId wins (no time is compared, so no receipt clock decides).
 * - Equal rank, both trusted: the newer provider time wins (for finals this is docs/design.md's rule; for non-finals the status is
 *   the same by construction, so only the metadata moves forward). Times compare as instants at millisecond
 *   precision (what `Date` keeps), so `2024-01-01T00:00:00Z` and `2024-01-01T00:00:00.000Z` are equal.
 * - Equal rank and equal time: the larger eventId wins. This tie-break is arbitrary but total, so every delivery
 *   order of the same events ends in the same state (reliability case 13).
 *
 * ```
 * rank:  sent(40) ── delivered(60) ─┬─ read(70)
 *                    failed(60)  ───┘   equal ranks: newer occurredAt, then larger eventId
 * ```
 */
export function supersedes(candidate: Ordered, current: Ordered | undefined): boolean {
  if (!current) return true;
  const byRank = rankOf(candidate) - rankOf(current);
  if (byRank !== 0) return byRank > 0;
  const candidateTrusted = candidate.timeTrusted !== false;
  if (candidateTrusted !== (current.timeTrusted !== false)) return candidateTrusted;
  if (!candidateTrusted) return candidate.eventId > current.eventId;
  // By instant, not by text: the schema accepts any fraction of a second, and `…:00Z` sorts after `…:00.500Z`.
  const byTime = Date.parse(candidate.occurredAt) - Date.parse(current.occurredAt);
  if (byTime !== 0) return byTime > 0;
  return candidate.eventId > current.eventId;
}
