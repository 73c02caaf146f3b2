/**
 * InnoPaaS WhatsApp Business API webhooks: one envelope per push,
 * `{ id, type, eventTime, body }`, where `type` picks the body's shape and the event it becomes.
 *
 * ```
 * whatsapp_message_status_updated ──► message.status     (messageId = body.id, recipient = sendPhone)
 * whatsapp_mo_message_received    ──► message.inbound    (messageId = body.id, sender = from, recipient = to)
 * whatsapp_template_status_update[d] ► template.status   (providerStatus = templateStatus)
 * whatsapp_account_review_updated ──► account.review     (body undocumented: in data.body up to 16 KiB)
 * whatsapp_phone_number_name_update ► phone_number.name  (body undocumented: in data.body up to 16 KiB)
 * chat_mt_message_notify / chat_mo_message_notify ──► chat.message (direction in data)
 * anything else ──► provider.unknown  (whatever its body: object, array, string or none)
 * ```
 *
 * Choices where the docs are silent:
 * - `eventId` is the envelope `id` alone: the docs call it the event's handle, and it is unique per push.
 * - `occurredAt` is the envelope `eventTime` for every type (the MO `sendTime` is kept raw in `data`), in either
 *   documented form: ISO-8601 UTC, or `yyyy-MM-dd HH:mm:ss` read in `context.timeZone` (Asia/Shanghai unless
 *   overridden). Other times inside bodies (`conversation.expireAt`) are kept raw.
 * - Per body, required are the fields that say what happened to what: status `id` and `status`; MO `id`, `from`,
 *   `type`; template `templateId` and `templateStatus`; chat `from`, `to`, `messageType`. Other documented fields
 *   are type-checked when present, so a push is never refused over a field we only carry along.
 * - `errorData`'s sub-fields were never published: it is kept whole in `data`, and `error` takes `code` and the
 *   first of `message`/`title` plus `details` (or Meta's `error_data.details`) when it carries them. A Meta-style
 *   array of such objects is accepted too; the first one gives `error`.
 * - The MO per-type object (`text`, `image`, …) is optional even for its own type, and only its documented
 *   sub-fields are type-checked: an inbound message is never lost over a shape nobody published. An MO type not
 *   in the documented list is still a `message.inbound`, its content left in `raw`.
 * - The MO contacts card comes under `contacts` (InnoPaaS, Meta) or `contact` (the parent platform's doc, an object
 *   until 2024-03-08 and an array since): either lands in `data.contacts`, as sent.
 * - The statuses `sent` (not listed by InnoPaaS, but Meta sends it) and `SMECL:FAILED` (undocumented) are mapped
 *   as docs/design.md says; any other status is `unknown`, non-final.
 * - A JSON array of envelopes is accepted, each on its own: a malformed one among good ones is kept as
 *   `provider.unknown` with its error and the good ones go through; with none usable, a 400 (see `normalizeItems`).
 *   A single envelope that fails validation is a 400.
 */
import * as z from 'zod/mini';
import { MAX_FIELD_LENGTH, type EventType } from '../events/constants';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { catalogOf, jsonAckReply, makeEvent, mapStatus, statusOfProviderStatus, validate, type EventKind, oneOf } from './common';
import {
  ID_MAX,
  INNOPAAS_CREDENTIAL_HEADERS,
  INNOPAAS_TIME_ZONE,
  TEXT_MAX,
  anyObject,
  failureOf,
  id,
  innopaasTime,
  keyString,
  normalizeItems,
  opt,
  phone,
  stringish,
  text,
  timeValue,
  withoutUndefined,
} from './innopaas';
import type { NormalizeContext, Normalized, ProviderAdapter, WebhookRequest } from './types';

const PROVIDER = 'innopaas-whatsapp';

/** `whatsapp_message_status_updated` `status` → canonical status. */
export const INNOPAAS_WHATSAPP_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  'SMECL:FAILED': 'failed',
};

/** The fields a body contributes to its event; the envelope gives the rest. */
type BodyFields = Partial<Pick<NormalizedEvent, 'messageId' | 'status' | 'final' | 'providerStatus' | 'error' | 'recipient' | 'sender'>> & {
  data: Record<string, unknown>;
};

/** How the body of one envelope `type` reads: the event type, and the body's schema and reading. */
interface BodyKind {
  readonly type: EventType;
  readonly statuses?: Readonly<Record<string, CanonicalStatus>>;
  /** Validates the body (fields named under `prefix`) and reads it. */
  readonly read: (body: unknown, prefix: string) => BodyFields;
}

