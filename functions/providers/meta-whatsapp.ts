/**
 * Meta WhatsApp Business Cloud API webhooks: a one-time GET verification handshake, then signed POSTs of one JSON
 * envelope that batches events at three levels.
 *
 * ```
 * GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=1158201444  ──► 200 text/plain "1158201444" (403 otherwise)
 * POST { object: "whatsapp_business_account", entry: [{ id: <WABA id>, time?, changes: [{ field, value }] }] }
 *   field messages:  value.statuses[] ──► message.status each    (messageId = wamid, eventId wamid + status)
 *                    value.messages[] ──► message.inbound each   (text, media, location, contacts, interactive, …)
 *                    value.errors[]   ──► provider.unknown each  (app-level errors, not tied to one message)
 *   field message_template_status_update, message_template_quality_update, template_category_update ──► template.status
 *   field account_update, account_review_update, account_alerts, phone_number_quality_update ──► account.review
 *   field phone_number_name_update ──► phone_number.name
 *   any other field ──► provider.unknown
 * ```
 *
 * Every item of every array is its own event and validated on its own ({@link normalizeBatch}): one malformed status
 * among good ones is kept as `provider.unknown` with its error, the others go through, and the request is answered
 * 200 only when all of them are queued (Meta retries anything else for up to 7 days).
 *
 * Choices where the docs are silent:
 * - Statuses: `sent`, `delivered`, `read`, `failed` as their names say; `played` (a voice message played) is `read`,
 *   which it implies. `deleted` and `warning` say nothing about delivery and are left unmapped, like any status Meta
 *   adds later: kept as `unknown`, non-final, rank 0, so they never move a message's status. Meta's ordering
 *   quirks (`read` without `delivered`; `delivered` after `failed` on multi-device) converge through the status
 *   rule: read outranks everything, and `delivered` / `failed` (equal rank) are decided by Meta's own timestamp.
 * - `timestamp` (Unix seconds as a string) is `occurredAt`; template and account events use `entry.time`.
 * - `error` takes the first `errors[]` item of a failed status (`code`, then `title`/`message` and
 *   `error_data.details`); every error stays in `data.errors`. `conversation` and `pricing` are kept in `data`:
 *   Meta reports a category and a pricing model, never an amount, so `price` is not set.
 * - `message_template_id` is a JSON number that can exceed 2^53: such digits are read from the body text, never
 *   from a rounded double (see {@link parseBody}).
 * - The account an event names is the business phone number's id (`metadata.phone_number_id`, in
 *   `data.phoneNumberId`), checked against `accounts` when the credentials list some; template and account events
 *   name the WABA only and pass.
 * - An app-level error has no id of its own: its identity is its WABA, phone number id and text, so a retry of
 *   the same request keeps the same event id.
 */
import * as z from 'zod/mini';
import { matchesAny, digest } from '../origin/compare';
import { rawBody } from '../origin/payloads';
import { hmacScheme } from '../origin/schemes/hmac';
import type { ProviderCredentials } from '../origin/credentials';
import type { EventType } from '../events/constants';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { epochMsToUtcIso } from '../core/time';
import { toParty } from '../core/phone';
import {
  invalidItemEvent,
  jsonAckReply,
  makeEvent,
  mapStatus,
  normalizeBatch,
  parseJson,
  statusOfProviderStatus,
  validate,
  wellFormed,
  withinNestingLimit,
  int,
  anyObject,
  matches,
  oneOf,
  orNull,
  preprocess,
} from './common';
import type { CatalogEntry, Handshake, NormalizeContext, ProviderAdapter, WebhookReply, WebhookRequest } from './types';

const PROVIDER = 'meta-whatsapp';

