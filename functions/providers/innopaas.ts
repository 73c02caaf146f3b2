/**
 * What the two InnoPaaS adapters (`innopaas-otp`, `innopaas-whatsapp`) share: the console's credential headers,
 * the default zone, the time formats InnoPaaS sends, and the value shapes of its JSON (ids that arrive as strings
 * or numbers, optional fields sent as `null`). Pure; schemas are built once at module load.
 */
import * as z from 'zod/mini';
import { MAX_FIELD_LENGTH } from '../events/constants';
import type { Channel, NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { ValidationError } from '../core/errors';
import { epochMsToUtcIso } from '../core/time';
import { invalidItemEvent, normalizeBatch, parseJson, providerTime, wellFormed } from './common';
import type { NormalizeContext } from './types';

/**
 * The headers the InnoPaaS console lets a customer set for source verification; it adds them verbatim to every
 * push. Static shared values, no HMAC.
 */
export const INNOPAAS_CREDENTIAL_HEADERS = ['UserName', 'Authorization'] as const;

/**
 * Zone of InnoPaaS's zone-less `yyyy-MM-dd HH:mm:ss` times (docs/design.md). The docs never say; InnoPaaS is a Chinese
 * platform, so UTC+8 is the likely reading. A deployment overrides it with `PROVIDER_TIME_ZONE`.
 */
export const INNOPAAS_TIME_ZONE = 'Asia/Shanghai';

/** Longest id we accept (message ids, envelope ids, wamids, template ids). */
export const ID_MAX = 256;
/** Longest phone number or WhatsApp address we accept. */
export const PHONE_MAX = 64;
/** Longest time value we accept. */
export const TIME_MAX = 64;
/** Longest message text or caption we accept: WhatsApp's own limit on a text message body. */
export const TEXT_MAX = 4096;

/** A string of at most `max` characters. */
export const text = (max: number = MAX_FIELD_LENGTH) => z.string().check(z.maxLength(max));

/**
 * A value the docs type as String that senders plausibly send as a number (ids, status codes): a string of
 * `min`..`max` characters or a safe integer, always read as a string. Integers beyond 2^53 are refused: JSON
 * parsing has already changed their digits, and a wrong id stored silently is worse than a clear 400 (the body
 * as sent still has the right digits for whoever inspects it).
 */
export const stringish = (min: number, max: number) => z.pipe(integerAsString(), z.string().check(z.minLength(min), z.maxLength(max)));

/**
 * {@link stringish} for a value that builds a store key or an event id (ids, phone numbers, a status that enters
 * the event id): also well-formed Unicode ({@link wellFormed}), so a lone surrogate is a 400 naming the field.
 */
export const keyString = (min: number, max: number) => z.pipe(integerAsString(), z.string().check(z.minLength(min), z.maxLength(max), wellFormed()));

// A conversion before the string check (not a union), so a wrong value is named "expected string".
function integerAsString() {
  return z.transform((value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value));
}

/** A required id: non-empty, well-formed string or safe integer, as a string. */
export const id = () => keyString(1, ID_MAX);

/** A phone number or WhatsApp address (`min` 1 where the event needs it): well-formed string or safe integer. */
export const phone = (min = 0) => keyString(min, PHONE_MAX);

/**
 * An optional field that InnoPaaS may also send as `null` or `""` (OTP `errCode: null`): both read as absent, so
 * events never carry empty values.
 */
export const opt = <S extends z.ZodMiniType>(schema: S) =>
  z.pipe(
    z.optional(z.nullable(schema)),
    z.transform((value: z.infer<S> | null | undefined): z.infer<S> | undefined => (value === null || value === '' ? undefined : value)),
  );

/** Any JSON object, for the parts the docs do not spell out (`customerProfile`, `context`, `errorData`). */
export { anyObject } from './common';

/** A time value: string, or epoch milliseconds as a number (see {@link innopaasTime}). */
export const timeValue = () => stringish(1, TIME_MAX);

// Epoch milliseconds in the range of real dates (2001..2286); 10-digit epoch seconds are not accepted because
// the same digits could be read either way.
const EPOCH_MS = /^\d{13}$/;

/**
 * An InnoPaaS time to ISO-8601 UTC. Accepts both documented forms: `yyyy-MM-dd HH:mm:ss` (read in the context's
 * zone, Asia/Shanghai by default) and ISO-8601 with `Z` or an offset (what every WhatsApp JSON example shows).
 * Also accepts epoch milliseconds, which InnoPaaS's sibling SMS product sends, so a format change there does not
 * turn reports into 400s. Anything else is a `ValidationError` naming `field`.
 *
 * @example innopaasTime('2024-12-12 11:12:12', { timeZone: 'Asia/Shanghai', … }, 'reportTime') // '2024-12-12T03:12:12.000Z'
 */
export function innopaasTime(raw: string, context: NormalizeContext, field: string): string | undefined {
  if (EPOCH_MS.test(raw)) {
    const iso = epochMsToUtcIso(raw);
    if (iso === undefined) throw new ValidationError('not a recognised date-time', field);
    return iso;
  }
  return providerTime(raw, context, field);
}

/** Canonical statuses for which the provider's failure reason becomes the event's `error`. */
const FAILURE_STATUSES: ReadonlySet<CanonicalStatus> = new Set(['failed', 'undelivered', 'rejected', 'expired']);

/**
 * The event's `error` for a failed status: `{code, message}` from whatever the provider gave, or `undefined`
 * when the status is not a failure or the provider gave no reason.
 */
export function failureOf(
  status: CanonicalStatus,
  code: string | undefined,
  message: string | undefined,
): { code?: string; message?: string } | undefined {
  if (!FAILURE_STATUSES.has(status) || (code === undefined && message === undefined)) return undefined;
  return withoutUndefined({ code, message });
}

/**
 * A copy of an object we built ourselves (known keys only) without its `undefined` values, so events carry no
 * empty keys. Never call it on an untrusted object: it copies keys, and those must be ours.
 */
export function withoutUndefined<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) if (fields[key] !== undefined) out[key] = fields[key];
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** One provider item and the path prefix that names its fields in a `ValidationError`. */
export interface Item {
  readonly value: unknown;
  readonly prefix?: string;
}

