/**
 * The conditional writes of the store as plain data: each one idempotent on its own, none needing a transaction
 * (dynalite has no TransactWriteItems). Pure; `createStatusStore.ts` sends them.
 */
import type { HistoryItem, Outcome } from './items';

/**
 * `supersedes(candidate, stored)` (functions/events/status.ts) in DynamoDB's condition language, on the state item.
 * `orderAt` is the time when trusted and `UNTRUSTED_ORDER_AT` ("0", below every trusted time) when not (items.ts),
 * so one comparison covers "trusted beats untrusted" and "two untrusted: the eventId decides":
 *
 * ```
 * no state yet ─────────────────────────────────────────────► write
 * stored.rank < rank ───────────────────────────────────────► write
 * stored.rank = rank  and  stored.orderAt < orderAt ────────► write   (untrusted < trusted; trusted: older < newer)
 * stored.rank = rank  and  same orderAt  and  stored.eventId < eventId ──► write
 * otherwise ────────────────────────────────────────────────► ConditionalCheckFailed
 * ```
 *
 * Written flat, one level of parentheses, the way the original rule was: dynalite's expression parser backtracks
 * on nested groups, and a nested form of this same condition cost it 100–500 ms per write (10–20 ms flat).
 *
 * A second copy of an event already in the state never gets here: the state's version compare-and-set sends it
 * back to re-read, and then it finds its own event (applyEvent.ts). A state written before `orderAt` existed is compared by its `occurredAt`, as a trusted time. Text comparison is
 * time order because times are canonical `toISOString()` values (fixed width, UTC), and id order because event ids
 * are lower-case hex, compared byte-wise by DynamoDB as by JavaScript.
 */
export const SUPERSEDES_CONDITION =
  'attribute_not_exists(#pk) OR #rank < :rank OR (#rank = :rank AND #orderAt < :orderAt) OR ' +
  '(#rank = :rank AND #orderAt = :orderAt AND #eventId < :eventId) OR ' +
  '(#rank = :rank AND attribute_not_exists(#orderAt) AND #occurredAt < :orderAt) OR ' +
  '(#rank = :rank AND attribute_not_exists(#orderAt) AND #occurredAt = :orderAt AND #eventId < :eventId)';

/** Written only if no item has the key: the first copy of an event to finish is the one kept. */
export const FIRST_WRITE_CONDITION = 'attribute_not_exists(#pk)';

/** A delivery's claim to publish an event: who (its SQS messageId) and until when (epoch seconds). */
export interface ClaimTerms {
  readonly claimant: string;
  readonly nowSeconds: number;
  readonly expiresAt: number;
}

/**
 * The live claims to publish of the events that moved a state, by eventId: `by` the SQS messageId of the delivery,
 * `until` epoch seconds. An event leaves the map only once its claim has expired (by then its claimant has ended,
 * the claim outlives the consumer's timeout), so while any delivery may still be publishing an event that moved the
 * state, however many newer events overtook it since, a duplicate finds its claim here.
 */
export type StateClaims = Readonly<Record<string, { readonly by: string; readonly until: number }>>;

/** `claims` without the expired entries, and with `eventId`'s claim set to `claim`. */
export function claimsWith(claims: StateClaims | undefined, eventId: string, claim: ClaimTerms): StateClaims {
  const live = Object.entries(claims ?? {}).filter(([id, entry]) => id !== eventId && entry.until >= claim.nowSeconds);
  return Object.fromEntries([...live, [eventId, { by: claim.claimant, until: claim.expiresAt }]]);
}

/** Compare-and-set on the state's `version`: the write is based on the state as read (none: no state, or one from before versions). */
function versionCheck(expectedVersion: number | undefined): string {
  return expectedVersion === undefined ? 'attribute_not_exists(#version)' : '#version = :expectedVersion';
}

