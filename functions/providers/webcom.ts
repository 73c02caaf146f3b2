/**
 * Webcom.mobi SMS/Viber status webhook. One POST carries several statuses, as XML
 *
 * ```xml
 * <response>
 *   <state id_sms="3234" time="2024-05-14 10:21:07" sms="deliver">deliver</state>
 *   <state id_sms="3235" time="2024-05-14 10:21:09" sms="deliver" viber="not_deliver">deliver</state>
 * </response>
 * ```
 *
 * or, for accounts on the JSON spec, as `[{"id_sms":3234,"time":"2024-05-14 10:21:07","state":"deliver"}]`.
 * The reply must echo every `id_sms` we took, in the format the request came in; Webcom retries (5 attempts)
 * each status whose id is missing from the answer.
 *
 * Choices where the docs are silent:
 * - Format: the first non-whitespace character decides (`<` XML, `[`/`{` JSON); the Content-Type is not documented.
 * - XML safety: `<!DOCTYPE`/`<!ENTITY` anywhere → 400 before parsing; entities are never expanded
 *   (`processEntities: false`), so a reference stays literal text; more than {@link MAX_XML_REFERENCES} references
 *   → 400 before parsing (Webcom's vocabulary needs none, and 10⁶ of them would cost the parser a second).
 *   Malformed XML → 400. Elements named `__proto__`/`constructor`/`prototype` are renamed so they are ignored
 *   like any other unknown element. Elements nested deeper than `MAX_NESTING_DEPTH` (64, common.ts) → 400, the
 *   parser stopping there itself (`maxNestedTags`); the JSON variant has the same limit through `parseJson`.
 * - `time` is read in `context.timeZone` (Moscow by default: "server time is Moscow", [WC-TIME]). Empty or
 *   absent (documented for `send`) → `occurredAt` is the receipt time.
 * - `id_sms` must be digits (a number in JSON); it is the message id and what the reply echoes.
 * - `channel` is `viber` when the state has a `viber` attribute (a Viber message or a Viber→SMS cascade), else
 *   `sms`. Per-channel statuses go to `data.channels`, mapped with the same table; empty ones are left out.
 * - Field names in errors follow the body: `state.N.id_sms` for XML, `N.id_sms` for JSON.
 * - A batch whose items are all invalid is a 400 naming the first bad field. In a batch with valid items, each
 *   invalid one is kept as a `provider.unknown` event with the validation error in `data.invalid` and is not
 *   echoed, while the valid ones are queued and echoed: a 400 would have cost Webcom's retries of the valid ones.
 * - A request with no status at all (`[]`, `<response/>`, a `<State>` in another case, a `<state>` not directly
 *   under `<response>`) is a 400 naming `response.state`: Webcom documents no ping or test request, so an empty
 *   report is a sender's mistake, and a 400 keeps its body on the rejected queue instead of an empty 200.
 * - The white-label platform (the same engine under other brands) pushes a `<request>` root whose states have no
 *   `sms`/`viber` attributes: read the same way, and answered with the same `<response>` of ids.
 * - `raw` is the item as received: the JSON object, or the `<state>` element as fast-xml-parser reads it
 *   (attributes prefixed `@_`, text under `#text`).
 */
import * as z from 'zod/mini';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { ValidationError } from '../core/errors';
import { eventIdOf } from '../core/ids';
import {
  MAX_NESTING_DEPTH,
  invalidItemEvent,
  jsonAckReply,
  makeEvent,
  mapStatus,
  nestedTooDeepError,
  normalizeBatch,
  parseJson,
  providerTime,
  statusOfProviderStatus,
  validate,
  wellFormed,
  withinNestingLimit,
} from './common';
import type { DeliveryOutcome, NormalizeContext, Normalized, ProviderAdapter, WebhookReply, WebhookRequest } from './types';

const PROVIDER = 'webcom';

/** Overall and per-channel status → canonical status (docs/design.md). `partly_deliver` = "no report will come". */
export const WEBCOM_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  send: 'sent',
  deliver: 'delivered',
  read: 'read',
  not_deliver: 'undelivered',
  expired: 'expired',
  partly_deliver: 'unknown',
};

