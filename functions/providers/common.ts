/**
 * Building blocks shared by the adapters: JSON parsing, validation errors that name the field, status mapping,
 * provider times, and the event skeleton. Pure.
 */
import * as z from 'zod/mini';
import { SCHEMA_VERSION } from '../events/constants';
import type { NormalizedEvent } from '../events/schema';
import { UNMAPPED_STATUS, STATUS_TABLE, type CanonicalStatus } from '../events/status';
import { TooManyItemsError, ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import { toUtcIso } from '../core/time';
import { paramsOf } from '../ingest/request';
import type { CatalogEntry, DeliveryOutcome, MappedStatus, NormalizeContext, WebhookReply, WebhookRequest } from './types';

/**
 * Deepest nesting of arrays and objects (or XML elements) a body may have. No provider documents more than four
 * levels; the limit exists because the event carries the parsed body as `raw`, and `JSON.stringify` recurses: a
 * few thousand levels (9 KB of `[`) overflow its stack, which would turn an accepted request into a 500.
 */
export const MAX_NESTING_DEPTH = 64;

/** The 400 for a body nested deeper than {@link MAX_NESTING_DEPTH}, whichever format it came in. */
export function nestedTooDeepError(): ValidationError {
  return new ValidationError(`body is nested deeper than ${MAX_NESTING_DEPTH} levels`);
}

/**
 * Returns `value` unchanged, or throws a `ValidationError` if its arrays and objects nest deeper than
 * {@link MAX_NESTING_DEPTH} (a top-level object is one level). Walked with an explicit stack, not by recursion,
 * so the check cannot overflow on the very input it guards against.
 */
export function withinNestingLimit<T>(value: T): T {
  const nodes: unknown[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop() as number;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_NESTING_DEPTH) throw nestedTooDeepError();
    const children: readonly unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (typeof child === 'object' && child !== null) {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return value;
}

/**
 * `JSON.parse` that answers 400 instead of throwing a SyntaxError (its message may quote the body), and refuses a
 * body nested deeper than {@link MAX_NESTING_DEPTH} (see {@link withinNestingLimit}).
 */
export function parseJson(body: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ValidationError('body is not valid JSON');
  }
  return withinNestingLimit(parsed);
}

/** `String.prototype.isWellFormed` (ES2024; Node 20 and 22 have it, the compiler's ES2022 lib does not declare it). */
const isWellFormed = (value: string): boolean => (value as string & { isWellFormed(): boolean }).isWellFormed();

/** What {@link wellFormed} says; our own text, so {@link validate} can show it (it never holds the input). */
export const NOT_WELL_FORMED = 'not well-formed Unicode (lone surrogate)';

/**
 * A zod/mini check for the strings that build a store key or an event id: ids, phone numbers, and the codes that
 * enter an event id. A lone surrogate (`"\ud800"` in JSON) is not text: DynamoDB and UTF-8 hashing both turn
 * every one into U+FFFD, so `x\ud800` and `x\udc00` would land on one partition or one event id and two messages
 * would become one. Adapters put it in their id and phone helpers, never field by field; fields only carried
 * along are not checked, so a report is never refused over them.
 *
 * @example z.string().check(z.minLength(1), wellFormed())
 */
export const wellFormed = () => z.refine<string>(isWellFormed, NOT_WELL_FORMED);

/**
 * `z.int()` for a fraction of its weight in a bundle (0.7 kB against 1.9 kB: zod's number formats come with it). It
 * answers as `z.int()` does through {@link validate}, inside a union too: `expected number` for a non-number,
 * `expected int` for a fraction (which stops further checks, as zod's format check does), `too long` or `too small`
 * beyond the safe integers. `test/functions/providers/common.test.ts` holds the two side by side.
 *
 * @example int().check(z.nonnegative())
 */
export const int = () =>
  z.number().check(
    z.refine<number>(Number.isInteger, { error: 'expected int', abort: true }),
    z.refine<number>((value) => value <= Number.MAX_SAFE_INTEGER, 'too long'),
    z.refine<number>((value) => value >= Number.MIN_SAFE_INTEGER, 'too small'),
  );

/**
 * `z.regex(pattern)` as a refine: the same `invalid format` through {@link validate}, without zod's string-format
 * machinery (0.7 kB of a bundle). For patterns without the `g` or `y` flag (a stateless `test`).
 */
export const matches = (pattern: RegExp) => z.refine<string>((value) => pattern.test(value), 'invalid format');

/** `z.minimum(min)` (`z.nonnegative()` is `atLeast(0)`) as a refine: the same `too small`, 0.5 kB lighter with {@link atMost}. */
export const atLeast = (min: number) => z.refine<number>((value) => value >= min, 'too small');

/** `z.maximum(max)` as a refine: the same `too long` through {@link validate}. */
export const atMost = (max: number) => z.refine<number>((value) => value <= max, 'too long');

/** A JSON object (what zod's `isPlainObject` accepts of parsed JSON: an object, not null, not an array). */
const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A fresh copy of `value`'s own enumerable keys, `__proto__` left out (so a parsed body can pollute nothing). */
const ownKeysCopy = (value: Record<string, unknown>): Record<string, unknown> => {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (key !== '__proto__') copy[key] = value[key];
  return copy;
};

/**
 * Any JSON object, for the parts a provider's docs do not spell out: `z.record(z.string(), z.unknown())` for a tenth
 * of its weight in a bundle (0.3 kB against 2.8 kB). Like the record, it answers `expected record` for anything else
 * (and stops there, so a union still answers `invalid union`), and returns a fresh copy of the object's own keys
 * without `__proto__`. `test/functions/providers/common.test.ts` holds the two side by side.
 */
export const anyObject = () =>
  z.custom<Record<string, unknown>>(isJsonObject, { error: 'expected record', abort: true }).check(z.overwrite(ownKeysCopy));

type Payload = z.core.ParsePayload;

/** `schema`'s own parse of `value`, as zod runs a union's options (its run entry point, with safeParse's context). */
const runOn = (schema: z.ZodMiniType, value: unknown): Payload => schema._zod.run({ value, issues: [] }, { async: false }) as Payload;

/** Takes `result` as `payload`'s own: its value and its problems (with the flags that say whether they stop parsing). */
const adopt = (payload: Payload, result: Payload): void => {
  payload.value = result.value;
  payload.issues.push(...result.issues);
};

/** A schema for any value whose parse is `parse`: what the stand-ins below are built on (a custom check, no kind of its own). */
const parsedBy = <Out, In>(parse: (payload: Payload) => void): z.ZodMiniType<Out, In> =>
  z.custom(() => true).check(z.check(parse)) as unknown as z.ZodMiniType<Out, In>;

/**
 * `z.union(options)` for a third of its weight in a bundle (0.4 kB against 1.3 kB: zod's union comes with the lazy
 * optionality and value sets a discriminated union needs). It answers as `z.union` does through {@link validate}: the
 * first option that takes the value gives the output; when none does, the one option whose problems do not stop
 * parsing (a string too long, not a string at all) speaks for the union, else `invalid union`.
 * `test/functions/providers/common.test.ts` holds the two side by side.
 *
 * @example oneOf([keyText(1, 64), int()])
 */
export function oneOf<const O extends readonly z.ZodMiniType[]>(options: O): z.ZodMiniType<z.output<O[number]>, z.input<O[number]>> {
  return parsedBy((payload) => {
    const results = [];
    for (const option of options) {
      const result = runOn(option, payload.value);
      if (result.issues.length === 0) return adopt(payload, result);
      results.push(result);
    }
    const open = results.filter((result) => result.aborted !== true && result.issues.every((issue) => issue.continue === true));
    if (open.length === 1) adopt(payload, open[0]);
    else payload.issues.push({ code: 'invalid_union', input: payload.value, errors: [] });
  });
}

/**
 * `z.nullable(schema)`: `null` as it is, anything else through `schema`; 0.4 kB lighter. `z.optional(orNull(s))`
 * is what the adapters' `opt(s)` is. Pinned side by side with the zod kind in `test/functions/providers/common.test.ts`.
 */
export const orNull = <S extends z.ZodMiniType>(schema: S): z.ZodMiniType<z.output<S> | null, z.input<S> | null> =>
  parsedBy((payload) => {
    if (payload.value !== null) adopt(payload, runOn(schema, payload.value));
  });

/**
 * `z.pipe(z.transform(convert), schema)` (zod 3's `z.preprocess`): `schema` over what `convert` makes of the value;
 * 1.1 kB lighter (zod's pipes and transforms carry their codec machinery). Pinned side by side in
 * `test/functions/providers/common.test.ts`.
 */
export const preprocess = <S extends z.ZodMiniType>(convert: (value: unknown) => unknown, schema: S): z.ZodMiniType<z.output<S>, unknown> =>
  parsedBy((payload) => adopt(payload, runOn(schema, convert(payload.value))));

/**
 * Validates `value` against a zod/mini schema and returns the parsed value, or throws a `ValidationError` naming
 * the first bad field (`hooks.1.requestId`). Only the issue's path and code are read, plus the message of a custom
 * check (ours, such as {@link wellFormed}'s): zod's own formatter can throw on odd keys (zod #6139), and its
 * built-in messages may echo input.
 */
export function validate<S extends z.ZodMiniType>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.infer<S>;
  const issue = result.error.issues[0];
  const path = [prefix, ...issue.path.map((segment) => String(segment))].filter((s) => s !== undefined && s !== '');
  const what =
    issue.code === 'invalid_type'
      ? `expected ${String((issue as { expected?: unknown }).expected)}`
      : issue.code === 'too_big'
        ? 'too long'
        : issue.code === 'invalid_value'
          ? 'not an allowed value'
          : issue.code === 'custom'
            ? issue.message
            : issue.code.replace(/_/g, ' ');
  throw new ValidationError(what, path.length ? path.join('.') : undefined);
}

