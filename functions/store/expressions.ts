/**
 * The conditional writes of the store as plain data: each one idempotent on its own, none needing a transaction
 * (dynalite has no TransactWriteItems). Pure; `createStatusStore.ts` sends them.
 */
import type { HistoryItem, Outcome } from './items';

/**
 * `supersedes(candidate, stored)` (functions/events/status.ts) in DynamoDB's condition language, on the state item:
 *
 * ```
 * no state yet ─────────────────────────────────────────────► write
 * stored.rank < rank ───────────────────────────────────────► write
 * stored.rank = rank  and  stored.occurredAt < occurredAt ──► write
 * stored.rank = rank  and  same occurredAt  and  stored.eventId < eventId ──► write
 * otherwise (including the same event again) ──────────────► ConditionalCheckFailed
 * ```
 *
 * Text comparison is time order because both times are canonical `toISOString()` values (fixed width, UTC), and
 * id order because event ids are lower-case hex, compared byte-wise by DynamoDB as by JavaScript.
 */
export const SUPERSEDES_CONDITION =
  'attribute_not_exists(#pk) OR #rank < :rank OR (#rank = :rank AND #occurredAt < :occurredAt) OR ' +
  '(#rank = :rank AND #occurredAt = :occurredAt AND #eventId < :eventId)';

/** Written only if no item has the key: the first delivery's copy of an event is the one kept. */
export const FIRST_WRITE_CONDITION = 'attribute_not_exists(#pk)';

export interface UpdateParts {
  readonly UpdateExpression: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Record<string, unknown>;
}

/** Builds `SET a = :a, …` for defined values and `REMOVE b, …` for undefined ones, so a state never keeps a stale field. */
function setOrRemove(fields: Readonly<Record<string, unknown>>, extraSet: readonly string[] = []) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const set = [...extraSet];
  const remove: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    names[`#${name}`] = name;
    if (value === undefined) remove.push(`#${name}`);
    else {
      values[`:${name}`] = value;
      set.push(`#${name} = :${name}`);
    }
  }
  const expression = `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`;
  return { expression, names, values };
}

/**
 * The state write of a recorded status event: replaces the message's state when the event supersedes it, and
 * keeps, in the same write, the status and event it replaced (read from the old item by the update itself, so no
 * read-then-write race).
 */
export function stateUpdate(item: HistoryItem, options: { updatedAt: string; expiresAt?: number }): UpdateParts {
  if (item.messageId === undefined || item.status === undefined || item.final === undefined || item.rank === undefined) {
    throw new TypeError(`event ${item.eventId} is not a recorded message status`);
  }
  const { expression, names, values } = setOrRemove(
    {
      provider: item.provider,
      messageId: item.messageId,
      channel: item.channel,
      eventId: item.eventId,
      status: item.status,
      final: item.final,
      rank: item.rank,
      providerStatus: item.providerStatus,
      error: item.error,
      occurredAt: item.occurredAt,
      receivedAt: item.receivedAt,
      updatedAt: options.updatedAt,
      expiresAt: options.expiresAt,
    },
    // Right-hand sides see the item as it was before this update. `replacedPreviousStatus` keeps what the replaced
    // event had replaced, so that event's outcome can still be told if recording it failed (applyEvent.ts).
    [
      '#previousStatus = if_not_exists(#status, :null)',
      '#previousEventId = if_not_exists(#eventId, :null)',
      '#replacedPreviousStatus = if_not_exists(#previousStatus, :null)',
    ],
  );
  return {
    UpdateExpression: expression,
    ConditionExpression: SUPERSEDES_CONDITION,
    ExpressionAttributeNames: {
      ...names,
      '#pk': 'pk',
      '#previousStatus': 'previousStatus',
      '#previousEventId': 'previousEventId',
      '#replacedPreviousStatus': 'replacedPreviousStatus',
    },
    ExpressionAttributeValues: { ...values, ':null': null },
  };
}

/**
 * Records `outcome` on an event's publication item unless one is there already (the first answer stays), creating
 * the item if need be, and, when `claim` is given, takes the right to publish the event: only if it is not
 * published yet and no claim is unexpired, its own included. A retry of a delivery whose publish failed comes after
 * the queue's visibility timeout (180 s), well after the claim (60 s) expired, and takes it over like anyone; a
 * second copy of the same SQS message running at the same time (standard queues may deliver one twice) is refused.
 *
 * ```
 * claimedBy:  none ───────── A (until t+claim) ─────────── A's publish fails ── A retried after t+visibility: takes over
 *                            B (a duplicate) arrives: refused, succeeds without publishing
 *                            A' (A's message, delivered twice at once): refused, retried later (applyEvent.ts)
 *                            C arrives after t+claim with no publishedAt: takes over (A died)
 * ```
 */
export function settleUpdate(
  outcome: Outcome,
  item: { eventId: string; expiresAt?: number },
  claim?: { claimant: string; nowSeconds: number; expiresAt: number },
): UpdateParts {
  const set = ['#outcome = if_not_exists(#outcome, :outcome)', '#eventId = :eventId'];
  const names: Record<string, string> = { '#outcome': 'outcome', '#eventId': 'eventId' };
  const values: Record<string, unknown> = { ':outcome': outcome, ':eventId': item.eventId };
  if (item.expiresAt !== undefined) {
    set.push('#expiresAt = if_not_exists(#expiresAt, :expiresAt)');
    names['#expiresAt'] = 'expiresAt';
    values[':expiresAt'] = item.expiresAt;
  }
  if (!claim) return { UpdateExpression: `SET ${set.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
  return {
    UpdateExpression: `SET ${[...set, '#claimedBy = :claimant', '#claimExpiresAt = :claimExpiresAt'].join(', ')}`,
    ConditionExpression:
      'attribute_not_exists(#publishedAt) AND (attribute_not_exists(#claimedBy) OR #claimExpiresAt < :now)',
    ExpressionAttributeNames: { ...names, '#claimedBy': 'claimedBy', '#claimExpiresAt': 'claimExpiresAt', '#publishedAt': 'publishedAt' },
    ExpressionAttributeValues: { ...values, ':claimant': claim.claimant, ':claimExpiresAt': claim.expiresAt, ':now': claim.nowSeconds },
  };
}
