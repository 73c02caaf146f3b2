/**
 * NHN Cloud (ex-TOAST) Notification › SMS webhook.
 *
 * One POST carries an envelope `{hooksId, webhookConfigId, productName, appKey, event, hooks:[…]}` with one event
 * per hook; every hook becomes one normalized event whose identity is NHN's `hookId`, with the envelope ids copied
 * into its `data`. The four documented events (MESSAGE_RESULT_UPDATE, INTERNATIONAL_DELIVERY_RECEIPT, UNSUBSCRIBE,
 * CONVERSION_BLOCK) are rows of {@link EVENT_KINDS}; any other event, or a product other than SMS, becomes
 * `provider.unknown` per hook with the hook kept raw. The envelope's `appKey` is the account every event names
 * ({@link ProviderAdapter.accountOf}), checked by the ingest when the credentials list `accounts`.
 */
import * as z from 'zod/mini';
import { MAX_FIELD_LENGTH } from '../events/constants';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { eventIdOf } from '../core/ids';
import { toParty, type NumberingRule } from '../core/phone';
import {
  catalogOf,
  invalidItemEvent,
  jsonAckReply,
  makeEvent,
  mapStatus,
  normalizeBatch,
  parseJson,
  providerTime,
  statusOfProviderStatus,
  validate,
  wellFormed,
  withinNestingLimit,
  type EventKind,
  int,
  matches,
  atLeast,
  oneOf,
  orNull,
} from './common';
import type { CatalogEntry, MappedStatus, NormalizeContext, Normalized, ProviderAdapter, WebhookRequest } from './types';

const PROVIDER = 'nhncloud-sms';

/** Korean national numbers (`01012341234`): trunk prefix 0 → +82. `+…` and `00…` numbers stay international. */
export const KOREAN_NUMBERING: NumberingRule = { kind: 'national', countryCode: '82', trunkPrefix: '0' };

/**
 * MESSAGE_RESULT_UPDATE `messageStatus` → canonical status (docs/design.md). The one documented exception is the
 * qualified row: COMPLETED is a success only with resultCode 1000 ({@link messageResultKey}); any other COMPLETED
 * is `undelivered`. RESERVED, SENDING and RESEND_AD were listed in the May 2024 doc and removed on 2024-05-28;
 * they are kept as non-final in case an old sender still emits them.
 */
export const MESSAGE_RESULT_STATUSES = {
  'COMPLETED (resultCode 1000)': 'delivered',
  COMPLETED: 'undelivered',
  FAILED: 'failed',
  CANCEL: 'failed',
  DUPLICATED: 'rejected',
  FAILED_AD: 'rejected',
  RESERVED: 'queued',
  SENDING: 'sending',
  RESEND_AD: 'sending',
  // Hooks sent before 2024-05-14 have no messageStatus: the result code alone tells (1000 success, 0 pending,
  // anything else a failure), as NHN's own result-code table reads. Without either the status is unknown.
  '(no messageStatus) resultCode 1000': 'delivered',
  '(no messageStatus) resultCode 0': 'sending',
  '(no messageStatus) other resultCode': 'failed',
} as const satisfies Record<string, CanonicalStatus>;

/** INTERNATIONAL_DELIVERY_RECEIPT `dlrStatus` → canonical status. UNKNOWN is NHN's "no report will come": final. */
export const DLR_STATUSES = {
  ACCEPTED: 'sent',
  BUFFERED: 'sent',
  DELIVERED: 'delivered',
  EXPIRED: 'expired',
  FAILED: 'failed',
  REJECTED: 'rejected',
  UNKNOWN: 'unknown',
} as const satisfies Record<string, CanonicalStatus>;

/** NHN's one success code of receiving (NHN-ERR "Result code of receiving"). */
export const SUCCESS_RESULT_CODE = '1000';

/**
 * Messages of the receiving result codes NHN lists (text from TOAST-DOCS/SMS `en/error-code.md`). Codes
 * not here still travel as `error.code`; the full telecom table is NHN's to keep, not ours.
 */