/** Ties a schema to its reader once, so the table below can hold kinds of different body types. */
function kind<S extends z.ZodMiniType>(
  type: EventType,
  schema: S,
  fields: (body: z.infer<S>) => BodyFields,
  statuses?: Readonly<Record<string, CanonicalStatus>>,
): BodyKind {
  return { type, statuses, read: (body, prefix) => fields(validate(schema, body, prefix)) };
}

const party = (value: string | undefined) => (value ? toParty(value, { kind: 'international' }) : undefined);
const word = (max = 64) => z.string().check(z.minLength(1), z.maxLength(max));

/* ------------------------------------------------------------------------------------------------------------
 * Common fields and the envelope
 * ---------------------------------------------------------------------------------------------------------- */

const account = {
  accountName: opt(stringish(0, ID_MAX)),
  wabaId: opt(stringish(0, ID_MAX)),
  wamid: opt(text(ID_MAX)),
};

/**
 * The envelope. `body` may be anything, or absent: its shape is the event type's to decide, so only a known type's
 * reader checks it (and a known type's body that is not an object is a 400 naming `body`). A type this adapter does
 * not know is kept as `provider.unknown` whatever its body, since its shape is exactly what nobody documented.
 */
const EnvelopeSchema = z.object({
  id: id(),
  type: text(128),
  eventTime: timeValue(),
  body: z.optional(z.unknown()),
});
type Envelope = z.infer<typeof EnvelopeSchema>;

/* ------------------------------------------------------------------------------------------------------------
 * whatsapp_message_status_updated
 * ---------------------------------------------------------------------------------------------------------- */

const ErrorDetailSchema = z.looseObject({
  code: opt(stringish(0, ID_MAX)),
  title: opt(text()),
  message: opt(text()),
  details: opt(text()),
  error_data: opt(z.looseObject({ details: opt(text()) })),
});
type ErrorDetail = z.infer<typeof ErrorDetailSchema>;

const MessageStatusBody = z.object({
  id: id(),
  status: word(),
  sendPhone: opt(phone()),
  uid: opt(stringish(0, ID_MAX)),
  conversation: opt(z.looseObject({ initiateType: opt(text(64)), expireAt: opt(timeValue()) })),
  errorData: opt(oneOf([ErrorDetailSchema, z.array(ErrorDetailSchema)])),
  ...account,
});

/** `{code, message}` from an `errorData` object: message/title, then the details if they add something. */
function errorTextOf(detail: ErrorDetail | undefined): { code?: string; message?: string } {
  if (!detail) return {};
  const headline = detail.message ?? detail.title;
  const details = detail.details ?? detail.error_data?.details;
  const message = headline && details && details !== headline ? `${headline}: ${details}` : (headline ?? details);
  return { code: detail.code, message: message?.slice(0, MAX_FIELD_LENGTH) };
}

const messageStatus = kind(
  'message.status',
  MessageStatusBody,
  (body) => {
    const { status, final } = mapStatus(INNOPAAS_WHATSAPP_STATUSES, body.status);
    const reason = errorTextOf(Array.isArray(body.errorData) ? body.errorData[0] : body.errorData);
    return {
      messageId: body.id,
      status,
      final,
      providerStatus: body.status,
      ...withoutUndefined({ error: failureOf(status, reason.code, reason.message), recipient: party(body.sendPhone) }),
      data: withoutUndefined({
        accountName: body.accountName,
        wabaId: body.wabaId,
        wamid: body.wamid,
        uid: body.uid,
        conversation: body.conversation,
        errorData: body.errorData,
      }),
    };
  },
  INNOPAAS_WHATSAPP_STATUSES,
);

/* ------------------------------------------------------------------------------------------------------------
 * whatsapp_mo_message_received
 * ---------------------------------------------------------------------------------------------------------- */

const MediaSchema = z.looseObject({
  caption: opt(text(TEXT_MAX)),
  mimeType: opt(text(255)),
  sha256: opt(text(128)),
  link: opt(text(TEXT_MAX)),
  id: opt(stringish(0, ID_MAX)),
});

/**
 * Every MO message `type` InnoPaaS lists, with the schema of its per-type object (the body field of the same
 * name), optional even for its own type. Only documented sub-fields are checked; the rest is kept as sent.
 */