/**
 * The items of a request. Every InnoPaaS example is one event per POST; whether pushes are ever batched is
 * undocumented. A JSON array of items is accepted too, its fields named by
 * index (`1.messageId`), because refusing a batch would lose every report in it. An empty array is a 400.
 */
export function itemsOf(parsed: unknown): Item[] {
  if (!Array.isArray(parsed)) return [{ value: parsed }];
  if (parsed.length === 0) throw new ValidationError('body is an empty list');
  return parsed.map((value, index) => ({ value, prefix: String(index) }));
}

/** Who the events of a request are from, for the items kept despite failing validation. */
export interface ItemScope {
  readonly provider: string;
  readonly channel: Channel;
  readonly context: NormalizeContext;
}

/**
 * The events of one InnoPaaS request body, one per item ({@link itemsOf}), under the batch rule Webcom and NHN
 * follow ({@link normalizeBatch}): in a JSON array, an item that fails validation is kept as `provider.unknown`
 * with its error in `data.invalid` while the others go through, since a 400 would make InnoPaaS resend (or drop)
 * the good reports with it. A request with no usable item is a 400 naming the first bad field, so a single object
 * body stays all-or-nothing.
 *
 * @example
 * ```ts
 * import type { NormalizedEvent } from '../events';
 * import type { NormalizeContext, WebhookRequest } from './types';
 * declare const request: WebhookRequest;
 * declare const context: NormalizeContext;
 * declare function toEvent(item: Item): NormalizedEvent;
 * const events = normalizeItems(request.body, { provider: 'innopaas-otp', channel: 'otp', context }, toEvent);
 * ```
 */
export function normalizeItems(body: string, scope: ItemScope, toEvent: (item: Item) => NormalizedEvent): NormalizedEvent[] {
  return normalizeBatch(itemsOf(parseJson(body)), toEvent, (item, error) =>
    invalidItemEvent({ provider: scope.provider, channel: scope.channel, raw: item.value }, error, scope.context),
  );
}
