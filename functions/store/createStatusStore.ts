/**
 * The status store: the table's reads and conditional writes, one method per step of applying an event
 * (functions/consume/applyEvent.ts runs them). No transactions, TTL or streams are needed (dynalite has none), and a
 * new status event costs 2 write units: the history item, which carries the recorded event compressed (items.ts,
 * eventCodec.ts: under 1 KB for every provider's typical delivery report, 1 unit; a large event's can take 2), is
 * written exactly once and last; everything before it is one 1-unit write on a small item.
 *
 * ```
 * per event   reads (consistent GetItem, never billed as writes)      writes                          units
 * ─────────   ────────────────────────────────────────────────────    ──────────────────────────────  ─────
 * new, in     history item? no · state                                 STATE  status + claim  (if E ≻ S)   1
 *   order                                                 publish ──►  EVENT# history + outcome (if ∄)  1 (< 1 KB)
 * new, late   history item? no · state (E ⊀ S: refused for good)       PUB#   outcome + claim (if no live) 1
 *   other type                                            publish ──►  EVENT# history + outcome (if ∄)  1 (< 1 KB)
 * duplicate   history item? yes ── finished                            none                              0
 * ```
 *
 * The timeline of one event E of message M, delivered as SQS message A, a duplicate B arriving meanwhile:
 *
 * ```
 * STATE of M   S ──A: E ≻ S, SET status=E, claims[E]=A until t+60 s ─────── E' ≻ E: claims[E] stays until expired
 * EVENT#E      ∄ ────────────────────────────────────────── A: Put, only if ∄ ─── exists: every later copy stops here
 * SNS          ─────────────────────────────── A publishes E once ─┘
 * B (dup)      reads: no EVENT#E, STATE carries E with A's live claim → succeeds, publishes nothing
 * A' (=A, 2×)  same, claim is its own → fails, retried after the visibility timeout
 * A dies       claim expires (60 s < 180 s visibility): A's retry or a later B takes it over (compare-and-set on
 *              the version), publishes with the outcome the state kept (previousStatus …), then Puts EVENT#E
 * ```
 *
 * Every state write (a status, or a claim taken over) is a compare-and-set on the state's `version`, based on the
 * state as read: a write that lost a race is refused, and the delivery reads again and decides again. The state
 * keeps in `claims` the live claim of every event that moved it (an entry leaves only once expired, when its
 * claimant has ended), so a duplicate of an event overtaken by newer ones while its claimant was still publishing
 * finds that claim, and never takes a second one.
 *
 * A status that does not supersede the state (late, lower, or equal and older) and is not in its claims will never
 * supersede it, since the state only moves up the order: it is settled against the state as read, and claims on its
 * own `PUB#<eventId>` item with that outcome (`if_not_exists`: a retry publishes what the first try decided). Other
 * event types do the same with "no status". The one way to a second publication is the one there was before: a
 * claimant that publishes and dies before its history Put is retried, and publishes again.
 *
 * The history item is what says "done": a lookup lists an event once it is finished, and the first copy to finish
 * is the one kept.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { NormalizedEvent } from '../events/schema';
import { DEFAULT_TRUSTED_TIME_WINDOW_MS, type CanonicalStatus } from '../events/status';
import { TABLE } from '../settings';
import { claimsWith, claimUpdate, FIRST_WRITE_CONDITION, stateClaimTakeover, stateUpdate, type ClaimTerms } from './expressions';
import { expiresAtOf, toHistoryItem, type HistoryItem, type Outcome, type PublicationItem, type StateItem } from './items';
import {
  GROUP_SORT_KEY,
  HISTORY_SORT_KEY_PREFIX,
  messagePartitionKey,
  PART_STATE_SORT_KEY_PREFIX,
  publicationSortKey,
  RECORD_KINDS,
  STATE_SORT_KEY,
} from './keys';

export interface StatusStoreOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Days until items expire (TTL attribute `expiresAt`); 0 keeps them for ever. @default TABLE.defaultTtlDays */
  readonly ttlDays?: number;
  /** How far a provider time may be from the arrival and still order events (status.ts `isTimeTrusted`). @default DEFAULT_TRUSTED_TIME_WINDOW_MS */
  readonly trustedTimeWindowMs?: number;
  readonly now?: () => Date;
}