/** Looks up a provider status in an adapter's mapping table; anything unknown is `unknown`, non-final. */
export function mapStatus(
  table: Readonly<Record<string, CanonicalStatus>>,
  providerStatus: string,
): { status: CanonicalStatus; final: boolean; mapped: boolean } {
  const status = Object.hasOwn(table, providerStatus) ? table[providerStatus] : undefined;
  return status ? { status, final: STATUS_TABLE[status].final, mapped: true } : { ...UNMAPPED_STATUS, mapped: false };
}

/**
 * The `statusOf` of an adapter whose `message.status` events take their status from `table` by their
 * `providerStatus`, as `normalize` maps them (through `keyOf` when the table's key is derived from it). `undefined`
 * for an event without a `providerStatus`.
 *
 * @example statusOf: statusOfProviderStatus(TWILIO_STATUSES, (providerStatus) => providerStatus.toLowerCase())
 */
export function statusOfProviderStatus(
  table: Readonly<Record<string, CanonicalStatus>>,
  keyOf: (providerStatus: string) => string = (providerStatus) => providerStatus,
): (event: NormalizedEvent) => MappedStatus | undefined {
  return (event) => {
    if (event.providerStatus === undefined) return undefined;
    const { status, final } = mapStatus(table, keyOf(event.providerStatus));
    return { status, final };
  };
}

