/**
 * Re-normalizing stored status events with the current adapters, and re-applying what changed: a mapping fixed
 * after the fact repairs the statuses already stored. Idempotent: a second run finds every event as the current
 * adapters map it and every state equal to the best of its history, and changes nothing.
 *
 * For each recorded `message.status` event:
 * 1. its status is derived again by its adapter's `statusOf` (functions/providers/types.ts): the current mapping
 *    table applied to what the event kept (its provider status), whatever the provider's body format was (form,
 *    JSON, XML, an AWS record). An event the adapter cannot tell is left as it is and reported (`--verbose`).
 * 2. a changed event is rewritten in place (`status`, `final`, `rank`, its recorded event), only if it still holds
 *    what was read; what it said before is kept in `mappedBefore`.
 * 3. the message's state is recomputed as the best of its history by the status rule (functions/events/status.ts),
 *    and written only if it still holds what was read (a consumer write in between wins; run again).
 * 4. a state whose status changed is published on the topic of applied events, like any change, so subscribers
 *    learn of the repair (`statusChanged: true`, `previousStatus` the wrong one).
 *
 * The recorded event is read and written through the store's own functions (`recordedEvent`, `toHistoryItem`),
 * never as JSON here, so the item's encoding stays the store's business.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { NormalizedEvent } from '../functions/events/schema';
import { supersedes, type CanonicalStatus } from '../functions/events/status';
import { providers } from '../functions/providers';
import type { MappedStatus, ProviderAdapter } from '../functions/providers/types';
import { createPublisher } from '../functions/publish/createPublisher';
import { toAppliedEvent } from '../functions/publish/appliedEvent';
import { orderedOf, recordedEvent, toHistoryItem, type HistoryItem, type StateItem } from '../functions/store/items';
import { HISTORY_SORT_KEY_PREFIX, messagePartitionKey, STATE_SORT_KEY } from '../functions/store/keys';
import { isRolledUp } from '../functions/consume/multipart';
import { staleEventIdOf } from '../functions/timers/stale';
import { documentsOf, readPartition, scanMessages } from './table';

/** Why a report on one part of a multipart message is not re-derived. */
export const PART_REASON = 'a report on one part of a multipart message: its part and the roll-up are not re-derived';

/** One event whose status the current adapters map differently. */
export interface EventRepair {
  readonly provider: string;
  readonly messageId: string;
  readonly eventId: string;
  readonly providerStatus?: string;
  readonly from: { readonly status?: CanonicalStatus; readonly final?: boolean };
  readonly to: MappedStatus;
  /** False when the item changed under us (not written). */
  readonly written: boolean;
}

/** One message whose state moves because of the repairs. */
export interface StateRepair {
  readonly provider: string;
  readonly messageId: string;
  readonly from: { readonly status: CanonicalStatus; readonly final: boolean; readonly eventId: string };
  readonly to: { readonly status: CanonicalStatus; readonly final: boolean; readonly eventId: string };
  readonly written: boolean;
  readonly published: boolean;
}

export interface RenormalizeReport {
  examined: number;
  readonly events: EventRepair[];
  readonly states: StateRepair[];
  /** Events whose status could not be derived again (no adapter, or the event lacks what the mapping reads). */
  readonly undetermined: Array<{ provider: string; messageId?: string; eventId: string; reason: string }>;
}

export interface RenormalizeOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** With `topicArn`: publish each repaired status change. */
  readonly sns?: SNSClient;
  readonly topicArn?: string;
  readonly dryRun: boolean;
  /** Only this provider's messages. */
  readonly provider?: string;
  /** Only this message (with `provider`). */
  readonly messageId?: string;
  /** @default the registry's */
  readonly adapters?: Readonly<Record<string, ProviderAdapter>>;
  readonly now?: () => Date;
}

/** The status the current `adapter` gives a stored event (its `statusOf`), or why it cannot tell. Pure. */
export function remap(event: NormalizedEvent, adapter: ProviderAdapter | undefined): MappedStatus | { reason: string } {
  if (!adapter) return { reason: `no adapter ${event.provider}` };
  return adapter.statusOf(event) ?? { reason: 'the event lacks what the mapping reads (its provider status)' };
}