/** Character or entity references tolerated in one XML body before it is refused unparsed. */
export const MAX_XML_REFERENCES = 100;

/** The per-channel status attributes, in the order they enter the event id. */
const CHANNEL_ATTRIBUTES = ['sms', 'viber'] as const;
type ChannelAttribute = (typeof CHANNEL_ATTRIBUTES)[number];

const ID_SMS = /^\d{1,20}$/;
const FIRST_NON_SPACE = /\S/;
const DECLARATIONS = /<!\s*(?:DOCTYPE|ENTITY)/i;
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A status value: it enters the event id, so it must be well-formed ({@link wellFormed}); `id_sms` is digits. */
const statusValue = (min = 0) => z.string().check(z.minLength(min), z.maxLength(64), wellFormed());

const StateSchema = z.object({
  id_sms: z.union([z.int().check(z.nonnegative()), z.string().check(z.regex(ID_SMS))]),
  time: z.optional(z.nullable(z.string().check(z.maxLength(64)))),
  state: statusValue(1),
  sms: z.optional(statusValue()),
  viber: z.optional(statusValue()),
});
/** The JSON variant's envelope: a list; each item is validated on its own (see `normalize`). */
const ItemsSchema = z.array(z.unknown());
type State = z.infer<typeof StateSchema>;

/**
 * The root elements a push may have: Webcom's own `<response>`, and `<request>` from its white-label platform (the
 * same engine under other brands, whose states carry no `sms`/`viber` attributes).
 */
const ROOTS = ['response', 'request'] as const;
const STATE_PATHS: ReadonlySet<string> = new Set(ROOTS.map((root) => `${root}.state`));

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // One <state> is still a list; nothing else is.
  isArray: (_name, jPath, _leaf, isAttribute) => !isAttribute && STATE_PATHS.has(jPath as string),
  // The parser throws on these names; renamed, they are just unknown elements and ignored.
  transformTagName: (name) => (RESERVED_NAMES.has(name) ? `_${name}` : name),
  // Its own guard (default 100): it stops building the tree once elements nest this deep, before anything
  // recursive (its tree-to-object step, or JSON.stringify of `raw`) sees the document.
  maxNestedTags: MAX_NESTING_DEPTH,
});

/** How fast-xml-parser says it stopped at `maxNestedTags` (5.x: "Maximum nested tags exceeded"). */
const NESTED_TAGS_ERROR = /nested tags/i;

/**
 * The items of one request: each as the state schema reads it, as received (for `raw`), and the prefix its field
 * names take in errors.
 */
interface Parsed {
  readonly items: readonly unknown[];
  readonly raws: readonly unknown[];
  readonly fieldPrefix: string | undefined;
}

/** One body format: how to read it and how to acknowledge ids in it. */
interface Format {
  read(body: string): Parsed;
  ack(ids: readonly AckId[]): WebhookReply;
}

/** An id as it goes back: JSON echoes numbers as numbers and strings as strings; XML is text anyway. */
type AckId = string | number;

function countUpTo(text: string, char: string, limit: number): number {
  let count = 0;
  for (let at = text.indexOf(char); at !== -1 && count <= limit; at = text.indexOf(char, at + 1)) count += 1;
  return count;
}

/** Refuses what must never reach the parser: declarations (entity bombs) and floods of references. */
function assertSafeXml(xml: string): void {
  if (DECLARATIONS.test(xml)) throw new ValidationError('DOCTYPE and ENTITY declarations are not accepted');
  if (countUpTo(xml, '&', MAX_XML_REFERENCES) > MAX_XML_REFERENCES) {
    throw new ValidationError(`more than ${MAX_XML_REFERENCES} character or entity references`);
  }
}

/** A `<state>` element as the parser gives it (a bare string when it has no attributes) → the JSON item shape. */
function stateView(node: unknown): Record<string, unknown> {
  if (typeof node === 'string') return { state: node === '' ? undefined : node };
  if (typeof node !== 'object' || node === null) return {};
  const element = node as Record<string, unknown>;
  return {
    id_sms: element['@_id_sms'],
    time: element['@_time'],
    sms: element['@_sms'],
    viber: element['@_viber'],
    state: element['#text'],
  };
}

