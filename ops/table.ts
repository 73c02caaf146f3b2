/**
 * Reads of the status table for the ops commands: one message's whole partition (export), every outbound
 * message's facts (stats), and the status events to re-normalize. Scans are for an operator's one-off command,
 * never for the request path.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { NormalizedEvent } from '../functions/events/schema';
import { recordedEvent, type HistoryItem, type PublicationItem, type StateItem } from '../functions/store/items';
import { HISTORY_SORT_KEY_PREFIX, messagePartitionKey, PART_STATE_SORT_KEY_PREFIX, STATE_SORT_KEY } from '../functions/store/keys';
import type { MessageFacts } from './analytics';
import { countryOf } from '../functions/core/countries';

export const documentsOf = (dynamodb: DynamoDBClient) => DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });

type Item = Record<string, unknown>;

/** Every item of one partition, oldest key first. */
export async function readPartition(dynamodb: DynamoDBClient, tableName: string, pk: string): Promise<Item[]> {
  const documents = documentsOf(dynamodb);
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** Every item whose partition starts with `MSG#` (optionally one provider's), page by page. */
export async function* scanMessages(dynamodb: DynamoDBClient, tableName: string, provider?: string): AsyncGenerator<Item[]> {
  const documents = documentsOf(dynamodb);
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(#pk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':prefix': provider ? `MSG#${provider}#` : 'MSG#' },
        ExclusiveStartKey,
      }),
    );
    yield (page.Items ?? []) as Item[];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/** A message's history as exported: its state, every event (parsed back) with what became of it. */
export interface MessageExport {
  readonly provider: string;
  readonly messageId: string;
  readonly state: StateItem;
  /** A multipart message's part states, by index, when its provider reports each part (functions/consume/multipart.ts). */
  readonly parts: StateItem[];
  readonly history: Array<Omit<HistoryItem, 'event'> & { event: NormalizedEvent; publication?: PublicationItem }>;
}

/** The export of one message, or undefined when the table has no such message. */
export async function exportMessage(
  dynamodb: DynamoDBClient,
  tableName: string,
  provider: string,
  messageId: string,
): Promise<MessageExport | undefined> {
  const items = await readPartition(dynamodb, tableName, messagePartitionKey(provider, messageId));
  const state = items.find((item) => item.sk === STATE_SORT_KEY) as StateItem | undefined;
  if (!state) return undefined;
  const publications = new Map(
    items
      .filter((item) => String(item.sk).startsWith('PUB#'))
      .map((item) => [String((item as unknown as PublicationItem).eventId), item as unknown as PublicationItem]),
  );
  const history = items
    .filter((item) => String(item.sk).startsWith(HISTORY_SORT_KEY_PREFIX))
    .map((item) => {
      const history = item as unknown as HistoryItem;
      const publication = publications.get(history.eventId);
      return { ...history, event: recordedEvent(history), ...(publication ? { publication } : {}) };
    })
    .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.eventId < b.eventId ? -1 : 1));
  const parts = items.filter((item) => String(item.sk).startsWith(PART_STATE_SORT_KEY_PREFIX)) as unknown as StateItem[];
  return { provider, messageId, state, parts, history };
}

/** The recipient's E.164 form from a history item's recorded event, without failing on an odd one. */
function recipientOf(item: Item): string | undefined {
  try {
    return recordedEvent(item as unknown as HistoryItem).recipient?.e164;
  } catch {
    return undefined;
  }
}

/** The facts analytics needs, from a list of `MSG#` items (any order, any number of partitions). Pure. */
export function messageFactsOf(items: readonly Item[]): MessageFacts[] {
  const byPartition = new Map<string, { state?: StateItem; firstAt?: string; e164?: string }>();
  for (const item of items) {
    const pk = String(item.pk);
    const entry = byPartition.get(pk) ?? {};
    if (item.sk === STATE_SORT_KEY) entry.state = item as unknown as StateItem;
    else if (String(item.sk).startsWith(HISTORY_SORT_KEY_PREFIX)) {
      const occurredAt = String(item.occurredAt);
      if (entry.firstAt === undefined || occurredAt < entry.firstAt) entry.firstAt = occurredAt;
      entry.e164 ??= recipientOf(item);
    }
    byPartition.set(pk, entry);
  }
  const facts: MessageFacts[] = [];
  for (const { state, firstAt, e164 } of byPartition.values()) {
    if (!state) continue;
    facts.push({
      provider: state.provider,
      channel: state.channel,
      country: countryOf(e164),
      status: state.status,
      final: state.final,
      firstAt: firstAt ?? state.occurredAt,
      statusAt: state.occurredAt,
    });
  }
  return facts;
}

/** Every outbound message's facts, by a scan of the table. */
export async function readMessageFacts(dynamodb: DynamoDBClient, tableName: string, provider?: string): Promise<MessageFacts[]> {
  const items: Item[] = [];
  for await (const page of scanMessages(dynamodb, tableName, provider)) {
    // State and history items only: publication items (PUB#) say nothing about delivery.
    for (const item of page) if (item.sk === STATE_SORT_KEY || String(item.sk).startsWith(HISTORY_SORT_KEY_PREFIX)) items.push(item);
  }
  return messageFactsOf(items);
}