export const RESULT_CODE_MESSAGES: Readonly<Record<string, string>> = {
  '1001': 'Server busy',
  '1002': 'Error in recipient number format',
  '1003': 'Error in reply number format',
  '1019': 'TTL exceeded',
  '2000': 'Delivery time exceeded',
  '2001': 'Delivery failed (mobile network)',
  '2002': 'Delivery failed (mobile network -> device)',
  '2003': 'Device power off',
  '2004': 'Device message buffer full',
  '2005': 'Grey area',
  '2006': 'Message deleted',
  '2007': 'Temporary device issue',
  '3000': 'Unavailable to transfer',
  '3001': 'No subscriber available',
  '3002': 'Adult authentication failed',
  '3003': 'Error of recipient number type',
};

/** Upper bound of `hooks[]`. NHN documents none; 1,000 is its per-request recipient limit, and the body cap holds anyway. */
export const MAX_HOOKS = 1000;

/**
 * The doc's placeholder value: NHN's examples put the type name where a value goes (`"appKey": "String"`). A
 * generated appKey or hookId is never this word, so it is a safe marker of the console's verification request.
 */
const PLACEHOLDER = 'string';

const MAX_ID_LENGTH = 256;
const MAX_CODE_LENGTH = 64;

// ── schemas (built once, at module load) ────────────────────────────────────────────────────────────────────────

const text = (max: number = MAX_FIELD_LENGTH) => z.string().check(z.maxLength(max));
/**
 * Text that builds a store key or an event id (hook, request and envelope event ids, phone numbers, country codes):
 * also well-formed Unicode, see {@link wellFormed}.
 */
const keyText = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max), wellFormed());
const optional = <T extends z.ZodMiniType>(schema: T) => z.optional(orNull(schema));
/** Ids are documented as strings; a sender that writes them as numbers is read the same way. */
const id = oneOf([keyText(1, MAX_ID_LENGTH), int()]);
/** Envelope ids are only copied into `data`: an empty one is dropped rather than rejected. */
const envelopeId = oneOf([text(MAX_ID_LENGTH), int()]);
/** Result and error codes: strings in the docs ("1000", "0"), numbers accepted. */
const code = oneOf([text(MAX_CODE_LENGTH), int()]);
/** A code that is an event's subject (CONVERSION_BLOCK `countryCode`). */
const keyCode = oneOf([keyText(0, MAX_CODE_LENGTH), int()]);
const phone = oneOf([keyText(0, MAX_CODE_LENGTH), int().check(atLeast(0))]);
/** Integer in the docs; a digit string is accepted and read as the same number. */
const integer = oneOf([int().check(atLeast(0)), z.string().check(matches(/^\d{1,9}$/))]);
const links = z.object({ self: optional(z.object({ href: optional(text()) })) });

/**
 * What ping detection needs, read before anything is required: the verification body need not be complete. Read
 * only when a body fails {@link EnvelopeSchema} (see {@link envelopeOf}).
 */
const ProbeSchema = z.object({
  appKey: z.optional(z.unknown()),
  hooks: z.optional(orNull(z.array(z.unknown()).check(z.maxLength(MAX_HOOKS)))),
});

/**
 * The envelope. Only what deciding and routing need is required (`productName`, `event`, `hooks`); the ids are
 * copied into each event when present, and a missing one is not worth losing the events over.
 */
const EnvelopeSchema = z.object({
  hooksId: optional(envelopeId),
  webhookConfigId: optional(envelopeId),
  productName: text(MAX_CODE_LENGTH),
  appKey: optional(envelopeId),
  // Part of the event id of a hook that has no hookId (see unknownEvent).
  event: keyText(0, MAX_CODE_LENGTH),
  hooks: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_HOOKS)),
});
type Envelope = z.infer<typeof EnvelopeSchema>;

