/**
 * Re-normalizing stored status events with the current adapters, and re-applying what changed: a mapping fixed
 * after the fact repairs the statuses already stored. Idempotent: a second run finds every event as the current
 * adapters map it and every state equal to the best of its history, and changes nothing.
 *
 * For each recorded `message.status` event:
 * 1. its status is derived again: the adapter normalizes a body built around the event's `raw` (the provider's
 *    item as received; see {@link candidateBodies}) and the event with the same id is read. An event the adapter
 *    cannot take back is left as it is and reported (`--verbose` lists them).
 * 2. a changed event is rewritten in place (`status`, `final`, `rank`, its recorded event), only if it still holds
 *    what was read; what it said before is kept in `mappedBefore`.
 * 3. the message's state is recomputed as the best of its history by the status rule (functions/events/status.ts),
 *    and written only if it still holds what was read (a consumer write in between wins; run again).
 * 4. a state whose status changed is published on the topic of applied events, like any change, so subscribers
 *    learn of the repair (`statusChanged: true`, `previousStatus` the wrong one).
 */
import { webhookRequest } from '../functions/providers/common';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { NormalizedEvent } from '../functions/events/schema';
import { rankOf, supersedes, type CanonicalStatus } from '../functions/events/status';
import { providers } from '../functions/providers';
import type { ProviderAdapter } from '../functions/providers/types';
import { createPublisher } from '../functions/publish/createPublisher';
import { toAppliedEvent } from '../functions/publish/appliedEvent';
import { orderedOf, recordedEvent, storedEventOf, type HistoryItem, type StateItem } from '../functions/store/items';
import { HISTORY_SORT_KEY_PREFIX, STATE_SORT_KEY } from '../functions/store/keys';
import { documentsOf, readPartition, scanMessages } from './table';

export interface Mapped {
  readonly status: CanonicalStatus;
  readonly final: boolean;
  /** How it was derived (the adapter, from the stored raw item). */
  readonly via: 'adapter';
}

/** One event whose status the current adapters map differently. */
export interface EventRepair {
  readonly provider: string;
  readonly messageId: string;
  readonly eventId: string;
  readonly providerStatus?: string;
  readonly from: { readonly status?: CanonicalStatus; readonly final?: boolean };
  readonly to: Mapped;
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
  /** Events whose status could not be derived again (no adapter, no unique mapping). */
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

/**
 * Bodies that may carry just this item, for the adapter to take again: the item itself (a provider that sends one
 * object per request), a list of it (a JSON batch), and the batch envelope whose ids the adapter copied into `data`
 * around it (NHN: `{ event, hooksId, …, hooks: [item] }`). A body the adapter refuses is simply not this one.
 */
export function candidateBodies(event: NormalizedEvent): Array<{ body: string; contentType?: string }> {
  if (event.raw === null || event.raw === undefined) return [];
  if (typeof event.raw === 'string') return [{ body: event.raw }];
  const xml = xmlElementOf(event.raw);
  if (xml !== undefined) return [{ body: `<?xml version="1.0" encoding="utf-8"?>\n<response>${xml}</response>`, contentType: 'text/xml' }];
  const bodies = [JSON.stringify(event.raw), JSON.stringify([event.raw])];
  const envelope: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.data ?? {})) if (typeof value === 'string' || typeof value === 'number') envelope[key] = value;
  if (Object.keys(envelope).length > 0) {
    bodies.push(JSON.stringify({ productName: event.channel.toUpperCase(), ...envelope, hooks: [event.raw] }));
  }
  return bodies.map((body) => ({ body, contentType: 'application/json' }));
}

const xmlEscape = (value: string) => value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/**
 * A `<state>` element back from an item the XML parser gave (attributes as `@_name`, text as `#text`: Webcom's XML
 * reports), or undefined for an item that is not one.
 */
function xmlElementOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const entries = Object.entries(raw as Record<string, unknown>);
  if (
    entries.length === 0 ||
    !entries.every(([key, value]) => (key.startsWith('@_') || key === '#text') && ['string', 'number'].includes(typeof value))
  ) {
    return undefined;
  }
  const attributes = entries.filter(([key]) => key.startsWith('@_')).map(([key, value]) => ` ${key.slice(2)}="${xmlEscape(String(value))}"`);
  const text = (raw as Record<string, unknown>)['#text'];
  return `<state${attributes.join('')}>${text === undefined ? '' : xmlEscape(String(text))}</state>`;
}

/**
 * The status the current `adapter` gives a stored event, or why it cannot tell: the adapter normalizes each
 * candidate body and the event with the same id is read. Pure. There is no guessing from a mapping table alone:
 * some adapters decide a status from more than the provider's status field (NHN's result code), and a repair that
 * guessed would break what it meant to fix.
 */
export function remap(event: NormalizedEvent, adapter: ProviderAdapter | undefined): Mapped | { reason: string } {
  if (!adapter) return { reason: `no adapter ${event.provider}` };
  const candidates = candidateBodies(event);
  if (candidates.length === 0) return { reason: 'raw was not kept (too large for the item)' };
  for (const { body, contentType } of candidates) {
    try {
      const again = adapter
        .normalize(webhookRequest({ body, contentType }), { receivedAt: event.receivedAt, timeZone: adapter.defaultTimeZone })
        .events.find((candidate) => candidate.eventId === event.eventId);
      if (again?.type === 'message.status' && again.status !== undefined && again.final !== undefined) {
        return { status: again.status, final: again.final, via: 'adapter' };
      }
    } catch {
      // not a body this adapter takes: try the next
    }
  }
  return { reason: 'the adapter does not take the stored raw item back as a body' };
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
    partitions.push(`MSG#${options.provider}#${options.messageId}`);
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
      if (item.type !== 'message.status') {
        corrected.push(item);
        continue;
      }
      report.examined += 1;
      const event = recordedEvent(item);
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
      const rank = rankOf(mapped);
      const fixed: HistoryItem = {
        ...item,
        status: mapped.status,
        final: mapped.final,
        rank,
        event: storedEventOf({ ...event, status: mapped.status, final: mapped.final }),
      };
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
                ':rank': rank,
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
        to: mapped,
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
        `event  ${repair.provider} ${repair.messageId} ${repair.eventId} "${repair.providerStatus ?? ''}": ${status(repair.from)} -> ${status(repair.to)} [${repair.to.via}]` +
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