function readXml(xml: string): Parsed {
  assertSafeXml(xml);
  if (XMLValidator.validate(xml) !== true) throw new ValidationError('body is not well-formed XML');
  let document: unknown;
  try {
    document = withinNestingLimit(xmlParser.parse(xml) as unknown);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    if (error instanceof Error && NESTED_TAGS_ERROR.test(error.message)) throw nestedTooDeepError();
    throw new ValidationError('body is not well-formed XML', undefined, { cause: error });
  }
  const rootName = ROOTS.find((name) => typeof document === 'object' && document !== null && Object.hasOwn(document, name));
  if (rootName === undefined) throw new ValidationError('expected a <response> (or white-label <request>) root element', 'response');
  const root = (document as Record<string, unknown>)[rootName];
  // `<response/>` and `<response>text</response>` come out as a string: no element inside, so no <state>.
  if (typeof root === 'string') throw noStateError();
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new ValidationError(`expected one <${rootName}> root element`, rootName);
  }
  // Only `response.state` counts (see isArray): `<State>` or a <state> one level down is a missing <state>.
  const nodes = (root as Record<string, unknown>).state;
  const raws: unknown[] = nodes === undefined ? [] : Array.isArray(nodes) ? nodes : [nodes];
  if (raws.length === 0) throw noStateError();
  return { items: raws.map(stateView), raws, fieldPrefix: 'state' };
}

/** The 400 for XML that has no `<response><state>`. Webcom has no ping: an empty report is a sender's mistake. */
const noStateError = () => new ValidationError('expected at least one <state> element', 'response.state');

function readJson(json: string): Parsed {
  const raws = validate(ItemsSchema, parseJson(json));
  if (raws.length === 0) throw new ValidationError('expected at least one status, got an empty list');
  return { items: raws, raws, fieldPrefix: undefined };
}

const XML_PROLOG = '<?xml version="1.0" encoding="utf-8"?>\n';

const FORMATS: Readonly<Record<'xml' | 'json', Format>> = {
  xml: {
    read: readXml,
    // Ids are validated digits, so they need no escaping.
    ack: (ids) => ({
      statusCode: 200,
      headers: { 'content-type': 'application/xml; charset=utf-8' },
      body: `${XML_PROLOG}<response>${ids.map((id) => `<id_sms>${id}</id_sms>`).join('')}</response>`,
    }),
  },
  json: {
    read: readJson,
    ack: (ids) => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(ids.map((id) => ({ id_sms: id }))),
    }),
  },
};

const FORMAT_BY_FIRST_CHAR: Readonly<Record<string, 'xml' | 'json'>> = { '<': 'xml', '[': 'json', '{': 'json' };

function formatOf(body: string): { format: 'xml' | 'json'; start: number } {
  const first = FIRST_NON_SPACE.exec(body);
  const format = first ? FORMAT_BY_FIRST_CHAR[first[0]] : undefined;
  if (!first || !format) throw new ValidationError('body is neither XML nor JSON');
  return { format, start: first.index };
}

function fieldOf(prefix: string | undefined, index: number, name: string): string {
  return prefix === undefined ? `${index}.${name}` : `${prefix}.${index}.${name}`;
}

function channelStatuses(state: State): Partial<Record<ChannelAttribute, { providerStatus: string; status: CanonicalStatus }>> {
  const channels: Partial<Record<ChannelAttribute, { providerStatus: string; status: CanonicalStatus }>> = {};
  for (const name of CHANNEL_ATTRIBUTES) {
    const providerStatus = state[name];
    if (providerStatus) channels[name] = { providerStatus, status: mapStatus(WEBCOM_STATUSES, providerStatus).status };
  }
  return channels;
}

function toEvent(state: State, raw: unknown, index: number, prefix: string | undefined, context: NormalizeContext): NormalizedEvent {
  const idSms = String(state.id_sms);
  const time = state.time ?? '';
  const { status, final } = mapStatus(WEBCOM_STATUSES, state.state);
  const channels = channelStatuses(state);
  const event = makeEvent(
    {
      // Webcom has no event id: one status of one message at one time, with its per-channel detail.
      eventId: eventIdOf(PROVIDER, idSms, state.state, time, ...CHANNEL_ATTRIBUTES.map((name) => `${name}=${state[name] ?? ''}`)),
      provider: PROVIDER,
      channel: state.viber === undefined ? 'sms' : 'viber',
      type: 'message.status',
      messageId: idSms,
      status,
      final,
      providerStatus: state.state,
      occurredAt: providerTime(time, context, fieldOf(prefix, index, 'time')),
      occurredAtRaw: time,
      raw,
    },
    context,
  );
  if (Object.keys(channels).length > 0) event.data = { channels };
  return event;
}

