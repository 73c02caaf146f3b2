/**
 * An SQS record's body back to the normalized event it carries. Anything else is a poison record: it fails, is
 * retried up to `maxReceiveCount` times, and ends in the dead-letter queue for someone to look at.
 */
import type { SQSRecord } from 'aws-lambda';
import { NormalizedEventSchema, type NormalizedEvent } from '../events/schema';
import { InvalidRecordError } from './errors';

/**
 * Parses and validates one record. The error names the first bad field but never quotes the body (zod's own
 * messages may echo input, so only the issue's path and code are used).
 */
export function parseRecord(record: Pick<SQSRecord, 'messageId' | 'body'>): NormalizedEvent {
  let value: unknown;
  try {
    value = JSON.parse(record.body);
  } catch {
    throw new InvalidRecordError(record.messageId, 'body is not JSON');
  }
  const result = NormalizedEventSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new InvalidRecordError(record.messageId, issue.code.replace(/_/g, ' '), issue.path.map(String).join('.') || undefined);
}