/**
 * A provider time to UTC. Empty or absent means "the provider gave none" (Webcom `send`): `undefined`, and the
 * event's `occurredAt` falls back to `receivedAt`. A present but unreadable value, or one outside 1970..9999 UTC
 * (see `toUtcIso`), is a 400 naming the field: better refused now than acknowledged and dead-lettered later.
 */
export function providerTime(raw: string | null | undefined, context: NormalizeContext, field: string): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const iso = toUtcIso(raw, context.timeZone);
  if (iso === undefined) throw new ValidationError('not a recognised date-time', field);
  return iso;
}

type EventFields = Omit<NormalizedEvent, 'schemaVersion' | 'receivedAt' | 'occurredAt' | 'occurredAtRaw'> & {
  /** Provider time already converted to UTC (see {@link providerTime}), if the provider gave one. */
  occurredAt?: string;
  occurredAtRaw?: string | null;
};

/** The event skeleton: version, receipt time, and `occurredAt` falling back to `receivedAt`. */
export function makeEvent(fields: EventFields, context: NormalizeContext): NormalizedEvent {
  const { occurredAt, occurredAtRaw, ...rest } = fields;
  const event: NormalizedEvent = {
    schemaVersion: SCHEMA_VERSION,
    ...rest,
    occurredAt: occurredAt ?? context.receivedAt,
    receivedAt: context.receivedAt,
  };
  if (occurredAt !== undefined && occurredAtRaw) event.occurredAtRaw = occurredAtRaw;
  return event;
}

/**
 * A row of an adapter's event-kinds table: one kind of request or item the provider documents. The table is a
 * `ReadonlyMap` named `EVENT_KINDS`, keyed by what the provider says the kind is (an event name, a `type`, the
 * field that tells its bodies apart), so a key like `constructor` finds nothing; a miss is the adapter's
 * `provider.unknown` event. The adapter's catalog is read from the table ({@link catalogOf}), never written beside
 * it. `Normalize` is the adapter's own: what one input of the kind needs (its body, a path, the context) and gives.
 */
export interface EventKind<Normalize extends (...args: never[]) => unknown> {
  /** What the kind becomes, one row per channel it can arrive on. */
  readonly catalog: readonly CatalogEntry[];
  readonly normalize: Normalize;
}

/** An adapter's catalog from its event-kinds table: every row's entries, in the table's order. */
export function catalogOf(kinds: ReadonlyMap<string, { readonly catalog: readonly CatalogEntry[] }>): CatalogEntry[] {
  return [...kinds.values()].flatMap((kind) => kind.catalog);
}

/**
 * The reply of every provider that only needs a status code: 200 with a small JSON body when every event was
 * queued, 503 otherwise so the provider retries the whole request.
 */