export const INNOPAAS_MO_MESSAGE_TYPES = {
  text: opt(z.looseObject({ body: opt(text(TEXT_MAX)) })),
  reaction: opt(z.looseObject({ messageId: opt(stringish(0, ID_MAX)), emoji: opt(text(64)) })),
  image: opt(MediaSchema),
  audio: opt(MediaSchema),
  video: opt(MediaSchema),
  sticker: opt(MediaSchema),
  unknown: opt(anyObject()),
  location: opt(anyObject()),
  // Meta sends contacts as an array of cards; InnoPaaS says "an object of the same name": accept either.
  contacts: opt(oneOf([z.array(anyObject()), anyObject()])),
  button: opt(anyObject()),
  interactive: opt(anyObject()),
  order: opt(anyObject()),
  system: opt(anyObject()),
} as const;

type MoMessageType = keyof typeof INNOPAAS_MO_MESSAGE_TYPES;

const MoMessageBody = z.object({
  id: id(),
  from: phone(1),
  to: opt(phone()),
  type: word(),
  sendTime: opt(timeValue()),
  customerProfile: opt(anyObject()),
  context: opt(anyObject()),
  errors: opt(z.array(anyObject())),
  /** The parent platform's doc names the contacts field `contact` (an object until 2024-03-08, an array since). */
  contact: opt(oneOf([z.array(anyObject()), anyObject()])),
  ...account,
  ...INNOPAAS_MO_MESSAGE_TYPES,
});

const isMoMessageType = (type: string): type is MoMessageType => Object.hasOwn(INNOPAAS_MO_MESSAGE_TYPES, type);

const moMessage = kind('message.inbound', MoMessageBody, (body) => ({
  messageId: body.id,
  ...withoutUndefined({ sender: party(body.from), recipient: party(body.to) }),
  data: withoutUndefined({
    messageType: body.type,
    // Only a listed type names a data key: the key is then one of ours, never a provider-chosen string.
    ...(isMoMessageType(body.type) ? { [body.type]: body[body.type] } : {}),
    // `contact` (the parent platform's spelling) fills `contacts` when that is absent: one key for subscribers.
    ...(body.type === 'contacts' && body.contacts === undefined && body.contact !== undefined ? { contacts: body.contact } : {}),
    errors: body.errors,
    context: body.context,
    customerProfile: body.customerProfile,
    accountName: body.accountName,
    wabaId: body.wabaId,
    wamid: body.wamid,
    sendTime: body.sendTime,
  }),
}));

/* ------------------------------------------------------------------------------------------------------------
 * whatsapp_template_status_updated (and the "update" spelling of one doc snapshot)
 * ---------------------------------------------------------------------------------------------------------- */

const TemplateStatusBody = z.object({
  templateId: id(),
  templateStatus: word(),
  templateName: opt(text(512)),
  templateLanguage: opt(text(32)),
  category: opt(text(64)),
  reason: opt(text()),
  ...account,
});

const templateStatus = kind('template.status', TemplateStatusBody, (body) => ({
  providerStatus: body.templateStatus,
  data: withoutUndefined({
    templateId: body.templateId,
    templateName: body.templateName,
    templateLanguage: body.templateLanguage,
    category: body.category,
    templateStatus: body.templateStatus,
    reason: body.reason,
    accountName: body.accountName,
    wabaId: body.wabaId,
  }),
}));

/* ------------------------------------------------------------------------------------------------------------
 * Account review and phone-number name: announced ("updating"), bodies never published
 * ---------------------------------------------------------------------------------------------------------- */

/** Kept whole in `data.body`, whatever its shape: with no published shape, no shape is wrong (none: no `data.body`). */
/**
 * Largest undocumented body also kept in `data.body`; a larger one is only in `raw` (`data.bodyBytes` says its
 * size). Unbounded, it would be a second copy of the body in every message, and could push the published event past
 * SNS's 256 KiB even with `raw` left out.
 */
export const MAX_DATA_BODY_BYTES = 16 * 1024;

const undocumented = (type: EventType) =>
  kind(type, z.optional(z.unknown()), (body) => {
    if (body === undefined) return { data: {} };
    const bytes = Buffer.byteLength(JSON.stringify(body) ?? '', 'utf8');
    return { data: bytes <= MAX_DATA_BODY_BYTES ? { body } : { bodyBytes: bytes } };
  });

/* ------------------------------------------------------------------------------------------------------------
 * Inbox chat events
 * ---------------------------------------------------------------------------------------------------------- */

const ChatMessageBody = z.object({
  from: phone(1),
  to: phone(1),
  messageType: word(),
  context: opt(anyObject()),
  // The chat's partition is its conversationId, else this id: both build a store key.
  id: opt(keyString(0, ID_MAX)),
  conversationId: opt(keyString(0, ID_MAX)),
  uid: opt(stringish(0, ID_MAX)),
  ...account,
});

