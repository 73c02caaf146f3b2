/**
 * The status store: the table's reads and conditional writes, one method per step of applying an event. Each
 * write is idempotent on its own, so a step repeated by a retry or a duplicate delivery changes nothing twice:
 *
 * ```
 * record      PutItem history item, only if absent ─── the first copy of an event wins; duplicates read it back,
 *                                                      with its publication item
 * applyState  UpdateItem state item, only if the event supersedes it (functions/events/status.ts)
 * settle      UpdateItem publication item: the outcome, only if none yet (+ the claim to publish, expressions.ts)
 * markPublished  UpdateItem publication item: publishedAt
 * ```
 *
 * The outcome, claim and `publishedAt` live on a small item of their own (`PUB#<eventId>`), not on the history item
 * that carries the event JSON: DynamoDB bills an update on the larger of the item before and after, so each of those
 * writes costs 1 write unit instead of 2.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { NormalizedEvent } from '../events/schema';
import { TABLE } from '../settings';
import { StoreError } from './errors';
import { FIRST_WRITE_CONDITION, settleUpdate, stateUpdate } from './expressions';
import { expiresAtOf, toHistoryItem, type HistoryItem, type Outcome, type PublicationItem, type StateItem } from './items';
import { HISTORY_SORT_KEY_PREFIX, messagePartitionKey, publicationSortKey, STATE_SORT_KEY } from './keys';

export interface StatusStoreOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Days until items expire (TTL attribute `expiresAt`); 0 keeps them for ever. @default TABLE.defaultTtlDays */
  readonly ttlDays?: number;
  readonly now?: () => Date;
}

export interface Recorded {
  /** Whether this call wrote the history item (false: the event was recorded before, `item` is that copy). */
  readonly created: boolean;
  readonly item: HistoryItem;
  /** What became of the event so far (outcome, claim, publishedAt); absent when nothing yet. */
  readonly publication?: PublicationItem;
}

export type StateWrite = { readonly applied: true; readonly previous?: StateItem } | { readonly applied: false };

/**
 * Whether this delivery may publish. When not, `heldBySelf` says the claim is another running copy of this very SQS
 * message (not yet published): that copy is retried later rather than dropped, in case the first one fails.
 */
export type Claim =
  | { readonly claimed: true; readonly publication: PublicationItem }
  | { readonly claimed: false; readonly heldBySelf: boolean };

/** One history entry of a message, as the lookup route shows it. */
export interface HistoryEntry {
  readonly eventId: string;
  readonly status?: string;
  readonly providerStatus?: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
}

export interface StoredMessage {
  readonly state: StateItem;
  /** Every distinct event recorded for the message, oldest first (occurredAt, then eventId). */
  readonly history: HistoryEntry[];
}

export interface StatusStore {
  record(event: NormalizedEvent): Promise<Recorded>;
  applyState(item: HistoryItem): Promise<StateWrite>;
  readState(provider: string, messageId: string): Promise<StateItem | undefined>;
  settle(item: HistoryItem, outcome: Outcome): Promise<Outcome>;
  claim(item: HistoryItem, outcome: Outcome, claimant: string, claimSeconds: number): Promise<Claim>;
  markPublished(item: HistoryItem): Promise<void>;
  readMessage(provider: string, messageId: string): Promise<StoredMessage | undefined>;
}

const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';

/** Attributes the lookup reads; the recorded event JSON (the bulk of an item) stays behind. */
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
] as const;

const byTimeThenId = (a: HistoryEntry, b: HistoryEntry): number =>
  a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;

/**
 * A store over `tableName`.
 *
 * @example
 * ```ts
 * const store = createStatusStore({ dynamodb: new DynamoDBClient({}), tableName: 'webhook-messages-prod' });
 * const { created, item } = await store.record(event);
 * const write = await store.applyState(item);
 * ```
 */
