/**
 * The plain values of the v1 event contract, without zod: the hot path (ingest, adapters) needs these at cold start,
 * while building the full schema (`./schema.ts`, which re-exports all of this) costs milliseconds it does not need.
 */
import type { NormalizedEvent } from './schema';

export const SCHEMA_VERSION = 1 as const;

/**
 * Provider ids are kebab-case names from the registry (`functions/providers/index.ts`); the schema does not
 * enumerate them, so adding a provider is not a schema change.
 */
export const PROVIDER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const CHANNELS = ['sms', 'mms', 'whatsapp', 'viber', 'otp', 'rcs'] as const;
export type Channel = (typeof CHANNELS)[number];

export const EVENT_TYPES = [
  'message.status',
  'message.inbound',
  'template.status',
  'recipient.unsubscribed',
  'country.blocked',
  'account.review',
  'phone_number.name',
  'chat.message',
  'provider.unknown',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Longest string any single field may hold; raw provider items are bounded by the body cap instead. */
export const MAX_FIELD_LENGTH = 1024;

/** SQS / SNS message attributes carried with each event, for filter policies. */
export function messageAttributesOf(event: NormalizedEvent): Record<'provider' | 'type' | 'status', string> {
  return { provider: event.provider, type: event.type, status: event.status ?? 'none' };
}