/** One `<state>` (or JSON item): validated and normalized on its own, its field names prefixed with its place. */
function normalizeItem(parsed: Parsed, index: number, context: NormalizeContext): NormalizedEvent {
  const prefix = parsed.fieldPrefix === undefined ? String(index) : `${parsed.fieldPrefix}.${index}`;
  const state = validate(StateSchema, parsed.items[index], prefix);
  return toEvent(state, parsed.raws[index], index, parsed.fieldPrefix, context);
}

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const { format, start } = formatOf(request.body);
  const parsed = FORMATS[format].read(start === 0 ? request.body : request.body.slice(start));
  const events = normalizeBatch(
    parsed.raws,
    (_, index) => normalizeItem(parsed, index, context),
    (raw, error) => invalidItemEvent({ provider: PROVIDER, channel: 'sms', raw }, error, context),
  );
  return { events, replyFormat: format };
}

/**
 * The ids to echo: each `id_sms` whose every status event of this request is queued, once, in the order received.
 * A message with one status queued and another not is left out, so Webcom resends both (the consumer dedupes).
 * Items kept as `provider.unknown` are never echoed: Webcom may resend them, and their event id stays the same.
 */
function acknowledgedIds(outcome: DeliveryOutcome): AckId[] {
  const byId = new Map<string, { ack: AckId; queued: boolean }>();
  for (const event of outcome.normalized.events) {
    if (event.type !== 'message.status') continue;
    const id = event.messageId ?? '';
    const entry = byId.get(id) ?? { ack: ackIdOf(event, id), queued: true };
    entry.queued &&= outcome.queued.has(event.eventId);
    byId.set(id, entry);
  }
  return [...byId.values()].filter((entry) => entry.queued).map((entry) => entry.ack);
}

function ackIdOf(event: NormalizedEvent, id: string): AckId {
  const sent = (event.raw as { id_sms?: unknown } | null)?.id_sms;
  return typeof sent === 'number' ? sent : id;
}

/**
 * Webcom.mobi: XML (or JSON) batches of `<state>` statuses; the reply echoes the `id_sms` values taken.
 *
 * @example
 * ```ts
 * import { webhookRequest } from './common';
 * declare const body: string;
 * declare const receivedAt: string;
 * const normalized = webcom.normalize(webhookRequest({ body, contentType: 'application/xml' }), { receivedAt, timeZone: webcom.defaultTimeZone });
 * // …queue normalized.events, collect the eventIds that made it…
 * const queued = new Set<string>();
 * const answer = webcom.reply({ normalized, queued });
 * ```
 */
export const webcom: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Webcom.mobi',
  authentication: 'url-token',
  defaultTimeZone: 'Europe/Moscow',
  catalog: [
    { providerEvent: '<state> (SMS)', type: 'message.status', channel: 'sms', statuses: WEBCOM_STATUSES },
    { providerEvent: '<state viber="…"> (Viber, Viber→SMS cascade)', type: 'message.status', channel: 'viber', statuses: WEBCOM_STATUSES },
  ],
  normalize,

  statusOf: statusOfProviderStatus(WEBCOM_STATUSES),
  /**
   * 200 with the ids of the statuses that are queued, in the request's format, so Webcom retries exactly the
   * rest: a partial ack is the right answer to a partial enqueue. When something was sent and nothing could be
   * queued, a 503 instead (Webcom retries everything; the status code it needs is undocumented, so no 2xx).
   */
  reply(outcome): WebhookReply {
    const { events, replyFormat } = outcome.normalized;
    if (events.length > 0 && !events.some((event) => outcome.queued.has(event.eventId))) return jsonAckReply(outcome);
    return FORMATS[replyFormat ?? 'xml'].ack(acknowledgedIds(outcome));
  },
};
