/**
 * The applied event (version 1): what the consumer publishes on the topic after it has recorded an event. It is
 * the normalized event, unchanged, plus what recording it did to the message's stored status. Downstream queues
 * receive exactly this JSON (raw message delivery); `schemas/applied-event.v1.schema.json` is generated from it.
 */
import * as z from 'zod/mini';
import { APPLIED_EVENT_ATTRIBUTES, type AppliedEventAttribute } from '../settings';
import { NormalizedEventSchema } from './schema';
import { CANONICAL_STATUSES } from './status';

/**
 * The envelope's own fields, kept apart so the generator and the docs can name them.
 *
 * - `previousStatus`: the message's stored canonical status before this event was recorded; `null` when nothing
 *   was stored (the message's first event, or an event that is not about a message status).
 * - `statusChanged`: whether this event changed the stored status value (`false` for a status that arrived after a
 *   higher-ranked one, for one that only refreshes details of the same status, and for events that carry no
 *   status). A duplicate delivery of an already published event is not published again at all.
 */
export const AppliedFieldsSchema = z.object({
  previousStatus: z.nullable(z.enum(CANONICAL_STATUSES)),
  statusChanged: z.boolean(),
});

/**
 * The body of every message on the topic of applied events, and so of every subscriber queue.
 *
 * @example
 * ```ts
 * import type { SQSRecord } from 'aws-lambda';
 * import { AppliedEventSchema, type AppliedEvent } from '../events';
 * declare const record: SQSRecord;
 * declare function notify(event: AppliedEvent): void;
 * const applied = AppliedEventSchema.parse(JSON.parse(record.body));
 * if (applied.statusChanged && applied.final) notify(applied);
 * ```
 */
export const AppliedEventSchema = z.extend(NormalizedEventSchema, AppliedFieldsSchema.shape);

export type AppliedEvent = z.infer<typeof AppliedEventSchema>;

/** The SNS message attributes of an applied event: all `String`, booleans as `"true"`/`"false"`. */
export type AppliedEventAttributes = Readonly<Record<AppliedEventAttribute, string>>;

/**
 * How each attribute is derived from the applied event. A table rather than inline code so that adding an
 * attribute to `APPLIED_EVENT_ATTRIBUTES` without saying how to fill it fails to compile.
 * `status` and `final` are `"none"` on events without a status, so a filter policy can still name them.
 */
const ATTRIBUTE_VALUES: { readonly [K in AppliedEventAttribute]: (event: AppliedEvent) => string } = {
  provider: (event) => event.provider,
  channel: (event) => event.channel,
  type: (event) => event.type,
  status: (event) => event.status ?? 'none',
  final: (event) => (event.final === undefined ? 'none' : String(event.final)),
  statusChanged: (event) => String(event.statusChanged),
};

/**
 * The message attributes the topic carries with `event`, which subscriber filter policies match on.
 *
 * @example
 * ```ts
 * declare const applied: AppliedEvent;
 * appliedEventAttributes(applied); // { provider: 'webcom', channel: 'sms', type: 'message.status', status: 'delivered', final: 'true', statusChanged: 'true' }
 * ```
 */
export function appliedEventAttributes(event: AppliedEvent): AppliedEventAttributes {
  return Object.fromEntries(APPLIED_EVENT_ATTRIBUTES.map((name) => [name, ATTRIBUTE_VALUES[name](event)])) as Record<AppliedEventAttribute, string>;
}