/** What the table already holds about an event. */
export interface Known {
  /** Its history item: the event is applied and published (or, with no topic, applied), nothing is left to do. */
  readonly finished?: HistoryItem;
  /** The state of its message (status events only). */
  readonly state?: StateItem;
}

export type StateWrite = { readonly applied: true; readonly previous?: StateItem } | { readonly applied: false };

/** Who asks for a claim to publish, and for how long it keeps other deliveries away. */
export interface ClaimRequest {
  /** The SQS messageId of the delivery. */
  readonly claimant: string;
  readonly claimSeconds: number;
}

/**
 * Whether this delivery may publish, from the publication item. When not, `heldBySelf` says the claim is another
 * running copy of this very SQS message: that copy is retried later rather than dropped, in case the first one fails.
 */
export type Claim =
  | { readonly claimed: true; readonly outcome: Outcome; readonly first: boolean }
  | { readonly claimed: false; readonly heldBySelf: boolean };

/** One history entry of a message, as the lookup route shows it. */
export interface HistoryEntry {
  readonly eventId: string;
  readonly status?: string;
  readonly providerStatus?: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
}

/** One part of a multipart outbound message, as the lookup route shows it. */
export interface PartEntry {
  readonly index: number;
  readonly total: number;
  /** The provider's id of the part. */
  readonly messageId: string;
  readonly status: CanonicalStatus;
  readonly final: boolean;
  readonly providerStatus?: string;
  readonly occurredAt: string;
}

/** The parts of an inbound group that reassembled messages took: part eventId → the message's eventId. */
export interface TakenParts {
  readonly takenBy: Readonly<Record<string, string>>;
  /** Absent before the first take. */
  readonly version?: number;
}

export interface StoredMessage {
  readonly state: StateItem;
  /** The parts of a multipart message whose provider reports each part (functions/consume/multipart.ts); else empty. */
  readonly parts: PartEntry[];
  /** Every distinct event recorded for the message, oldest first (occurredAt, then eventId). */
  readonly history: HistoryEntry[];
}

export interface StatusStore {
  /** The history item of `event` as this delivery would record it (pure: nothing is written). */
  historyItemOf(event: NormalizedEvent): HistoryItem;
  /** What is known of the event: its history item and, for a status event, its message's state (consistent reads). */
  read(item: HistoryItem): Promise<Known>;
  /**
   * Replaces the state with the event and adds its claim to publish, if the event supersedes the state and the state
   * is still `read` (the state as last read; undefined when there was none).
   */
  applyState(item: HistoryItem, claim: ClaimRequest, read: StateItem | undefined): Promise<StateWrite>;
  /** Takes the claim to publish the event on the state, if the state is still `read`; false otherwise. */
  takeOverStateClaim(item: HistoryItem, claim: ClaimRequest, read: StateItem): Promise<boolean>;
  /** The claim on the event's publication item, with the outcome recorded the first time. */
  claim(item: HistoryItem, outcome: Outcome, claim: ClaimRequest): Promise<Claim>;
  /** Writes the history item with the outcome: the event is finished. The first copy to finish stays. */
  finish(item: HistoryItem, outcome: Outcome, publishedAt?: string): Promise<void>;
  readState(provider: string, messageId: string): Promise<StateItem | undefined>;
  /** The state a recorded status event moves: its message's, or its part's (consistent read). */
  readStateOf(item: HistoryItem): Promise<StateItem | undefined>;
  /** The part states of the message in partition `pk`, by index (consistent query). */
  readPartStates(pk: string): Promise<StateItem[]>;
  /** Every history item of partition `pk`, whole (consistent query): the parts of an inbound group. */
  readHistory(pk: string): Promise<HistoryItem[]>;
  /** Which parts of the inbound group in partition `pk` a reassembled message took (consistent read); empty when none. */
  readTakenParts(pk: string): Promise<TakenParts>;
  /**
   * Records that `takenBy` is now the group's taken parts, if the group item is still as `read` (compare-and-set on its
   * version): false when another message took parts meanwhile (read again and decide again).
   */
  takeParts(pk: string, takenBy: Readonly<Record<string, string>>, read: TakenParts): Promise<boolean>;
  readMessage(provider: string, messageId: string): Promise<StoredMessage | undefined>;
}

