/**
 * The normalized event, version 1 (docs/design.md "Normalized event (version 1)"): the body of every message on the events queue
 * and on the topic of applied events. This file is the contract downstream teams import; the JSON Schema under
 * `schemas/` is generated from it. Within version 1 only additive, optional changes are allowed.
 */
import * as z from 'zod/mini';
import { CANONICAL_STATUSES } from './status';
import { CHANNELS, EVENT_TYPES, MAX_FIELD_LENGTH, PROVIDER_ID_PATTERN, SCHEMA_VERSION } from './constants';

export {
  CHANNELS,
  EVENT_TYPES,
  MAX_FIELD_LENGTH,
  PROVIDER_ID_PATTERN,
  SCHEMA_VERSION,
  messageAttributesOf,
  type Channel,
  type EventType,
} from './constants';

const boundedString = () => z.string().check(z.maxLength(MAX_FIELD_LENGTH));
const isoUtc = () => z.iso.datetime();

/** A phone number or address as the provider sent it, plus E.164 when it can be derived without guessing. */
export const PartySchema = z.object({
  raw: boundedString(),
  e164: z.optional(z.string().check(z.regex(/^\+[1-9]\d{6,14}$/))),
});
export type Party = z.infer<typeof PartySchema>;

export const EventErrorSchema = z.object({
  code: z.optional(boundedString()),
  message: z.optional(boundedString()),
});

/** What the provider charged for a message: a decimal as written (`"0.0075"`, never a float), in an ISO 4217 code. */
export const PriceSchema = z.object({
  amount: z.string().check(z.regex(/^-?\d{1,12}(\.\d{1,12})?$/)),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/)),
});

/** The network a message went through or came from, as far as the provider says. */
export const NetworkSchema = z.object({
  /** Mobile country code (3 digits). */
  mcc: z.optional(z.string().check(z.regex(/^\d{3}$/))),
  /** Mobile network code (2 or 3 digits). */
  mnc: z.optional(z.string().check(z.regex(/^\d{2,3}$/))),
  carrier: z.optional(boundedString()),
  /** ISO 3166-1 alpha-2 country code. */
  country: z.optional(z.string().check(z.regex(/^[A-Z]{2}$/))),
});

/** One part of a concatenated (multipart) SMS. */
export const PartRefSchema = z.object({
  /** The provider's reference shared by every part of one message. */
  ref: boundedString(),
  /** 1-based. */
  index: z.int().check(z.minimum(1), z.maximum(255)),
  total: z.int().check(z.minimum(1), z.maximum(255)),
});

export const NormalizedEventSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  /** Deterministic from the provider's own identity of the event: a provider retry yields the same id. */
  eventId: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  provider: z.string().check(z.regex(PROVIDER_ID_PATTERN)),
  channel: z.enum(CHANNELS),
  type: z.enum(EVENT_TYPES),
  /** The provider's message id (docs/design.md "Routes" says which field per provider). */
  messageId: z.optional(boundedString()),
  /** Canonical status; present on `message.status`. */
  status: z.optional(z.enum(CANONICAL_STATUSES)),
  /** Whether `status` is final; present on `message.status`. */
  final: z.optional(z.boolean()),
  /** The provider's own status value, verbatim. */
  providerStatus: z.optional(boundedString()),
  error: z.optional(EventErrorSchema),
  recipient: z.optional(PartySchema),
  sender: z.optional(PartySchema),
  /** The provider's own time of the event, in UTC; `receivedAt` when the provider gave none (then `occurredAtRaw` is absent). */
  occurredAt: isoUtc(),
  /** The provider's time value verbatim, before time-zone conversion. */
  occurredAtRaw: z.optional(boundedString()),
  /**
   * `false` when the adapter could not place the provider's time on the time line (a zone-less time it kept raw):
   * such a time never decides an order between events (functions/events/status.ts). Absent: judged by the consumer.
   */
  occurredAtTrusted: z.optional(z.boolean()),
  /** When the webhook reached us, UTC. */
  receivedAt: isoUtc(),
  /** Type-specific fields (per-channel statuses, message text, template name, …). */
  data: z.optional(z.record(z.string(), z.unknown())),
  /** The provider's item as received, for audit and re-normalizing. */
  raw: z.unknown(),
  /** How many parts (segments) an outbound message was sent in, when the provider reports it. */
  segments: z.optional(z.int().check(z.minimum(1), z.maximum(255))),
  /**
   * Which part of a multipart SMS this event is about: one part of a concatenated inbound SMS, or a report on one
   * part of an outbound one (`ref` is then the message's id). Such events are recorded, not published: the whole
   * message is ({@link isPart}).
   */
  part: z.optional(PartRefSchema),
  price: z.optional(PriceSchema),
  network: z.optional(NetworkSchema),
});

export type NormalizedEvent = z.infer<typeof NormalizedEventSchema>;

/**
 * Whether the event is one part of a multipart message (an outbound report on one part, or one inbound part): it is
 * recorded, and subscribers get the whole message derived from the parts instead (functions/consume/multipart.ts).
 */
export const isPart = (event: Pick<NormalizedEvent, 'part' | 'type'>): boolean =>
  event.part !== undefined && (event.type === 'message.status' || event.type === 'message.inbound');
