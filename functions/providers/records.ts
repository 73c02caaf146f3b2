/**
 * The shapes in which AWS services deliver events to a Lambda function, read into {@link SourceRecord}s for the
 * adapters whose sources are not HTTP (AWS End User Messaging):
 *
 * ```
 * EventBridge → Lambda   { "version": "0", "id", "detail-type", "source", "time", "detail": { … } }   → 1 record
 * SNS → Lambda           { "Records": [ { "EventSource": "aws:sns", "Sns": { "Type": "Notification", … } } ] }  → n records
 * SNS notification       { "Type": "Notification", "MessageId", "TopicArn", "Message", "Timestamp", … }  → 1 record
 * ```
 *
 * The last one is what an SNS HTTPS subscription posts and what one `Records[].Sns` holds; the local entry point
 * (`npm start`) and the fixtures use it. Only the fields the adapters read are checked; SNS's signature fields are
 * not: a Lambda subscription is authorized by IAM, not by a signature, and no HTTPS subscription is ever created.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../core/errors';
import { parseJson, validate, wellFormed, withinNestingLimit } from './common';
import type { EventBridgeRecord, NormalizeContext, Normalized, SnsRecord, SourceRecord, WebhookRequest } from './types';

const text = (max = 1024) => z.string().check(z.maxLength(max));
const key = (max = 256) => z.string().check(z.minLength(1), z.maxLength(max), wellFormed());

const EventBridgeSchema = z.object({
  id: key(),
  'detail-type': key(),
  source: key(),
  time: text(64),
  detail: z.unknown(),
});

const SnsNotificationSchema = z.object({
  Type: z.optional(text(64)),
  MessageId: key(),
  TopicArn: text(2048),
  Message: z.string(),
  Timestamp: text(64),
  Subject: z.optional(z.nullable(text(256))),
});

const SnsLambdaEventSchema = z.object({
  Records: z.array(z.looseObject({ EventSource: z.optional(text(64)), Sns: z.unknown() })).check(z.minLength(1)),
});

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const has = (value: Record<string, unknown>, name: string) => Object.hasOwn(value, name);

function eventBridgeRecord(value: unknown): EventBridgeRecord {
  const event = validate(EventBridgeSchema, value);
  if (event.detail === undefined) throw new ValidationError('expected object', 'detail');
  return { source: 'eventbridge', id: event.id, detailType: event['detail-type'], eventSource: event.source, time: event.time, detail: event.detail };
}

function snsRecord(value: unknown, prefix?: string): SnsRecord {
  const notification = validate(SnsNotificationSchema, value, prefix);
  if (notification.Type !== undefined && notification.Type !== 'Notification') {
    // A SubscriptionConfirmation or UnsubscribeConfirmation: only an HTTPS subscription gets one, and we create none.
    throw new ValidationError(`SNS message of type ${notification.Type.slice(0, 64)} is not a notification`, prefix ? `${prefix}.Type` : 'Type');
  }
  return {
    source: 'sns',
    messageId: notification.MessageId,
    topicArn: notification.TopicArn,
    timestamp: notification.Timestamp,
    message: notification.Message,
    ...(notification.Subject ? { subject: notification.Subject } : {}),
  };
}

/**
 * The records of one Lambda invocation by EventBridge or SNS, or of one SNS notification. Throws `ValidationError`
 * naming the field when the value is none of these: an event AWS would never send.
 *
 * @example
 * ```ts
 * declare const TopicArn: string;
 * declare const Timestamp: string;
 * sourceRecordsOf({ Records: [{ EventSource: 'aws:sns', Sns: { Type: 'Notification', MessageId: 'm-1', TopicArn, Message: '{}', Timestamp } }] });
 * // [{ source: 'sns', messageId: 'm-1', topicArn, timestamp, message: '{}' }]
 * ```
 */
export function sourceRecordsOf(value: unknown): SourceRecord[] {
  // An invocation arrives parsed; the event would carry it as `raw`, and serializing a very deep value overflows.
  withinNestingLimit(value);
  if (!isObject(value)) throw new ValidationError('expected an EventBridge event or an SNS notification');
  if (has(value, 'Records')) {
    const event = validate(SnsLambdaEventSchema, value);
    return event.Records.map((record, index) => {
      if (record.EventSource !== undefined && record.EventSource !== 'aws:sns') {
        throw new ValidationError('not an SNS record', `Records.${index}.EventSource`);
      }
      return snsRecord(record.Sns, `Records.${index}.Sns`);
    });
  }
  if (has(value, 'detail-type')) return [eventBridgeRecord(value)];
  if (has(value, 'MessageId') && has(value, 'Message')) return [snsRecord(value)];
  throw new ValidationError('expected an EventBridge event (detail-type, detail) or an SNS notification (MessageId, Message)');
}

/**
 * The published JSON of an SNS record, as an object. AWS End User Messaging publishes one JSON object per message;
 * anything else is a 400-class error naming `Message`.
 */
export function snsMessageObject(record: SnsRecord): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.message);
  } catch {
    throw new ValidationError('is not JSON', 'Message');
  }
  withinNestingLimit(parsed);
  if (!isObject(parsed)) throw new ValidationError('expected a JSON object', 'Message');
  return parsed;
}

/**
 * `normalize` for an adapter without an HTTP route: the body is what AWS delivers (an EventBridge event, an SNS
 * Lambda event or an SNS notification, as JSON), normalized record by record through `normalizeRecord`. No route
 * calls it; the tools that read fixtures as requests (docs, simulator checks) do.
 */
export function normalizeRecordsText(
  normalizeRecord: (record: SourceRecord, context: NormalizeContext) => Normalized,
  request: Pick<WebhookRequest, 'body'>,
  context: NormalizeContext,
): Normalized {
  const records = sourceRecordsOf(parseJson(request.body));
  return { events: records.flatMap((record) => normalizeRecord(record, context).events) };
}