export function jsonAckReply(outcome: DeliveryOutcome): WebhookReply {
  const { events, ping } = outcome.normalized;
  const allQueued = events.every((event) => outcome.queued.has(event.eventId));
  if (!allQueued) {
    return {
      statusCode: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '60' },
      body: JSON.stringify({ error: 'queue_unavailable', message: 'events could not be queued; retry later' }),
    };
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ping ? { ok: true, ping: true } : { ok: true, accepted: events.length }),
  };
}

/**
 * The reply of providers that expect a fixed plain-text acknowledgement (Jasmin's `ACK/Jasmin`, Kannel's and
 * InnoPaaS SMS's `OK`): that text when every event was queued, else a plain-text 503 so the provider resends.
 *
 * @example export const reply = plainTextAckReply('ACK/Jasmin', { retryAfterSeconds: 30 });
 */
export function plainTextAckReply(ack: string, options: { readonly retryAfterSeconds?: number } = {}): (outcome: DeliveryOutcome) => WebhookReply {
  const headers = { 'content-type': 'text/plain; charset=utf-8' };
  const retryAfter = String(options.retryAfterSeconds ?? 60);
  return (outcome) =>
    outcome.normalized.events.every((event) => outcome.queued.has(event.eventId))
      ? { statusCode: 200, headers, body: ack }
      : { statusCode: 503, headers: { ...headers, 'retry-after': retryAfter }, body: 'events could not be queued; retry later' };
}

/**
 * The most items one request may carry, unless a provider documents its own maximum: a request over it is a 413
 * naming both numbers. No provider documents more than 1,000 (NHN's recipients per request); the body cap bounds
 * the bytes, this bounds the events one authenticated request can make.
 */
export const MAX_BATCH_ITEMS = 1000;

/**
 * One event per item of a batch (Webcom's `<state>`s, NHN's `hooks[]`), each item on its own. An item that is not
 * what the provider documents becomes `keepInvalid(item, error)` (a `provider.unknown` event carrying the error,
 * see {@link invalidItemEvent}) while the others go through: one bad item must not cost the provider's retries of
 * the good ones beside it. When no item is usable, the first error is thrown: a 400 naming the field.
 */
export function normalizeBatch<T>(
  items: readonly T[],
  normalizeItem: (item: T, index: number) => NormalizedEvent,
  keepInvalid: (item: T, error: ValidationError) => NormalizedEvent,
  options: { readonly maxItems?: number; readonly field?: string } = {},
): NormalizedEvent[] {
  const maxItems = options.maxItems ?? MAX_BATCH_ITEMS;
  if (items.length > maxItems) throw new TooManyItemsError(items.length, maxItems, options.field);
  let firstError: ValidationError | undefined;
  let usable = 0;
  const outcomes = items.map((item, index): NormalizedEvent | ValidationError => {
    try {
      const event = normalizeItem(item, index);
      usable += 1;
      return event;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      firstError ??= error;
      return error;
    }
  });
  if (firstError !== undefined && usable === 0) throw firstError;
  return outcomes.map((outcome, index) => (outcome instanceof ValidationError ? keepInvalid(items[index], outcome) : outcome));
}

/**
 * A batch item that failed validation beside valid ones: `provider.unknown`, the validation error in `data.invalid`,
 * the item as received in `raw`, and an id from its text. The ingest takes such events out of the batch and keeps
 * them, with the whole body, as one record on the rejected queue (`functions/ingest/rejected.ts`).
 */
export function invalidItemEvent(
  fields: { provider: string; channel: NormalizedEvent['channel']; raw: unknown; data?: Record<string, unknown> },
  error: ValidationError,
  context: NormalizeContext,
): NormalizedEvent {
  const invalid = error.field ? { field: error.field, message: error.message } : { message: error.message };
  return makeEvent(
    {
      eventId: eventIdOf(fields.provider, 'invalid-item', JSON.stringify(fields.raw) ?? ''),
      provider: fields.provider,
      channel: fields.channel,
      type: 'provider.unknown',
      data: { ...fields.data, invalid },
      raw: fields.raw,
    },
    context,
  );
}

/**
 * A `WebhookRequest` from its parts, as the ingest builds it (form parameters parsed from a form body or a GET's
 * query): for tools and tests that hand an adapter a body directly.
 *
 * @example webhookRequest({ body: '{"sms_id":1,"status_id":7}', contentType: 'application/json' })
 */
export function webhookRequest(parts: {
  readonly body: string;
  readonly contentType?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly rawQuery?: string;
}): WebhookRequest {
  const method = parts.method ?? 'POST';
  const body = parts.body.replace(/^\uFEFF/, '');
  return {
    method,
    body,
    params: paramsOf({ method, contentType: parts.contentType, rawQuery: parts.rawQuery ?? '' }, body),
    headers: parts.headers ?? {},
    contentType: parts.contentType,
    query: parts.query ?? {},
  };
}