const MessageResultHookSchema = z.object({
  hookId: id,
  senderType: optional(text(MAX_CODE_LENGTH)),
  requestId: id,
  recipientSeq: integer,
  requestDate: optional(text(MAX_CODE_LENGTH)),
  receiveDate: optional(text(MAX_CODE_LENGTH)),
  sendNo: optional(phone),
  recipientNo: optional(phone),
  /** Absent before 2024-05-14 (NHN's release notes): the result code then decides. */
  messageStatus: optional(text(MAX_CODE_LENGTH)),
  recipientGroupingKey: optional(text()),
  /** The doc example's spelling. */
  recipientGropuingKey: optional(text()),
  senderGroupingKey: optional(text()),
  resultCode: optional(code),
  messageCount: optional(integer),
  _links: optional(links),
  /** The doc example's spelling. */
  _link: optional(links),
});

const DeliveryReceiptHookSchema = z.object({
  hookId: id,
  requestId: id,
  recipientSeq: integer,
  dlrStatus: text(MAX_CODE_LENGTH),
  networkCode: optional(text(MAX_CODE_LENGTH)),
  errorCode: optional(code),
});

const UnsubscribeHookSchema = z.object({
  hookId: id,
  recipientNo: phone,
  unsubscribeNo: optional(phone),
  enterpriseName: optional(text()),
  createdDateTime: optional(text(MAX_CODE_LENGTH)),
});

const ConversionBlockHookSchema = z.object({
  hookId: id,
  countryCode: keyCode,
  blockedDateTime: optional(text(MAX_CODE_LENGTH)),
  /** What the May 2024 doc example used instead of `blockedDateTime`. */
  createdDateTime: optional(text(MAX_CODE_LENGTH)),
});

/** Just the identity of a hook of an event this adapter does not know, if it has one. */
const HookIdentitySchema = z.object({ hookId: id });

// ── per-hook normalization ──────────────────────────────────────────────────────────────────────────────────────

/** What every hook's normalization gets besides the hook itself. */
interface HookScope {
  /** `hooks.3`: the prefix of every field this hook's errors name. */
  readonly path: string;
  /** The envelope ids every event of the request carries in `data`, absent ones already dropped. */
  readonly envelopeData: Readonly<Record<string, string>>;
  readonly context: NormalizeContext;
}

/**
 * The fields a hook kind decides; the adapter adds identity, provider, channel, time, raw and the envelope data.
 * Absent (undefined or null) values are dropped, here and in `data`.
 */
interface HookFields {
  readonly type: NormalizedEvent['type'];
  readonly messageId?: string;
  readonly status?: NormalizedEvent['status'];
  readonly final?: boolean;
  readonly providerStatus?: string;
  readonly error?: NormalizedEvent['error'];
  readonly recipient?: NormalizedEvent['recipient'];
  readonly sender?: NormalizedEvent['sender'];
  readonly data: Record<string, unknown>;
}

/** The fields of a hook that hold a provider time (text), by name. */
type TimeField<H> = { [K in keyof H]-?: H[K] extends string | null | undefined ? K : never }[keyof H] & string;

/** The event fields of `makeEvent`, as this adapter builds them. */
type EventFields = Parameters<typeof makeEvent>[0];

/** One documented event: its catalog row and how one of its hooks becomes an event. */
type HookKind = EventKind<(raw: unknown, scope: HookScope) => NormalizedEvent>;

/**
 * A row of {@link EVENT_KINDS}: how the hooks of one documented event become events.
 *
 * @param times - the hook's time fields, most telling first: the first present one is the event's `occurredAt`
 *   (none present: `receivedAt`).
 * @param fields - what the event says; a pure function of the validated hook.
 */
