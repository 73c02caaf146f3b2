/**
 * The timers' reads and writes (keys in ./keys.ts). A timer is written once, by whoever starts the wait (the
 * consumer, for a message's first status), as one small item (1 write unit); the sweeper reads the hour partitions
 * it has to look at and keeps its progress on one cursor item. Nothing deletes a timer: its TTL (`expiresAt`,
 * `TIMERS.retentionDays` after it falls due) does, so handling one costs no write.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TIMERS } from '../settings';
import { CURSOR_KEY, duePartitionKey, dueSortKey } from './keys';

/** One timer: `kind` (a row of ./kinds.ts) about `subject` (a partition key of the table), due at `dueAt`. */
export interface Timer {
  readonly kind: string;
  /** The partition the timer is about (`MSG#<provider>#<messageId>` for `stale`). */
  readonly subject: string;
  /** Canonical ISO-8601 UTC. */
  readonly dueAt: string;
  readonly provider: string;
  readonly messageId?: string;
  /** What the kind's handler needs besides (the stale window, say). */
  readonly data?: Readonly<Record<string, string | number | boolean>>;
}

/** A timer as stored. */
export interface TimerItem extends Timer {
  readonly pk: string;
  readonly sk: string;
  readonly expiresAt: number;
}

export interface TimerStore {
  /** Writes `timer` (idempotent: the same kind, subject and hour is the same item). */
  schedule(timer: Timer): Promise<void>;
  /** Every timer of the hour partition of `hour`, whatever its due time within the hour. */
  dueIn(hour: Date): Promise<TimerItem[]>;
  /** Up to when every timer has been handled; undefined before the first sweep. */
  cursor(): Promise<Date | undefined>;
  /** Moves the cursor forward to `at`; a cursor already further (a concurrent sweep's) stays. */
  advanceCursor(at: Date): Promise<void>;
}

export interface TimerStoreOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

/** The item of `timer`, with its TTL. Pure. */
export function timerItemOf(timer: Timer): TimerItem {
  const dueAt = new Date(timer.dueAt);
  return {
    pk: duePartitionKey(dueAt),
    sk: dueSortKey(timer.kind, timer.subject),
    ...timer,
    dueAt: dueAt.toISOString(),
    expiresAt: Math.floor(dueAt.getTime() / 1000) + TIMERS.retentionDays * 86_400,
  };
}

const isConditionFailure = (error: unknown): boolean => (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';

/**
 * The timers of the table `tableName`.
 *
 * @example
 * ```ts
 * import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * declare const dynamodb: DynamoDBClient;
 * declare const tableName: string;
 *
 * const timers = createTimerStore({ dynamodb, tableName });
 * await timers.schedule({ kind: 'stale', subject: 'MSG#twilio#SM1', dueAt: '2026-03-05T09:00:00.000Z', provider: 'twilio', messageId: 'SM1' });
 * ```
 */
export function createTimerStore(options: TimerStoreOptions): TimerStore {
  const documents = DynamoDBDocumentClient.from(options.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = options.tableName;
  return {
    async schedule(timer) {
      await documents.send(new PutCommand({ TableName, Item: timerItemOf(timer) }));
    },

    async dueIn(hour) {
      const items: TimerItem[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        // Eventually consistent (half the read units): a timer is written long before it falls due.
        const page = await documents.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ExpressionAttributeValues: { ':pk': duePartitionKey(hour) },
            ExclusiveStartKey,
          }),
        );
        items.push(...((page.Items ?? []) as TimerItem[]));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return items;
    },

    async cursor() {
      const { Item } = await documents.send(new GetCommand({ TableName, Key: CURSOR_KEY, ConsistentRead: true }));
      return typeof Item?.at === 'string' ? new Date(Item.at) : undefined;
    },

    async advanceCursor(at) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName,
            Key: CURSOR_KEY,
            UpdateExpression: 'SET #at = :at',
            ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
            ExpressionAttributeNames: { '#at': 'at' },
            ExpressionAttributeValues: { ':at': at.toISOString() },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}