const isConditionFailure = (error: unknown): boolean => (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';

/** Attributes the lookup reads; the recorded event (the bulk of a history item) stays behind. */
const MESSAGE_PROJECTION = [
  'pk',
  'sk',
  'provider',
  'messageId',
  'channel',
  'eventId',
  'status',
  'final',
  'rank',
  'providerStatus',
  'occurredAt',
  'receivedAt',
  'updatedAt',
  'previousStatus',
  'previousEventId',
  'part',
] as const;

const byTimeThenId = (a: HistoryEntry, b: HistoryEntry): number =>
  a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;

/**
 * A store over `tableName`.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import type { NormalizedEvent } from '../events/schema';
 * declare const event: NormalizedEvent;
 *
 * const store = createStatusStore({ dynamodb: new DynamoDBClient({}), tableName: 'webhook-messages-prod' });
 * const item = store.historyItemOf(event);
 * const { finished, state } = await store.read(item);
 * ```
 */
export function createStatusStore(options: StatusStoreOptions): StatusStore {
  const documents = DynamoDBDocumentClient.from(options.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = options.tableName;
  const ttlDays = options.ttlDays ?? TABLE.defaultTtlDays;
  const trustedTimeWindowMs = options.trustedTimeWindowMs ?? DEFAULT_TRUSTED_TIME_WINDOW_MS;
  const now = options.now ?? (() => new Date());

  const publicationKey = (item: Pick<HistoryItem, 'pk' | 'eventId'>) => ({ pk: item.pk, sk: publicationSortKey(item.eventId) });
  const stateKey = (item: Pick<HistoryItem, 'pk' | 'stateSk'>) => ({ pk: item.pk, sk: item.stateSk ?? STATE_SORT_KEY });

  /** Every item of partition `pk` whose sort key starts with `prefix`, all pages, consistent. */
  const queryPrefix = async (pk: string, prefix: string, projection?: readonly string[]): Promise<Array<Record<string, unknown>>> => {
    const items: Array<Record<string, unknown>> = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: prefix === '' ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
          ...(projection ? { ProjectionExpression: projection.map((name) => `#${name}`).join(', ') } : {}),
          ExpressionAttributeNames: {
            '#pk': 'pk',
            ...(prefix === '' ? {} : { '#sk': 'sk' }),
            ...(projection ? Object.fromEntries(projection.map((name) => [`#${name}`, name])) : {}),
          },
          ExpressionAttributeValues: { ':pk': pk, ...(prefix === '' ? {} : { ':prefix': prefix }) },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  };

  const getItem = async <T>(pk: string, sk: string): Promise<T | undefined> => {
    const { Item } = await documents.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }));
    return Item as T | undefined;
  };

  const claimTerms = ({ claimant, claimSeconds }: ClaimRequest): ClaimTerms => {
    const nowSeconds = Math.floor(now().getTime() / 1000);
    return { claimant, nowSeconds, expiresAt: nowSeconds + claimSeconds };
  };

  /** Sends a conditional update; false when its condition failed. */
  const conditionally = async (command: UpdateCommand): Promise<boolean> => {
    try {
      await documents.send(command);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };

  return {
    historyItemOf: (event) => toHistoryItem(event, now(), ttlDays, trustedTimeWindowMs),

    async read(item) {
      const [finished, state] = await Promise.all([
        getItem<HistoryItem>(item.pk, item.sk),
        RECORD_KINDS[item.type].hasState ? getItem<StateItem>(item.pk, stateKey(item).sk) : undefined,
      ]);
      return { ...(finished ? { finished } : {}), ...(state ? { state } : {}) };
    },

    async applyState(item, claim, read) {
      const at = now();
      const claims = claimsWith(read?.claims, item.eventId, claimTerms(claim));
      try {
        const { Attributes } = await documents.send(
          new UpdateCommand({
            TableName,
            Key: stateKey(item),
            ...stateUpdate(item, { updatedAt: at.toISOString(), expiresAt: expiresAtOf(at, ttlDays), claims, expectedVersion: read?.version }),
            ReturnValues: 'ALL_OLD',
          }),
        );
        return { applied: true, previous: Attributes as StateItem | undefined };
      } catch (error) {
        if (isConditionFailure(error)) return { applied: false };
        throw error;
      }
    },

    takeOverStateClaim: (item, claim, read) =>
      conditionally(
        new UpdateCommand({
          TableName,
          Key: stateKey(item),
          ...stateClaimTakeover(claimsWith(read.claims, item.eventId, claimTerms(claim)), read.version),
        }),
      ),

    readState: (provider, messageId) => getItem<StateItem>(messagePartitionKey(provider, messageId), STATE_SORT_KEY),

    readStateOf: (item) => getItem<StateItem>(item.pk, stateKey(item).sk),

    readPartStates: async (pk) => (await queryPrefix(pk, PART_STATE_SORT_KEY_PREFIX)) as unknown as StateItem[],

    readHistory: async (pk) => (await queryPrefix(pk, HISTORY_SORT_KEY_PREFIX)) as unknown as HistoryItem[],

    async readTakenParts(pk) {
      const item = await getItem<TakenParts>(pk, GROUP_SORT_KEY);
      return { takenBy: item?.takenBy ?? {}, ...(item?.version !== undefined ? { version: item.version } : {}) };
    },

    takeParts: (pk, takenBy, read) =>
      conditionally(
        new UpdateCommand({
          TableName,
          Key: { pk, sk: GROUP_SORT_KEY },
          UpdateExpression: `SET #takenBy = :takenBy, #version = :version${ttlDays > 0 ? ', #expiresAt = :expiresAt' : ''}`,
          ConditionExpression: read.version === undefined ? 'attribute_not_exists(#version)' : '#version = :expected',
          ExpressionAttributeNames: { '#takenBy': 'takenBy', '#version': 'version', ...(ttlDays > 0 ? { '#expiresAt': 'expiresAt' } : {}) },
          ExpressionAttributeValues: {
            ':takenBy': takenBy,
            ':version': (read.version ?? 0) + 1,
            ...(read.version === undefined ? {} : { ':expected': read.version }),
            ...(ttlDays > 0 ? { ':expiresAt': expiresAtOf(now(), ttlDays) } : {}),
          },
        }),
      ),

    async claim(item, outcome, claim) {
      const terms = claimTerms(claim);
      try {
        // UPDATED_OLD: the outcome recorded before, if any (if_not_exists kept it), and whether anyone claimed before.
        const { Attributes } = await documents.send(
          new UpdateCommand({ TableName, Key: publicationKey(item), ...claimUpdate(outcome, item, terms), ReturnValues: 'UPDATED_OLD' }),
        );
        const old = Attributes as Partial<PublicationItem> | undefined;
        return { claimed: true, outcome: old?.outcome ?? outcome, first: old?.claimedBy === undefined };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const held = await getItem<PublicationItem>(item.pk, publicationSortKey(item.eventId));
      return { claimed: false, heldBySelf: held?.claimedBy === claim.claimant };
    },

    async finish(item, outcome, publishedAt) {
      try {
        await documents.send(
          new PutCommand({
            TableName,
            Item: { ...item, outcome, ...(publishedAt ? { publishedAt } : {}) },
            ConditionExpression: FIRST_WRITE_CONDITION,
            ExpressionAttributeNames: { '#pk': 'pk' },
          }),
        );
      } catch (error) {
        // Another copy finished first (its claim had expired while it still ran): the first history stays.
        if (!isConditionFailure(error)) throw error;
      }
    },

    async readMessage(provider, messageId) {
      const items = await queryPrefix(messagePartitionKey(provider, messageId), '', MESSAGE_PROJECTION);
      const state = items.find((item) => item.sk === STATE_SORT_KEY) as StateItem | undefined;
      if (!state) return undefined;
      const history = items
        .filter((item) => typeof item.sk === 'string' && item.sk.startsWith(HISTORY_SORT_KEY_PREFIX))
        .map((item): HistoryEntry => {
          const { eventId, status, providerStatus, occurredAt, receivedAt } = item as unknown as HistoryItem;
          return { eventId, status, providerStatus, occurredAt, receivedAt };
        })
        .sort(byTimeThenId);
      const parts = items
        .filter((item) => typeof item.sk === 'string' && item.sk.startsWith(PART_STATE_SORT_KEY_PREFIX))
        .map((item): PartEntry => {
          const part = item as unknown as StateItem & { part: NonNullable<StateItem['part']> };
          const { status, final, providerStatus, occurredAt } = part;
          return { index: part.part.index, total: part.part.total, messageId: part.messageId, status, final, providerStatus, occurredAt };
        });
      return { state, history, parts };
    },
  };
}