function hookKind<S extends z.ZodMiniType<{ hookId: string | number }>>(
  catalog: CatalogEntry,
  schema: S,
  times: ReadonlyArray<TimeField<z.infer<S>>>,
  fields: (hook: z.infer<S>) => HookFields,
): HookKind {
  return {
    catalog: [catalog],
    normalize(raw, scope) {
      const hook = validate(schema, raw, scope.path);
      const hookId = String(hook.hookId);
      const { data, ...decided } = fields(hook);
      // Assembled by assignment, not by spreading into literals (see assignPresent). The order of the assignments
      // is the order of the event's JSON keys: identity, what the kind decided, data (envelope ids, hookId, the
      // kind's own), raw; makeEvent then puts the schema version first and the times last.
      const identity = { eventId: eventIdOf(PROVIDER, hookId), provider: PROVIDER, channel: 'sms' };
      const event = assignPresent(identity, decided);
      const eventData = assignPresent({}, scope.envelopeData);
      eventData.hookId = hookId;
      event.data = assignPresent(eventData, data);
      event.raw = raw;
      assignPresent(event, firstTime(hook, times, scope));
      return makeEvent(event as EventFields, scope.context);
    },
  };
}

const asText = (value: string | number | null | undefined): string | undefined => (value === undefined || value === null ? undefined : String(value));

/** `"01"` and `1` are the same recipientSeq, so they must give the same messageId. */
const asInteger = (value: string | number | null | undefined): number | undefined =>
  value === undefined || value === null ? undefined : Number(value);

/**
 * Copies the present (neither undefined nor null) own values of `source` onto `target`, in `source`'s key order,
 * and returns `target`: events and their `data` hold only what the provider sent.
 *
 * A loop of assignments on purpose: V8 (measured on Node 20) builds an object literal that spreads an object and
 * then adds keys (`{ ...a, k, ...b }`) through a slow runtime path, about 0.7 µs for a few keys. The first version
 * built each event's `data` as `withoutEmpty({ ...envelopeData, hookId, ...data })`: by CPU profile, that line and
 * the `Object.entries` copy after it were over a third of the adapter's time.
 */
function assignPresent(target: object, source: object): Record<string, unknown> {
  const out = target as Record<string, unknown>;
  const from = source as Readonly<Record<string, unknown>>;
  const keys = Object.keys(from);
  for (let i = 0; i < keys.length; i++) {
    const value = from[keys[i]];
    if (value !== undefined && value !== null) out[keys[i]] = value;
  }
  return out;
}

/** `record` without its absent values (see {@link assignPresent}). */
const withoutEmpty = <T extends object>(record: T): T => assignPresent({}, record) as T;

/** Own-property lookup: a provider value such as `__proto__` must find nothing. */
const lookup = <V>(table: Readonly<Record<string, V>>, key: string): V | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/**
 * The first of the hook's time fields that is present, in UTC (zone-less values read in `context.timeZone`), and
 * its text as sent. None present: neither, so the event falls back to `receivedAt`. Only that one field is
 * converted; a present but unreadable one is a 400 naming it.
 */
function firstTime<H>(hook: H, times: ReadonlyArray<TimeField<H>>, scope: HookScope): { occurredAt?: string; occurredAtRaw?: string } {
  for (const field of times) {
    const value = hook[field] as string | null | undefined;
    const occurredAt = providerTime(value, scope.context, `${scope.path}.${field}`);
    if (occurredAt !== undefined) return { occurredAt, occurredAtRaw: value as string };
  }
  return {};
}

/**
 * The key of {@link MESSAGE_RESULT_STATUSES} for a status and result code: the qualified row when the table has
 * one for this pair (the documented COMPLETED + 1000 success), else the plain status.
 */
export function messageResultKey(messageStatus: string | undefined, resultCode: string | undefined): string {
  if (messageStatus === undefined) {
    if (resultCode === undefined) return '(no messageStatus, no resultCode)';
    return resultCode === SUCCESS_RESULT_CODE || resultCode === '0'
      ? `(no messageStatus) resultCode ${resultCode}`
      : '(no messageStatus) other resultCode';
  }
  const qualified = `${messageStatus} (resultCode ${resultCode})`;
  return resultCode !== undefined && lookup(MESSAGE_RESULT_STATUSES, qualified) !== undefined ? qualified : messageStatus;
}

const messageIdOf = (requestId: string | number, recipientSeq: string | number): string => `${String(requestId)}:${Number(recipientSeq)}`;

