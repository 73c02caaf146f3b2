/**
 * Bodies that passed authentication but failed validation are kept for inspection on the rejected queue
 * (promise 3: nothing silently dropped). Best effort: the provider has its 400 either way, and a
 * failure to keep the body is logged, never turned into a 5xx (which would make the provider retry a body that
 * can never succeed).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TooManyItemsError, ValidationError } from '../shared/errors';
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
}

export interface RejectedContext {
  readonly provider: string;
  readonly requestId: string;
  readonly receivedAt: string;
  readonly contentType?: string;
}

/** Builds the rejected-queue message. Pure. */
export function rejectedBodyOf(context: RejectedContext, error: ValidationError | TooManyItemsError, body: Buffer): RejectedBody {
  const kept = body.subarray(0, MAX_REJECTED_BODY_BYTES);
  return {
    provider: context.provider,
    requestId: context.requestId,
    receivedAt: context.receivedAt,
    error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) },
    ...(context.contentType ? { contentType: context.contentType } : {}),
    bodyBytes: body.length,
    truncated: kept.length < body.length,
    bodyBase64: kept.toString('base64'),
  };
}

/** Sends the rejected body to `queueUrl`; resolves `true` when kept, `false` (logged) when not. Never throws. */
export async function keepRejected(sqs: SQSClient, queueUrl: string, rejected: RejectedBody): Promise<boolean> {
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(rejected),
        MessageAttributes: {
          provider: { DataType: 'String', StringValue: rejected.provider },
          errorCode: { DataType: 'String', StringValue: rejected.error.code },
        },
      }),
    );
    return true;
  } catch (error) {
    logger.error('rejected body could not be kept', {
      provider: rejected.provider,
      requestId: rejected.requestId,
      error: error instanceof Error ? error.name : typeof error,
    });
    return false;
  }
}
