/**
 * Bodies that passed authentication but failed validation are kept for inspection on the rejected queue
 * (promise 3: nothing silently dropped). Best effort: the provider has its 400 either way, and a
 * failure to keep the body is logged, never turned into a 5xx (which would make the provider retry a body that
 * can never succeed).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { NormalizedEvent } from '../events/schema';
import type { TooManyItemsError, ValidationError } from '../core/errors';
import type { ProviderCredentials } from '../origin/credentials';
import { logger } from './logger';

/**
 * Most body bytes kept. Base64 grows them by a third: 512 KiB becomes ~683 KiB, which with the envelope stays under
 * the 1 MiB the queues take (`QUEUE.maxMessageSizeBytes`), so any body under the default cap (256 KiB), or twice
 * that, is kept whole. Longer bodies (a raised `MAX_BODY_BYTES`) are cut and marked `truncated`.
 */
export const MAX_REJECTED_BODY_BYTES = 512 * 1024;

/** The rejected-queue message: what arrived and why it was refused. */
export interface RejectedBody {
  readonly provider: string;
  readonly requestId: string;
  readonly receivedAt: string;
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
  readonly contentType?: string;
  /** Size of the whole body in bytes. */
  readonly bodyBytes: number;
  readonly truncated: boolean;
  /** The body's bytes (up to {@link MAX_REJECTED_BODY_BYTES}), base64. */
  readonly bodyBase64: string;
  /** For a batch taken in part: each refused item's field and reason (the body holds the items themselves). */
  readonly invalidItems?: readonly InvalidItem[];
}

/** Some items of a batch were refused while the others were queued: kept as one rejected record, not one event each. */
export class InvalidItemsError {
  readonly code = 'invalid_items';
  readonly field = undefined;
  readonly message: string;
  constructor(
    readonly items: readonly InvalidItem[],
    total: number,
  ) {
    const first = items[0];
    this.message = `${items.length} of ${total} items are invalid; first: ${first?.field ? `${first.field}: ` : ''}${first?.message ?? ''}`;
  }
}

export interface RejectedContext {
  readonly provider: string;
  readonly requestId: string;
  readonly receivedAt: string;
  readonly contentType?: string;
}

/** What stands in for a credential value in a kept body. */
export const MASK = '***';

/**
 * The credential values a provider may put in a body (InnoPaaS SMS's `pswd`, a token echoed back): every value of
 * the document that is not an identifier, so `body` can be kept without them.
 */
export function secretValuesOf(credentials: ProviderCredentials): string[] {
  return [
    ...Object.values(credentials.headers ?? {}).flat(),
    ...(credentials.tokens ?? []),
    ...(credentials.signingKeys ?? []),
    ...(credentials.verifyTokens ?? []),
    ...(credentials.basicAuth ?? []).map((pair) => pair.password),
    ...(credentials.bodyCredentials ?? []).flatMap((set) => Object.values(set)),
  ].filter((value) => value.length >= 4);
}

/**
 * `body` with every occurrence of each secret replaced by {@link MASK}, as sent and form-encoded: a body kept for
 * inspection must not keep a password the provider put inside it. The bytes are otherwise those received.
 */
export function maskedSecrets(body: Buffer, secrets: readonly string[]): Buffer {
  if (secrets.length === 0) return body;
  let text = body.toString('latin1');
  let changed = false;
  // Longest first, so a value that is the start of another (a user name and its password) cannot leave a tail.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    for (const form of new Set([secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')])) {
      const bytes = Buffer.from(form, 'utf8').toString('latin1');
      if (text.includes(bytes)) {
        text = text.split(bytes).join(MASK);
        changed = true;
      }
    }
  }
  return changed ? Buffer.from(text, 'latin1') : body;
}

/** An item of a batch that was refused while the others went through, as its `provider.unknown` event says. */
export interface InvalidItem {
  readonly field?: string;
  readonly message: string;
}

/**
 * The invalid items among a batch's events: `provider.unknown` events that carry `data.invalid`, which the batch rule
 * (`normalizeBatch`, `invalidItemEvent`) gives an item that failed validation beside valid ones.
 */
export function invalidItemsOf(events: readonly NormalizedEvent[]): { valid: NormalizedEvent[]; invalid: InvalidItem[] } {
  const valid: NormalizedEvent[] = [];
  const invalid: InvalidItem[] = [];
  for (const event of events) {
    const mark = event.type === 'provider.unknown' ? (event.data?.invalid as InvalidItem | undefined) : undefined;
    if (mark && typeof mark.message === 'string') invalid.push(mark);
    else valid.push(event);
  }
  return { valid, invalid };
}

/** Builds the rejected-queue message. Pure. */
export function rejectedBodyOf(context: RejectedContext, error: ValidationError | TooManyItemsError | InvalidItemsError, body: Buffer): RejectedBody {
  const kept = body.subarray(0, MAX_REJECTED_BODY_BYTES);
  return {
    provider: context.provider,
    requestId: context.requestId,
    receivedAt: context.receivedAt,
    error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) },
    ...(error instanceof InvalidItemsError ? { invalidItems: error.items } : {}),
    ...(context.contentType ? { contentType: context.contentType } : {}),
    bodyBytes: body.length,
    truncated: kept.length < body.length,
    bodyBase64: kept.toString('base64'),
  };
}

/** Sends the rejected body to `queueUrl`; resolves `true` when kept, `false` (logged) when not. Never throws. */
export async function keepRejected(sqs: SQSClient, queueUrl: string, rejected: RejectedBody): Promise<boolean> {
  let failed: string | undefined;
  try {
    // A batch of one rather than SendMessage: the ingest bundles SendMessageBatch for its events already, and
    // SendMessage would add its command and checksum middleware (0.5 kB) for this rare path.
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          {
            Id: '0',
            MessageBody: JSON.stringify(rejected),
            MessageAttributes: {
              provider: { DataType: 'String', StringValue: rejected.provider },
              errorCode: { DataType: 'String', StringValue: rejected.error.code },
            },
          },
        ],
      }),
    );
    failed = result.Failed?.[0]?.Code ?? (result.Successful?.length === 1 ? undefined : 'NotAcknowledged');
  } catch (error) {
    failed = error instanceof Error ? error.name : typeof error;
  }
  if (failed === undefined) return true;
  logger.error('rejected body could not be kept', { provider: rejected.provider, requestId: rejected.requestId, error: failed });
  return false;
}