/** The history item that should be the message's state: the best by the status rule. Pure. */
export function bestOf(history: readonly HistoryItem[]): HistoryItem | undefined {
  let best: HistoryItem | undefined;
  for (const item of history)
    if (item.status !== undefined && item.final !== undefined && supersedes(orderedOf(item), best && orderedOf(best))) best = item;
  return best;
}

const isConditionFailure = (error: unknown) => (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/** Runs the repair over the table (or one provider, or one message); see the module comment. */
export async function renormalize(options: RenormalizeOptions): Promise<RenormalizeReport> {
  const adapters = options.adapters ?? (providers as Readonly<Record<string, ProviderAdapter>>);
  const now = options.now ?? (() => new Date());
  const documents = documentsOf(options.dynamodb);
  const publisher = options.sns && options.topicArn ? createPublisher({ sns: options.sns, topicArn: options.topicArn }) : undefined;
  const report: RenormalizeReport = { examined: 0, events: [], states: [], undetermined: [] };

  const partitions: string[] = [];
  if (options.messageId !== undefined) {
    if (!options.provider) throw new Error('a message is named by its provider and id');
    partitions.push(messagePartitionKey(options.provider, options.messageId));
  } else {
    const seen = new Set<string>();
    for await (const page of scanMessages(options.dynamodb, options.tableName, options.provider)) {
      for (const item of page) {
        if (item.sk !== STATE_SORT_KEY || seen.has(String(item.pk))) continue;
        seen.add(String(item.pk));
        partitions.push(String(item.pk));
      }
    }
  }

  for (const pk of partitions) {
    const items = await readPartition(options.dynamodb, options.tableName, pk);
    const state = items.find((item) => item.sk === STATE_SORT_KEY) as StateItem | undefined;
    if (!state) continue;
    const history = items.filter((item) => String(item.sk).startsWith(HISTORY_SORT_KEY_PREFIX)).map((item) => item as unknown as HistoryItem);
    const corrected: HistoryItem[] = [];
    for (const item of history) {
      // Ours, not a provider's (the sweeper's `unknown`, functions/timers/stale.ts): nothing to derive it from.
      if (item.type !== 'message.status' || (item.messageId !== undefined && item.eventId === staleEventIdOf(item.provider, item.messageId))) {
        corrected.push(item);
        continue;
      }
      // A report on one part moves its part's state, not the message's (functions/consume/multipart.ts): it is left
      // as it is and said so; the message's rolled-up events have no provider status of their own and stay as they are.
      if (item.part) {
        report.undetermined.push({ provider: item.provider, messageId: item.messageId, eventId: item.eventId, reason: PART_REASON });
        continue;
      }
      const event = recordedEvent(item);
      if (isRolledUp(event)) {
        corrected.push(item);
        continue;
      }
      report.examined += 1;
      const mapped = remap(event, adapters[item.provider]);
      if ('reason' in mapped) {
        report.undetermined.push({ provider: item.provider, messageId: item.messageId, eventId: item.eventId, reason: mapped.reason });
        corrected.push(item);
        continue;
      }
      if (mapped.status === item.status && mapped.final === item.final) {
        corrected.push(item);
        continue;
      }
      // The event and its rank as the store records them; only these attributes of the item change.
      const rewritten = toHistoryItem({ ...event, status: mapped.status, final: mapped.final }, now(), 0);
      const fixed: HistoryItem = { ...item, status: mapped.status, final: mapped.final, rank: rewritten.rank, event: rewritten.event };
      let written = false;
      if (!options.dryRun) {
        try {
          await documents.send(
            new UpdateCommand({
              TableName: options.tableName,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression:
                'SET #status = :status, #final = :final, #rank = :rank, #event = :event, #renormalizedAt = :now, #mappedBefore = if_not_exists(#mappedBefore, :before)',
              ConditionExpression: '#status = :oldStatus AND #final = :oldFinal',
              ExpressionAttributeNames: {
                '#status': 'status',
                '#final': 'final',
                '#rank': 'rank',
                '#event': 'event',
                '#renormalizedAt': 'renormalizedAt',
                '#mappedBefore': 'mappedBefore',
              },
              ExpressionAttributeValues: {
                ':status': mapped.status,
                ':final': mapped.final,
                ':rank': fixed.rank,
                ':event': fixed.event,
                ':now': now().toISOString(),
                ':before': { status: item.status, final: item.final },
                ':oldStatus': item.status,
                ':oldFinal': item.final,
              },
            }),
          );
          written = true;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
      report.events.push({
        provider: item.provider,
        messageId: item.messageId ?? '',
        eventId: item.eventId,
        providerStatus: item.providerStatus,
        from: { status: item.status, final: item.final },
        to: { status: mapped.status, final: mapped.final },
        written,
      });
      if (written || options.dryRun) {
        corrected.push(fixed);
      } else corrected.push(item);
    }

    const best = bestOf(corrected);
    if (!best || (best.eventId === state.eventId && best.status === state.status && best.final === state.final)) continue;
    let written = false;
    let published = false;
    if (!options.dryRun) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName: options.tableName,
            Key: { pk: state.pk, sk: STATE_SORT_KEY },
            UpdateExpression:
              'SET #eventId = :eventId, #status = :status, #final = :final, #rank = :rank, #occurredAt = :occurredAt, #receivedAt = :receivedAt, ' +
              '#updatedAt = :now, #previousStatus = :oldStatus, #previousEventId = :oldEventId, #replacedPreviousStatus = :oldPrevious' +
              (best.providerStatus !== undefined ? ', #providerStatus = :providerStatus' : '') +
              (best.providerStatus === undefined ? ' REMOVE #providerStatus' : ''),
            ConditionExpression: '#eventId = :oldEventId AND #status = :oldStatus AND #final = :oldFinal',
            ExpressionAttributeNames: {
              '#eventId': 'eventId',
              '#status': 'status',
              '#final': 'final',
              '#rank': 'rank',
              '#occurredAt': 'occurredAt',
              '#receivedAt': 'receivedAt',
              '#updatedAt': 'updatedAt',
              '#previousStatus': 'previousStatus',
              '#previousEventId': 'previousEventId',
              '#replacedPreviousStatus': 'replacedPreviousStatus',
              '#providerStatus': 'providerStatus',
            },
            ExpressionAttributeValues: {
              ':eventId': best.eventId,
              ':status': best.status,
              ':final': best.final,
              ':rank': best.rank,
              ':occurredAt': best.occurredAt,
              ':receivedAt': best.receivedAt,
              ':now': now().toISOString(),
              ':oldStatus': state.status,
              ':oldEventId': state.eventId,
              ':oldFinal': state.final,
              ':oldPrevious': state.previousStatus ?? null,
              ...(best.providerStatus !== undefined ? { ':providerStatus': best.providerStatus } : {}),
            },
          }),
        );
        written = true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      if (written && publisher && best.status !== state.status) {
        await publisher.publish(toAppliedEvent(recordedEvent(best), { statusChanged: true, previousStatus: state.status }));
        published = true;
      }
    }
    report.states.push({
      provider: state.provider,
      messageId: state.messageId,
      from: { status: state.status, final: state.final, eventId: state.eventId },
      to: { status: best.status!, final: best.final!, eventId: best.eventId },
      written,
      published,
    });
  }
  return report;
}

/** The report as lines for the terminal. */
export function formatRenormalize(report: RenormalizeReport, dryRun: boolean): string[] {
  const status = (value: { status?: string; final?: boolean }) => `${value.status ?? '-'}${value.final ? ' (final)' : ''}`;
  const verb = dryRun ? 'would change' : 'changed';
  const lines = [
    ...report.events.map(
      (repair) =>
        `event  ${repair.provider} ${repair.messageId} ${repair.eventId} "${repair.providerStatus ?? ''}": ${status(repair.from)} -> ${status(repair.to)}` +
        (dryRun || repair.written ? '' : '  (changed meanwhile: not written, run again)'),
    ),
    ...report.states.map(
      (repair) =>
        `state  ${repair.provider} ${repair.messageId}: ${status(repair.from)} -> ${status(repair.to)}` +
        (dryRun ? '' : repair.written ? (repair.published ? '  published' : '') : '  (changed meanwhile: not written, run again)'),
    ),
  ];
  lines.push(
    `${report.examined} status event(s) examined; ${report.events.length} event(s) and ${report.states.length} state(s) ${verb}` +
      (report.undetermined.length > 0 ? `; ${report.undetermined.length} could not be derived again (--verbose lists them)` : ''),
  );
  return lines;
}