const chatMessage = (direction: 'mt' | 'mo') =>
  kind('chat.message', ChatMessageBody, (body) => ({
    ...withoutUndefined({ messageId: body.id, sender: party(body.from), recipient: party(body.to) }),
    data: withoutUndefined({
      direction,
      messageType: body.messageType,
      context: body.context,
      wamid: body.wamid,
      conversationId: body.conversationId,
      uid: body.uid,
      wabaId: body.wabaId,
      accountName: body.accountName,
    }),
  }));

/* ------------------------------------------------------------------------------------------------------------
 * The table and the adapter
 * ---------------------------------------------------------------------------------------------------------- */

const pathOf = (prefix: string | undefined, field: string) => (prefix === undefined ? field : `${prefix}.${field}`);

/** The event of an envelope, given what its body says (`fields`): the envelope gives its identity and time. */
function envelopeEvent(
  envelope: Envelope,
  item: unknown,
  type: EventType,
  { data, ...fields }: BodyFields,
  context: NormalizeContext,
  prefix: string | undefined,
): NormalizedEvent {
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, envelope.id),
      provider: PROVIDER,
      channel: 'whatsapp',
      type,
      ...fields,
      occurredAt: innopaasTime(envelope.eventTime, context, pathOf(prefix, 'eventTime')),
      occurredAtRaw: envelope.eventTime,
      // `data` was built by the readers from validated fields under our own keys, so spreading it is safe.
      data: { eventType: envelope.type, ...data },
      raw: item,
    },
    context,
  );
}

type EnvelopeKind = EventKind<(envelope: Envelope, item: unknown, context: NormalizeContext, prefix: string | undefined) => NormalizedEvent>;

/** Rows of {@link EVENT_KINDS}: each envelope `type` with its body's reading, and the catalog row it makes. */
function envelopeKinds(rows: ReadonlyArray<readonly [string, BodyKind]>): ReadonlyMap<string, EnvelopeKind> {
  return new Map(
    rows.map(([providerEvent, { type, statuses, read }]): [string, EnvelopeKind] => [
      providerEvent,
      {
        catalog: [statuses ? { providerEvent, type, channel: 'whatsapp', statuses } : { providerEvent, type, channel: 'whatsapp' }],
        normalize: (envelope, item, context, prefix) =>
          envelopeEvent(envelope, item, type, read(envelope.body, pathOf(prefix, 'body')), context, prefix),
      },
    ]),
  );
}

/** Envelope `type` → how it becomes an event. A Map, so a `type` of `__proto__` or `constructor` finds nothing. */
const EVENT_KINDS = envelopeKinds([
  ['whatsapp_message_status_updated', messageStatus],
  ['whatsapp_mo_message_received', moMessage],
  ['whatsapp_template_status_updated', templateStatus],
  ['whatsapp_template_status_update', templateStatus],
  ['whatsapp_account_review_updated', undocumented('account.review')],
  ['whatsapp_phone_number_name_update', undocumented('phone_number.name')],
  ['chat_mt_message_notify', chatMessage('mt')],
  ['chat_mo_message_notify', chatMessage('mo')],
]);

function toEvent(item: unknown, context: NormalizeContext, prefix: string | undefined): NormalizedEvent {
  const envelope = validate(EnvelopeSchema, item, prefix);
  const kind = EVENT_KINDS.get(envelope.type);
  // A type nobody documented: kept whatever its body, which is not read.
  return kind ? kind.normalize(envelope, item, context, prefix) : envelopeEvent(envelope, item, 'provider.unknown', { data: {} }, context, prefix);
}

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const events = normalizeItems(request.body, { provider: PROVIDER, channel: 'whatsapp', context }, ({ value, prefix }) =>
    toEvent(value, context, prefix),
  );
  return { events };
}

/** The InnoPaaS WhatsApp Business API adapter: one event per envelope. */
export const innopaasWhatsapp: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'InnoPaaS WhatsApp Business API',
  authentication: 'headers',
  credentialHeaders: INNOPAAS_CREDENTIAL_HEADERS,
  defaultTimeZone: INNOPAAS_TIME_ZONE,
  catalog: catalogOf(EVENT_KINDS),
  normalize,
  statusOf: statusOfProviderStatus(INNOPAAS_WHATSAPP_STATUSES),
  reply: jsonAckReply,
};