const messageResult = hookKind(
  {
    providerEvent: 'MESSAGE_RESULT_UPDATE',
    type: 'message.status',
    channel: 'sms',
    statuses: MESSAGE_RESULT_STATUSES,
  },
  MessageResultHookSchema,
  ['receiveDate', 'requestDate'],
  (hook) => {
    const resultCode = asText(hook.resultCode) || undefined;
    const messageStatus = hook.messageStatus || undefined;
    const { status, final } = mapStatus(MESSAGE_RESULT_STATUSES, messageResultKey(messageStatus, resultCode));
    const reason = status !== 'delivered' && resultCode !== undefined && resultCode !== SUCCESS_RESULT_CODE && resultCode !== '0';
    const links = hook._links ?? hook._link;
    return {
      type: 'message.status',
      messageId: messageIdOf(hook.requestId, hook.recipientSeq),
      status,
      final,
      // Without a messageStatus (before 2024-05) the result code is what NHN reported.
      providerStatus: messageStatus ?? resultCode,
      error: reason ? withoutEmpty({ code: resultCode, message: lookup(RESULT_CODE_MESSAGES, resultCode) }) : undefined,
      recipient: hook.recipientNo === undefined || hook.recipientNo === null ? undefined : toParty(hook.recipientNo, KOREAN_NUMBERING),
      sender: hook.sendNo === undefined || hook.sendNo === null ? undefined : toParty(hook.sendNo, KOREAN_NUMBERING),
      data: {
        requestId: String(hook.requestId),
        recipientSeq: Number(hook.recipientSeq),
        senderType: hook.senderType,
        requestDate: hook.requestDate,
        receiveDate: hook.receiveDate,
        resultCode,
        messageCount: asInteger(hook.messageCount),
        recipientGroupingKey: hook.recipientGroupingKey ?? hook.recipientGropuingKey,
        senderGroupingKey: hook.senderGroupingKey,
        href: links?.self?.href,
      },
    };
  },
);

const deliveryReceipt = hookKind(
  {
    providerEvent: 'INTERNATIONAL_DELIVERY_RECEIPT',
    type: 'message.status',
    channel: 'sms',
    statuses: DLR_STATUSES,
  },
  DeliveryReceiptHookSchema,
  // The DLR carries no time of its own, so occurredAt is receivedAt.
  [],
  (hook) => {
    const errorCode = asText(hook.errorCode) || undefined;
    const { status, final } = mapStatus(DLR_STATUSES, hook.dlrStatus);
    return {
      type: 'message.status',
      messageId: messageIdOf(hook.requestId, hook.recipientSeq),
      status,
      final,
      providerStatus: hook.dlrStatus,
      // "0" is the doc's no-error value.
      error: errorCode !== undefined && errorCode !== '0' ? { code: errorCode } : undefined,
      data: {
        requestId: String(hook.requestId),
        recipientSeq: Number(hook.recipientSeq),
        networkCode: hook.networkCode,
        errorCode,
      },
    };
  },
);

const unsubscribe = hookKind(
  { providerEvent: 'UNSUBSCRIBE', type: 'recipient.unsubscribed', channel: 'sms' },
  UnsubscribeHookSchema,
  ['createdDateTime'],
  (hook) => ({
    type: 'recipient.unsubscribed',
    recipient: toParty(hook.recipientNo, KOREAN_NUMBERING),
    data: {
      unsubscribeNo: asText(hook.unsubscribeNo),
      enterpriseName: hook.enterpriseName,
    },
  }),
);

const conversionBlock = hookKind(
  { providerEvent: 'CONVERSION_BLOCK', type: 'country.blocked', channel: 'sms' },
  ConversionBlockHookSchema,
  ['blockedDateTime', 'createdDateTime'],
  (hook) => ({
    type: 'country.blocked',
    data: { countryCode: String(hook.countryCode) },
  }),
);

/** The documented events by NHN's `event` name. A Map, so names like `constructor` find nothing. */
const EVENT_KINDS: ReadonlyMap<string, HookKind> = new Map(
  [messageResult, deliveryReceipt, unsubscribe, conversionBlock].map((kind) => [kind.catalog[0].providerEvent, kind]),
);