/* ------------------------------------------------------------------------------------------------------------
 * Proof of origin and the handshake
 * ---------------------------------------------------------------------------------------------------------- */

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(App Secret, raw body)>`. */
export const metaSignature = hmacScheme({
  header: 'x-hub-signature-256',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  payload: rawBody,
});

/** Meta's challenge is "an int you must pass back"; anything else is not echoed. */
const CHALLENGE = /^[A-Za-z0-9_-]{1,128}$/;

const forbidden = (message: string): WebhookReply => ({
  statusCode: 403,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: 'forbidden', message }),
});

/** The single value of a query parameter; `undefined` when absent or repeated (a repeated token never matches). */
function single(request: WebhookRequest, name: string): string | undefined {
  const values = request.params.filter(([key]) => key === name).map(([, value]) => value);
  return values.length === 1 ? values[0] : undefined;
}

/**
 * Meta's verification request: `hub.mode=subscribe`, `hub.verify_token` equal to one of `verifyTokens`
 * (constant-time; the token is compared as the text it is, so no operator injection), `hub.challenge` echoed as
 * plain text. A wrong or missing token, or none configured, is refused.
 */
export const metaHandshake: Handshake = {
  keys: ['verifyTokens'],
  matches: (request) => request.method === 'GET' && request.params.some(([key]) => key === 'hub.mode'),
  answer(request, credentials: ProviderCredentials | undefined) {
    const tokens = credentials?.verifyTokens ?? [];
    const mode = single(request, 'hub.mode');
    const token = single(request, 'hub.verify_token');
    const challenge = single(request, 'hub.challenge');
    if (tokens.length === 0) return forbidden('no verify token configured');
    if (mode !== 'subscribe' || token === undefined || !matchesAny(token, tokens.map(digest))) return forbidden('verify token does not match');
    if (challenge === undefined || !CHALLENGE.test(challenge)) return forbidden('hub.challenge missing or not a plain token');
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: challenge };
  },
};

/* ------------------------------------------------------------------------------------------------------------
 * Statuses
 * ---------------------------------------------------------------------------------------------------------- */

/** `statuses[].status` → canonical status; `deleted`, `warning` and anything new stay unmapped (module comment). */
export const META_STATUSES = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
  failed: 'failed',
} as const satisfies Record<string, CanonicalStatus>;

/** Statuses Meta documents that say nothing about delivery: kept as `unknown`, non-final. */
export const META_UNMAPPED_STATUSES = ['deleted', 'warning'] as const;

/** Inbound `type`s Meta documents; each has an object of the same name (`text`, `image`, …) except `unknown`. */
export const META_MESSAGE_TYPES = [
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'system',
  'unknown',
  'unsupported',
] as const;

/* ------------------------------------------------------------------------------------------------------------
 * Schemas
 * ---------------------------------------------------------------------------------------------------------- */

const ID_MAX = 512;
const TEXT_MAX = 4096;
const FIELD_MAX = 1024;
/** Meta's own bound: "batches of up to 1000 updates" per request (Graph API webhooks); a request over it is a 413. */
export const META_MAX_UPDATES = 1000;

const text = (max = FIELD_MAX) => z.string().check(z.maxLength(max));
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(orNull(schema));
const keyText = (min = 1, max = ID_MAX) => z.string().check(z.minLength(min), z.maxLength(max), wellFormed());
/** Unix seconds, a string in every example; a number is read the same way. */
const seconds = () =>
  preprocess(
    (value) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value),
    z.string().check(matches(/^\d{1,12}$/)),
  );
/** An id Meta types as a string, or a number (template ids; unsafe ones already read as their digits). */
const idish = () => oneOf([keyText(), int()]);
/** Any JSON object: zod copies own keys into a fresh object and never assigns `__proto__`. */

const EnvelopeSchema = z.object({
  object: z.optional(text(64)),
  entry: z
    .array(
      z.object({
        id: idish(),
        time: opt(seconds()),
        changes: z.array(z.object({ field: text(128), value: z.unknown() })),
      }),
    )
    .check(z.minLength(1)),
});
type Entry = z.infer<typeof EnvelopeSchema>['entry'][number];

const MetadataSchema = z.object({
  display_phone_number: opt(text(64)),
  phone_number_id: opt(idish()),
});

/** The arrays of a `messages` change; each item is validated on its own, so here they are only arrays. */
const MessagesValueSchema = z.object({
  messaging_product: opt(text(32)),
  metadata: opt(MetadataSchema),
  contacts: opt(z.array(z.unknown())),
  statuses: opt(z.array(z.unknown())),
  messages: opt(z.array(z.unknown())),
  errors: opt(z.array(z.unknown())),
});
type MessagesValue = z.infer<typeof MessagesValueSchema>;

const ErrorSchema = z.object({
  code: opt(oneOf([int(), text(64)])),
  title: opt(text()),
  message: opt(text()),
  error_data: opt(z.object({ details: opt(text()) })),
  href: opt(text()),
});
type MetaError = z.infer<typeof ErrorSchema>;

const StatusSchema = z.object({
  id: keyText(),
  status: keyText(1, 64),
  timestamp: seconds(),
  recipient_id: opt(keyText(0, 64)),
  recipient_type: opt(text(32)),
  recipient_participant_id: opt(text(64)),
  biz_opaque_callback_data: opt(text(TEXT_MAX)),
  conversation: opt(anyObject()),
  pricing: opt(anyObject()),
  errors: opt(z.array(ErrorSchema).check(z.maxLength(100))),
});

const InboundSchema = z.object({
  from: keyText(1, 64),
  id: keyText(),
  timestamp: seconds(),
  type: keyText(1, 64),
  context: opt(anyObject()),
  referral: opt(anyObject()),
  errors: opt(z.array(ErrorSchema).check(z.maxLength(100))),
  text: opt(z.object({ body: opt(text(TEXT_MAX)), preview_url: opt(z.boolean()) })),
  interactive: opt(anyObject()),
  button: opt(z.object({ payload: opt(text()), text: opt(text()) })),
});

const ContactSchema = z.object({ wa_id: opt(text(64)), profile: opt(z.object({ name: opt(text(256)) })) });

/* ------------------------------------------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------------------------------------------- */

/** An integer literal of 16 or more digits after `:`, `,` or `[`: one that a double may have rounded. */
const LONG_INTEGER = /[:,[]\s*-?\d{16,}/;

/**
 * The body as JSON, with integers beyond 2^53 kept as their digits (a string) rather than rounded: Meta's
 * `message_template_id` is a JSON number and a 64-bit id. The reviver, which reads each value's source text, runs
 * only when the body has a long integer literal, so an ordinary body is parsed once, at full speed.
 */
export function parseBody(body: string): unknown {
  const parsed = parseJson(body);
  if (!LONG_INTEGER.test(body)) return parsed;
  const reviver = (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source)
      ? context.source
      : value;
  return withinNestingLimit(JSON.parse(body, reviver as (key: string, value: unknown) => unknown));
}

const asString = (value: string | number | null | undefined): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : String(value);

/** Unix seconds to ISO-8601 UTC, or a 400 naming the field. */
function unixTime(value: string | number, field: string): string {
  const iso = epochMsToUtcIso(Number(value) * 1000);
  if (iso === undefined) throw new ValidationError('not a recognised date-time', field);
  return iso;
}

/** Drops undefined values: events carry only what Meta sent. Only for objects whose keys are ours. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}

/** WhatsApp ids are international digits without `+`. */
const party = (value: string | null | undefined) => (value ? toParty(value, { kind: 'international' }) : undefined);

/** `{code, message}` of a Meta error: title or message, then the details when they add something. */
export function errorOf(error: MetaError | undefined): { code?: string; message?: string } | undefined {
  if (!error) return undefined;
  const headline = error.message ?? error.title ?? undefined;
  const details = error.error_data?.details ?? undefined;
  const message = headline && details && details !== headline ? `${headline}: ${details}` : (headline ?? details);
  const result = defined({ code: asString(error.code), message: message ? message.slice(0, FIELD_MAX) : undefined });
  return Object.keys(result).length > 0 ? result : undefined;
}

/* ------------------------------------------------------------------------------------------------------------
 * Items of a `messages` change
 * ---------------------------------------------------------------------------------------------------------- */

/** What every event of one `messages` change carries: the WABA and the business number. */
interface Scope {
  readonly path: string;
  readonly wabaId: string;
  readonly value: MessagesValue;
  readonly context: NormalizeContext;
}

const scopeData = (scope: Scope) =>
  defined({
    wabaId: scope.wabaId,
    phoneNumberId: asString(scope.value.metadata?.phone_number_id),
    displayPhoneNumber: scope.value.metadata?.display_phone_number ?? undefined,
  });

function statusEvent(raw: unknown, index: number, scope: Scope): NormalizedEvent {
  const path = `${scope.path}.statuses.${index}`;
  const item = validate(StatusSchema, raw, path);
  const { status, final } = mapStatus(META_STATUSES, item.status);
  const error = status === 'failed' ? errorOf(item.errors?.[0]) : undefined;
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, item.id, item.status, item.recipient_participant_id ?? undefined),
      provider: PROVIDER,
      channel: 'whatsapp',
      type: 'message.status',
      messageId: item.id,
      status,
      final,
      providerStatus: item.status,
      ...defined({
        error,
        recipient: party(item.recipient_id),
        sender: party(scope.value.metadata?.display_phone_number),
      }),
      occurredAt: unixTime(item.timestamp, `${path}.timestamp`),
      occurredAtRaw: String(item.timestamp),
      data: defined({
        ...scopeData(scope),
        recipientType: item.recipient_type ?? undefined,
        recipientParticipantId: item.recipient_participant_id ?? undefined,
        conversation: item.conversation ?? undefined,
        pricing: item.pricing ?? undefined,
        errors: item.errors ?? undefined,
        bizOpaqueCallbackData: item.biz_opaque_callback_data ?? undefined,
      }),
      raw,
    },
    scope.context,
  );
}

const isMessageType = (type: string): type is (typeof META_MESSAGE_TYPES)[number] => (META_MESSAGE_TYPES as readonly string[]).includes(type);

/** The reply a customer picked, for interactive button/list replies and template quick-reply buttons. */
function replyOf(item: z.infer<typeof InboundSchema>): { kind: string; id?: string; title?: string } | undefined {
  if (item.type === 'button' && item.button)
    return defined({ kind: 'button', id: item.button.payload ?? undefined, title: item.button.text ?? undefined }) as { kind: string };
  if (item.type !== 'interactive' || !item.interactive) return undefined;
  const kind = typeof item.interactive.type === 'string' ? item.interactive.type : undefined;
  const chosen = kind === 'button_reply' || kind === 'list_reply' ? item.interactive[kind] : undefined;
  if (!kind || typeof chosen !== 'object' || chosen === null) return kind ? { kind } : undefined;
  const { id, title } = chosen as { id?: unknown; title?: unknown };
  return defined({
    kind,
    id: typeof id === 'string' ? id.slice(0, FIELD_MAX) : undefined,
    title: typeof title === 'string' ? title.slice(0, FIELD_MAX) : undefined,
  }) as { kind: string };
}

function inboundEvent(raw: unknown, index: number, scope: Scope): NormalizedEvent {
  const path = `${scope.path}.messages.${index}`;
  const item = validate(InboundSchema, raw, path);
  const contact = (scope.value.contacts ?? [])
    .map((candidate) => ContactSchema.safeParse(candidate))
    .find((parsed) => parsed.success && parsed.data.wa_id === item.from);
  const typed = isMessageType(item.type) && typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[item.type] : undefined;
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', item.id),
      provider: PROVIDER,
      channel: 'whatsapp',
      type: 'message.inbound',
      messageId: item.id,
      ...defined({ sender: party(item.from), recipient: party(scope.value.metadata?.display_phone_number) }),
      occurredAt: unixTime(item.timestamp, `${path}.timestamp`),
      occurredAtRaw: String(item.timestamp),
      data: defined({
        ...scopeData(scope),
        messageType: item.type,
        // Only a documented type names a data key: the key is then ours, never a sender-chosen string.
        ...(isMessageType(item.type) && typed !== undefined ? { [item.type]: typed } : {}),
        body: item.text?.body ?? undefined,
        reply: replyOf(item),
        profileName: contact?.success ? (contact.data.profile?.name ?? undefined) : undefined,
        context: item.context ?? undefined,
        referral: item.referral ?? undefined,
        errors: item.errors ?? undefined,
      }),
      raw,
    },
    scope.context,
  );
}

function errorEvent(raw: unknown, index: number, scope: Scope): NormalizedEvent {
  const item = validate(ErrorSchema, raw, `${scope.path}.errors.${index}`);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'error', scope.wabaId, asString(scope.value.metadata?.phone_number_id), JSON.stringify(raw)),
      provider: PROVIDER,
      channel: 'whatsapp',
      type: 'provider.unknown',
      ...defined({ error: errorOf(item) }),
      data: defined({ ...scopeData(scope), field: 'messages', kind: 'error', href: item.href ?? undefined }),
      raw,
    },
    scope.context,
  );
}

/* ------------------------------------------------------------------------------------------------------------
 * Other fields: template, account and phone-number updates
 * ---------------------------------------------------------------------------------------------------------- */

/** A change whose `value` is one event (template status, account update): its type and what it reads. */
interface ValueKind {
  readonly type: EventType;
  /** The value's field that says what happened (`event`, `decision`, `new_quality_score`). */
  readonly statusField: string;
  readonly identity: readonly string[];
}

const VALUE_KINDS: ReadonlyMap<string, ValueKind> = new Map([
  [
    'message_template_status_update',
    { type: 'template.status', statusField: 'event', identity: ['message_template_id', 'message_template_language'] },
  ],
  [
    'message_template_quality_update',
    { type: 'template.status', statusField: 'new_quality_score', identity: ['message_template_id', 'message_template_language'] },
  ],
  [
    'template_category_update',
    { type: 'template.status', statusField: 'new_category', identity: ['message_template_id', 'message_template_language'] },
  ],
  ['account_update', { type: 'account.review', statusField: 'event', identity: ['phone_number'] }],
  ['account_review_update', { type: 'account.review', statusField: 'decision', identity: [] }],
  ['account_alerts', { type: 'account.review', statusField: 'alert_status', identity: ['entity_id', 'alert_type'] }],
  ['phone_number_quality_update', { type: 'account.review', statusField: 'event', identity: ['display_phone_number', 'current_limit'] }],
  ['phone_number_name_update', { type: 'phone_number.name', statusField: 'decision', identity: ['display_phone_number', 'requested_verified_name'] }],
] as const satisfies ReadonlyArray<readonly [string, ValueKind]>);

/** Fields copied from a value into `data` under camelCase names, when they are text or numbers. */
const VALUE_FIELDS: Readonly<Record<string, string>> = {
  message_template_id: 'templateId',
  message_template_name: 'templateName',
  message_template_language: 'templateLanguage',
  message_template_category: 'templateCategory',
  reason: 'reason',
  event: 'event',
  decision: 'decision',
  previous_quality_score: 'previousQualityScore',
  new_quality_score: 'newQualityScore',
  previous_category: 'previousCategory',
  new_category: 'newCategory',
  correct_category: 'correctCategory',
  phone_number: 'phoneNumber',
  display_phone_number: 'displayPhoneNumber',
  current_limit: 'currentLimit',
  old_limit: 'oldLimit',
  max_daily_conversation_per_phone: 'maxDailyConversationPerPhone',
  requested_verified_name: 'requestedVerifiedName',
  rejection_reason: 'rejectionReason',
  alert_type: 'alertType',
  alert_status: 'alertStatus',
  alert_severity: 'alertSeverity',
  entity_type: 'entityType',
  entity_id: 'entityId',
};
/** Sub-objects kept whole when present. */
const VALUE_OBJECTS: Readonly<Record<string, string>> = {
  disable_info: 'disableInfo',
  other_info: 'otherInfo',
  rejection_info: 'rejectionInfo',
  ban_info: 'banInfo',
  violation_info: 'violationInfo',
  restriction_info: 'restrictionInfo',
  alert_info: 'alertInfo',
};

const ValueSchema = anyObject();

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value.slice(0, FIELD_MAX);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function valueEvent(field: string, kind: ValueKind, rawValue: unknown, entry: Entry, path: string, context: NormalizeContext): NormalizedEvent {
  const value = validate(ValueSchema, rawValue, `${path}.value`);
  const data: Record<string, unknown> = { wabaId: String(entry.id), field };
  for (const [from, to] of Object.entries(VALUE_FIELDS)) {
    const read = Object.hasOwn(value, from) ? scalar(value[from]) : undefined;
    if (read !== undefined) data[to] = read;
  }
  for (const [from, to] of Object.entries(VALUE_OBJECTS)) {
    if (Object.hasOwn(value, from) && typeof value[from] === 'object' && value[from] !== null) data[to] = value[from];
  }
  const providerStatus = Object.hasOwn(value, kind.statusField) ? scalar(value[kind.statusField]) : undefined;
  const time = entry.time ?? undefined;
  return makeEvent(
    {
      eventId: eventIdOf(
        PROVIDER,
        field,
        String(entry.id),
        ...kind.identity.map((name) => scalar(value[name])),
        providerStatus,
        time === undefined ? undefined : String(time),
      ),
      provider: PROVIDER,
      channel: 'whatsapp',
      type: kind.type,
      ...defined({ providerStatus }),
      occurredAt: time === undefined ? undefined : unixTime(time, `${path.replace(/\.changes\.\d+$/, '')}.time`),
      occurredAtRaw: time === undefined ? undefined : String(time),
      data,
      raw: rawValue,
    },
    context,
  );
}

function unknownChange(field: string, rawValue: unknown, entry: Entry, context: NormalizeContext): NormalizedEvent {
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'unknown', String(entry.id), field, JSON.stringify(rawValue) ?? ''),
      provider: PROVIDER,
      channel: 'whatsapp',
      type: 'provider.unknown',
      data: { wabaId: String(entry.id), field },
      raw: rawValue,
    },
    context,
  );
}

/* ------------------------------------------------------------------------------------------------------------
 * The request
 * ---------------------------------------------------------------------------------------------------------- */

/** One item to normalize: how, and how to keep it when it is invalid. */
interface Item {
  readonly raw: unknown;
  readonly normalize: () => NormalizedEvent;
  readonly data: Record<string, unknown>;
}

/** Every item of the envelope, in the order Meta sent them. */
function itemsOf(envelope: z.infer<typeof EnvelopeSchema>, context: NormalizeContext): Item[] {
  const items: Item[] = [];
  envelope.entry.forEach((entry, e) => {
    entry.changes.forEach((change, c) => {
      const path = `entry.${e}.changes.${c}`;
      if (change.field === 'messages') {
        const value = validate(MessagesValueSchema, change.value, `${path}.value`);
        const scope: Scope = { path: `${path}.value`, wabaId: String(entry.id), value, context };
        const data = scopeData(scope);
        for (const [i, raw] of (value.statuses ?? []).entries()) items.push({ raw, data, normalize: () => statusEvent(raw, i, scope) });
        for (const [i, raw] of (value.messages ?? []).entries()) items.push({ raw, data, normalize: () => inboundEvent(raw, i, scope) });
        for (const [i, raw] of (value.errors ?? []).entries()) items.push({ raw, data, normalize: () => errorEvent(raw, i, scope) });
        return;
      }
      const kind = VALUE_KINDS.get(change.field);
      const data = { wabaId: String(entry.id), field: change.field };
      items.push({
        raw: change.value,
        data,
        normalize: () =>
          kind ? valueEvent(change.field, kind, change.value, entry, path, context) : unknownChange(change.field, change.value, entry, context),
      });
    });
  });
  return items;
}

function normalize(request: WebhookRequest, context: NormalizeContext) {
  const envelope = validate(EnvelopeSchema, parseBody(request.body));
  const items = itemsOf(envelope, context);
  // A change with nothing in it (Meta's dashboard "Test" of a field can be empty): an accepted ping.
  if (items.length === 0) return { events: [], ping: true };
  const events = normalizeBatch(
    items,
    (item) => item.normalize(),
    (item, error) => invalidItemEvent({ provider: PROVIDER, channel: 'whatsapp', raw: item.raw, data: item.data }, error, context),
    { maxItems: META_MAX_UPDATES, field: 'entry' },
  );
  return { events };
}

/** The business phone number id the event came through (`data.phoneNumberId`), for the `accounts` check. */
function accountOf(event: NormalizedEvent): string | undefined {
  const id = event.data?.phoneNumberId;
  return typeof id === 'string' ? id : undefined;
}

const catalog: CatalogEntry[] = [
  { providerEvent: 'messages › statuses[]', type: 'message.status', channel: 'whatsapp', statuses: META_STATUSES },
  { providerEvent: `messages › messages[] (${META_MESSAGE_TYPES.join(', ')})`, type: 'message.inbound', channel: 'whatsapp' },
  { providerEvent: 'messages › errors[]', type: 'provider.unknown', channel: 'whatsapp' },
  ...[...VALUE_KINDS].map(([field, kind]): CatalogEntry => ({ providerEvent: field, type: kind.type, channel: 'whatsapp' })),
];

/** Meta WhatsApp Business Cloud API: handshake, `X-Hub-Signature-256`, batched envelopes. */
export const metaWhatsapp: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Meta WhatsApp Cloud API',
  authentication: 'signature',
  origin: [metaSignature],
  methods: ['GET', 'POST'],
  handshake: metaHandshake,
  // Meta's times are Unix seconds: no zone is ever needed.
  defaultTimeZone: 'UTC',
  catalog,
  normalize,
  accountOf,
  statusOf: statusOfProviderStatus(META_STATUSES),
  reply: jsonAckReply,
};