function versionValue(expectedVersion: number | undefined): Record<string, number> {
  return expectedVersion === undefined ? {} : { ':expectedVersion': expectedVersion };
}

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
export function stateUpdate(
  item: HistoryItem,
  options: { updatedAt: string; expiresAt?: number; claims: StateClaims; expectedVersion: number | undefined },
): UpdateParts {
  if (item.messageId === undefined || item.status === undefined || item.final === undefined || item.rank === undefined) {
    throw new TypeError(`event ${item.eventId} is not a recorded message status`);
  }
  const { expression, names, values } = setOrRemove(
    {
      provider: item.provider,
      messageId: item.messageId,
      ...(item.part ? { part: item.part } : {}),
      channel: item.channel,
      eventId: item.eventId,
      status: item.status,
      final: item.final,
      rank: item.rank,
      providerStatus: item.providerStatus,
      error: item.error,
      occurredAt: item.occurredAt,
      receivedAt: item.receivedAt,
      orderAt: item.orderAt,
      updatedAt: options.updatedAt,
      expiresAt: options.expiresAt,
      claims: options.claims,
      version: (options.expectedVersion ?? 0) + 1,
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
    ConditionExpression: `(${SUPERSEDES_CONDITION}) AND ${versionCheck(options.expectedVersion)}`,
    ExpressionAttributeNames: {
      ...names,
      '#pk': 'pk',
      '#previousStatus': 'previousStatus',
      '#previousEventId': 'previousEventId',
      '#replacedPreviousStatus': 'replacedPreviousStatus',
    },
    ExpressionAttributeValues: { ...values, ':null': null, ...versionValue(options.expectedVersion) },
  };
}

/**
 * Takes over the expired claim that the state's `claims` hold (or held, before another write dropped it) for an
 * event, based on the state as read: a compare-and-set on `version`, so of two deliveries taking over at once one wins.
 */
export function stateClaimTakeover(claims: StateClaims, expectedVersion: number | undefined): UpdateParts {
  return {
    UpdateExpression: 'SET #claims = :claims, #version = :version',
    ConditionExpression: `attribute_exists(#pk) AND ${versionCheck(expectedVersion)}`,
    ExpressionAttributeNames: { '#pk': 'pk', '#claims': 'claims', '#version': 'version' },
    ExpressionAttributeValues: { ':claims': claims, ':version': (expectedVersion ?? 0) + 1, ...versionValue(expectedVersion) },
  };
}

/**
 * The claim to publish an event whose state item does not carry it (an event of a type without state, or a status
 * that did not supersede), on its small publication item: records `outcome` unless one is there already (the first
 * answer stays) and takes the claim only if none is unexpired, its own included. A retry of a delivery whose publish
 * failed comes after the queue's visibility timeout (180 s), well after the claim (60 s) expired, and takes it over
 * like anyone; a second copy of the same SQS message running at the same time (standard queues may deliver one
 * twice) is refused. Once the event is published its history item exists, and no delivery gets this far.
 *
 * ```
 * claimedBy:  none ───────── A (until t+claim) ─────────── A's publish fails ── A retried after t+visibility: takes over
 *                            B (a duplicate) arrives: refused, succeeds without publishing
 *                            A' (A's message, delivered twice at once): refused, retried later (applyEvent.ts)
 *                            C arrives after t+claim, no history item: takes over (A died)
 * ```
 */
export function claimUpdate(outcome: Outcome, item: { eventId: string; expiresAt?: number }, claim: ClaimTerms): UpdateParts {
  const set = ['#outcome = if_not_exists(#outcome, :outcome)', '#eventId = :eventId', '#claimedBy = :claimant', '#claimExpiresAt = :claimExpiresAt'];
  const names: Record<string, string> = {
    '#outcome': 'outcome',
    '#eventId': 'eventId',
    '#claimedBy': 'claimedBy',
    '#claimExpiresAt': 'claimExpiresAt',
  };
  const values: Record<string, unknown> = {
    ':outcome': outcome,
    ':eventId': item.eventId,
    ':claimant': claim.claimant,
    ':claimExpiresAt': claim.expiresAt,
    ':now': claim.nowSeconds,
  };
  if (item.expiresAt !== undefined) {
    set.push('#expiresAt = if_not_exists(#expiresAt, :expiresAt)');
    names['#expiresAt'] = 'expiresAt';
    values[':expiresAt'] = item.expiresAt;
  }
  return {
    UpdateExpression: `SET ${set.join(', ')}`,
    ConditionExpression: 'attribute_not_exists(#claimedBy) OR #claimExpiresAt < :now',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