export function createStatusStore(options: StatusStoreOptions): StatusStore {
  const documents = DynamoDBDocumentClient.from(options.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = options.tableName;
  const ttlDays = options.ttlDays ?? TABLE.defaultTtlDays;
  const now = options.now ?? (() => new Date());

  const publicationKey = (item: Pick<HistoryItem, 'pk' | 'eventId'>) => ({ pk: item.pk, sk: publicationSortKey(item.eventId) });

  const getItem = async <T>(pk: string, sk: string): Promise<T | undefined> => {
    const { Item } = await documents.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }));
    return Item as T | undefined;
  };

  return {
    async record(event) {
      const item = toHistoryItem(event, now(), ttlDays);
      try {
        await documents.send(
          new PutCommand({ TableName, Item: item, ConditionExpression: FIRST_WRITE_CONDITION, ExpressionAttributeNames: { '#pk': 'pk' } }),
        );
        return { created: true, item };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const [existing, publication] = await Promise.all([
        getItem<HistoryItem>(item.pk, item.sk),
        getItem<PublicationItem>(item.pk, publicationSortKey(item.eventId)),
      ]);
      // Only TTL deletes history items: one that expired between the two calls is recorded afresh by the retry.
      if (!existing) throw new StoreError(`history item of event ${event.eventId} vanished after a duplicate write`);
      return { created: false, item: existing, ...(publication ? { publication } : {}) };
    },

    async applyState(item) {
      const at = now();
      try {
        const { Attributes } = await documents.send(
          new UpdateCommand({
            TableName,
            Key: { pk: item.pk, sk: STATE_SORT_KEY },
            ...stateUpdate(item, { updatedAt: at.toISOString(), expiresAt: expiresAtOf(at, ttlDays) }),
            ReturnValues: 'ALL_OLD',
          }),
        );
        return { applied: true, previous: Attributes as StateItem | undefined };
      } catch (error) {
        if (isConditionFailure(error)) return { applied: false };
        throw error;
      }
    },

    readState: (provider, messageId) => getItem<StateItem>(messagePartitionKey(provider, messageId), STATE_SORT_KEY),

    async settle(item, outcome) {
      const { Attributes } = await documents.send(
        new UpdateCommand({ TableName, Key: publicationKey(item), ...settleUpdate(outcome, item), ReturnValues: 'ALL_NEW' }),
      );
      return (Attributes as PublicationItem).outcome ?? outcome;
    },

    async claim(item, outcome, claimant, claimSeconds) {
      const nowSeconds = Math.floor(now().getTime() / 1000);
      try {
        const { Attributes } = await documents.send(
          new UpdateCommand({
            TableName,
            Key: publicationKey(item),
            ...settleUpdate(outcome, item, { claimant, nowSeconds, expiresAt: nowSeconds + claimSeconds }),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { claimed: true, publication: Attributes as PublicationItem };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const held = await getItem<PublicationItem>(item.pk, publicationSortKey(item.eventId));
        return { claimed: false, heldBySelf: held?.claimedBy === claimant && held.publishedAt === undefined };
        throw error;
      }
    },

    async markPublished(item) {
      await documents.send(
        new UpdateCommand({
          TableName,
          Key: publicationKey(item),
          UpdateExpression: 'SET #publishedAt = :now',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk', '#publishedAt': 'publishedAt' },
          ExpressionAttributeValues: { ':now': now().toISOString() },
        }),
      );
    },

    async readMessage(provider, messageId) {
      const items: Array<Record<string, unknown>> = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: '#pk = :pk',
            ProjectionExpression: MESSAGE_PROJECTION.map((name) => `#${name}`).join(', '),
            ExpressionAttributeNames: Object.fromEntries(MESSAGE_PROJECTION.map((name) => [`#${name}`, name])),
            ExpressionAttributeValues: { ':pk': messagePartitionKey(provider, messageId) },
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        );
        items.push(...(page.Items ?? []));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      const state = items.find((item) => item.sk === STATE_SORT_KEY) as StateItem | undefined;
      if (!state) return undefined;
      const history = items
        .filter((item) => typeof item.sk === 'string' && item.sk.startsWith(HISTORY_SORT_KEY_PREFIX))
        .map((item): HistoryEntry => {
          const { eventId, status, providerStatus, occurredAt, receivedAt } = item as unknown as HistoryItem;
          return { eventId, status, providerStatus, occurredAt, receivedAt };
        })
        .sort(byTimeThenId);
      return { state, history };
    },
  };
}