/** A hook of an event this adapter does not know: kept raw, identified by its hookId when it has one. */
function unknownEvent(raw: unknown, envelope: Envelope, scope: HookScope): NormalizedEvent {
  const identity = HookIdentitySchema.safeParse(raw);
  const hookId = identity.success ? String(identity.data.hookId) : undefined;
  return makeEvent(
    {
      // Without a hookId the hook's own text is its identity: a retry repeats it, a different hook differs.
      eventId: hookId !== undefined ? eventIdOf(PROVIDER, hookId) : eventIdOf(PROVIDER, '', envelope.event, JSON.stringify(raw)),
      provider: PROVIDER,
      channel: 'sms',
      type: 'provider.unknown',
      data: assignPresent(assignPresent({}, scope.envelopeData), { productName: envelope.productName, hookId }),
      raw,
    },
    scope.context,
  );
}

// ── the request ─────────────────────────────────────────────────────────────────────────────────────────────────

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

const isJsonWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * `text` with every comma that precedes `}` or `]` (whitespace aside) removed, outside strings. NHN's own example
 * body has one (`"_link": {…},\n}`), and a sender built from it may too. One pass: each character is looked at
 * once, so a hostile body costs linear time.
 *
 * @example withoutTrailingCommas('{"a":[1,2,],}') // '{"a":[1,2]}'
 */
export function withoutTrailingCommas(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === COMMA) {
      let next = i + 1;
      while (next < text.length && isJsonWhitespace(text.charCodeAt(next))) next++;
      const after = text.charCodeAt(next);
      if (after === CLOSE_BRACE || after === CLOSE_BRACKET) {
        out += text.slice(from, i);
        from = i + 1;
      }
      i = next - 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * JSON, or on failure JSON once more without trailing commas; still not JSON, or nested deeper than the common
 * limit, is a 400.
 */
function parseBody(body: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return parseJson(withoutTrailingCommas(body));
  }
  return withinNestingLimit(parsed);
}

const isPlaceholder = (value: unknown): boolean => typeof value === 'string' && value.toLowerCase() === PLACEHOLDER;

const hasRealHookId = (hook: unknown): boolean => {
  const identity = HookIdentitySchema.safeParse(hook);
  return identity.success && !isPlaceholder(identity.data.hookId);
};

/**
 * Whether the request is the console's verification ("검증") rather than events. NHN does not document that
 * request; the reading here is conservative, so a real event is never taken for a ping:
 *
 * - `hooks` absent, null or empty: there is no event in it to lose.
 * - `appKey` is the doc's placeholder `"String"` (any case) and no hook has a hookId other than the placeholder:
 *   the doc's example body. A real request has a generated appKey, and every real hook a generated hookId.
 *
 * Everything else is events, validated as such: a hook with a real hookId under a placeholder appKey is a 400 if it
 * is malformed, never a silent ping.
 */
export function isVerificationRequest(probe: { appKey?: unknown; hooks?: readonly unknown[] | null }): boolean {
  const hooks = probe.hooks ?? [];
  if (hooks.length === 0) return true;
  return isPlaceholder(probe.appKey) && !hooks.some(hasRealHookId);
}

/**
 * The envelope ids every event of the request carries in `data`, `appKey` among them: {@link accountOf} reads it
 * there, so every event (each hook kind, provider.unknown, an invalid hook) must keep these keys.
 */
const envelopeDataOf = (envelope: Envelope): Record<string, string> =>
  withoutEmpty({
    hooksId: asText(envelope.hooksId) || undefined,
    webhookConfigId: asText(envelope.webhookConfigId) || undefined,
    appKey: asText(envelope.appKey) || undefined,
    event: envelope.event,
  }) as Record<string, string>;

/** NHN spells the product "SMS" in its table and "Sms" in its curl example. */
const isSmsProduct = (productName: string): boolean => productName.toUpperCase() === 'SMS';

