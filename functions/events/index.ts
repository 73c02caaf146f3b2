/**
 * The event contract, in one import: the v1 normalized event and the applied-event envelope (zod/mini schemas and
 * their TypeScript types), and the canonical status model with its ordering rule. Downstream TypeScript consumers
 * import from here; the same contract as JSON Schema is under `schemas/`, and `docs/events.md` explains it.
 *
 * @example
 * ```ts
 * import type { SQSRecord } from 'aws-lambda';
 * import { AppliedEventSchema, supersedes, type AppliedEvent } from 'webhook-ingestion/functions/events';
 * declare const sqsRecord: SQSRecord;
 * const event: AppliedEvent = AppliedEventSchema.parse(JSON.parse(sqsRecord.body));
 * ```
 */
import type { NormalizedEvent } from './schema';

export {
  CHANNELS,
  EVENT_TYPES,
  EventErrorSchema,
  MAX_FIELD_LENGTH,
  NetworkSchema,
  NormalizedEventSchema,
  PartRefSchema,
  PartySchema,
  PriceSchema,
  PROVIDER_ID_PATTERN,
  SCHEMA_VERSION,
  isPart,
  messageAttributesOf,
  type Channel,
  type EventType,
  type NormalizedEvent,
  type Party,
} from './schema';
export {
  CANONICAL_STATUSES,
  DEFAULT_TRUSTED_TIME_WINDOW_MS,
  STATUS_TABLE,
  UNMAPPED_RANK,
  UNMAPPED_STATUS,
  isCanonicalStatus,
  isTimeTrusted,
  rankOf,
  supersedes,
  type CanonicalStatus,
  type Ordered,
  type StatusInfo,
} from './status';
export {
  AppliedEventSchema,
  AppliedFieldsSchema,
  appliedEventAttributes,
  type AppliedEvent,
  type AppliedEventAttributes,
} from './applied';
export { APPLIED_EVENT_ATTRIBUTES, type AppliedEventAttribute } from '../settings';

/** The `error` object of an event (`code`, `message`, both optional). */
export type EventError = NonNullable<NormalizedEvent['error']>;
