/**
 * The applied event as published on the topic (issue 5): the recorded normalized event plus what recording it did
 * to the stored status, with the message attributes subscriber filter policies match on. Pure.
 */
import type { MessageAttributeValue, PublishInput } from '@aws-sdk/client-sns';
import { appliedEventAttributes, type AppliedEvent } from '../events/applied';
import type { NormalizedEvent } from '../events/schema';
import type { Outcome } from '../store/items';
import { eventJsonWithin } from '../store/items';

/**
 * SNS takes at most 256 KiB per message, attributes included. The attributes are a few dozen bytes; the rest is
 * a margin. `raw` is bounded only by the body cap (256 KiB), and so could be a body an adapter keeps in `data`:
 * an event over this is sent with `raw: null`, and if need be `data: { omitted: true }` (`eventJsonWithin`).
 */
export const MAX_MESSAGE_BYTES = 250_000;

/** The applied event of `event` (the recorded copy) with its recorded `outcome`. */
export function toAppliedEvent(event: NormalizedEvent, outcome: Outcome): AppliedEvent {
  return { ...event, previousStatus: outcome.previousStatus, statusChanged: outcome.statusChanged };
}

/**
 * The `Publish` request of `applied` on `topicArn`: the applied event JSON as the message (subscribers use raw
 * delivery, so this is their SQS body), and the attributes of `appliedEventAttributes` as SNS `String`s. An event
 * too large for SNS goes with `raw: null`, and `data` omitted if it is still too large (the history item keeps the
 * event, up to DynamoDB's item size); `rawOmitted` and `dataOmitted` say so.
 */
export function publishInputOf(topicArn: string, applied: AppliedEvent): PublishInput & { rawOmitted: boolean; dataOmitted: boolean } {
  const { json, rawOmitted, dataOmitted } = eventJsonWithin(applied, MAX_MESSAGE_BYTES);
  const MessageAttributes: Record<string, MessageAttributeValue> = Object.fromEntries(
    Object.entries(appliedEventAttributes(applied)).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
  return { TopicArn: topicArn, Message: json, MessageAttributes, rawOmitted, dataOmitted };
}