/**
 * The request's envelope, or `undefined` for the console's verification request. Every event request has a
 * complete envelope, so that is validated first and alone. Only a body that fails it is read with the looser probe,
 * because a verification body need not be complete; the 400, when there is one, is the probe's own issue, else the
 * envelope's. Every body the envelope accepts the probe accepts too, so these are the same answers as probing every
 * body first, which validated each event request twice.
 */
function envelopeOf(body: unknown): Envelope | undefined {
  const envelope = EnvelopeSchema.safeParse(body);
  if (envelope.success) return isVerificationRequest(envelope.data) ? undefined : envelope.data;
  if (isVerificationRequest(validate(ProbeSchema, body))) return undefined;
  return validate(EnvelopeSchema, body); // throws: the envelope's first issue, with its field
}

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const envelope = envelopeOf(parseBody(request.body));
  if (envelope === undefined) return { events: [], ping: true };
  const kind = isSmsProduct(envelope.productName) ? EVENT_KINDS.get(envelope.event) : undefined;
  const envelopeData = envelopeDataOf(envelope);
  // Each hook on its own: one malformed hook among good ones is kept as provider.unknown with its error instead of
  // a 400 for the request, which NHN might retry (or not: undocumented) and so lose the good hooks with it.
  const events = normalizeBatch(
    envelope.hooks,
    (raw, index) => {
      const scope: HookScope = { path: `hooks.${index}`, envelopeData, context };
      return kind ? kind.normalize(raw, scope) : unknownEvent(raw, envelope, scope);
    },
    (raw, error) => invalidItemEvent({ provider: PROVIDER, channel: 'sms', raw, data: envelopeData }, error, context),
  );
  return { events };
}

/**
 * The service appKey of the envelope the event came in (`data.appKey`), which NHN's docs ask to check against
 * our own: with `accounts` in the credentials document, an event from another appKey is refused. `undefined` when
 * the envelope had none (or an empty one), which the check lets through: an appKey is an identifier, not a secret,
 * so a request that leaves it out proves no more than one that names ours. A number is read as its digits, as
 * the envelope ids are.
 */
function accountOf(event: NormalizedEvent): string | undefined {
  const appKey = event.data?.appKey;
  return typeof appKey === 'string' ? appKey : undefined;
}

/**
 * A recorded status event's status again, by the table of its envelope's event (`data.event`): a delivery
 * receipt's `dlrStatus`, or a message result's `messageStatus` qualified by its `resultCode` (`data.resultCode`;
 * `providerStatus` is the result code itself when NHN sent no messageStatus, as {@link messageResult} records it).
 */
function statusOf(event: NormalizedEvent): MappedStatus | undefined {
  const kind = event.data?.event;
  if (kind === deliveryReceipt.catalog[0].providerEvent) return statusOfProviderStatus(DLR_STATUSES)(event);
  if (kind !== messageResult.catalog[0].providerEvent) return undefined;
  const resultCode = typeof event.data?.resultCode === 'string' ? event.data.resultCode : undefined;
  const messageStatus = event.providerStatus === resultCode ? undefined : event.providerStatus;
  const { status, final } = mapStatus(MESSAGE_RESULT_STATUSES, messageResultKey(messageStatus, resultCode));
  return { status, final };
}

/**
 * NHN Cloud SMS. Authenticated by the static `X-Toast-Webhook-Signature` header set in NHN's console (not an
 * HMAC); newer senders are seen (by two independent integrators) to send it as `X-Nhn-Webhook-Signature`, which is
 * read as the same header when the Toast one is absent. Zone-less `requestDate`/`receiveDate` are read in Asia/Seoul unless the deployment overrides the zone.
 * The reply is a plain 200 ack: NHN documents no response contract.
 */
export const nhncloudSms: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'NHN Cloud SMS',
  authentication: 'headers',
  credentialHeaders: ['X-Toast-Webhook-Signature'],
  headerAliases: { 'x-nhn-webhook-signature': 'x-toast-webhook-signature' },
  defaultTimeZone: 'Asia/Seoul',
  catalog: catalogOf(EVENT_KINDS),
  normalize,
  accountOf,
  statusOf,
  reply: jsonAckReply,
};
