/**
 * Plivo messaging callbacks: message status (SMS, MMS, WhatsApp) to the `url` of the send request, and inbound
 * messages to the number's application `message_url`. Each is form-encoded (POST) or a query string (GET),
 * following the `method` configured with the URL:
 *
 * ```
 * MessageUUID=…&To=14155550002&From=14155550001&Type=sms&Status=delivered&Units=1&TotalRate=0.0050&TotalAmount=0.0050
 *   &MCC=310&MNC=260&ErrorCode=000&ParentMessageUUID=…&PartInfo=…&Sequence=3&MessageTime=2024-05-02 10:00:01.123456 …
 * From=14155550002&To=14155550001&Type=sms&Text=Hello&MessageUUID=…&Units=1&TotalRate=0.00000&TotalAmount=0.00000
 * ```
 *
 * ```
 * Status present   ──► message.status   (messageId = MessageUUID: Plivo gives every destination its own UUID)
 * no Status        ──► message.inbound  (messageId = MessageUUID, sender = From, recipient = To)
 * ```
 *
 * Proof of origin ({@link plivoSignature}): `X-Plivo-Signature-V3` when present (URL with sorted parameters, `.`,
 * nonce), else `X-Plivo-Signature-V2` or `X-Plivo-Signature-Ma-V2` (URL without its query + nonce, the scheme
 * Plivo documents for messaging). V2 signs neither the body nor the query: a replayed V2 header authenticates any
 * body sent to the same URL, which is Plivo's design, not ours to fix; V3, when Plivo sends it, binds the parameters.
 *
 * Choices where the docs are silent:
 * - **Times.** `MessageTime`, `QueuedTime`, `SentTime` and `DeliveryReportTime` (`YYYY-mm-dd HH:MM:SS.SSSSSS`) carry no
 *   zone and Plivo states none. They are kept as sent in `data` and never read as UTC: `occurredAt` is the receipt
 *   time, and `providerTimeZones` does not apply. Plivo's own order is `Sequence` ("the sequence in which callbacks
 *   for this SMS were generated"), kept in `data.sequence`.
 * - `eventId` is `MessageUUID` + `Status` + `Sequence`: Plivo repeats all three when it retries one callback.
 * - Every status is mapped ({@link PLIVO_STATUSES}); `read` (WhatsApp) outranks delivered; any other value is
 *   `unknown`, non-final. `ErrorCode` becomes `error` on a failed, undelivered or rejected message (`000` is
 *   Plivo's "no error").
 * - `Units` → `segments`; `TotalAmount` → `price` in USD (Plivo prices and bills in US dollars; it sends no currency),
 *   `TotalRate` (per unit) in `data.totalRate`; `MCC`/`MNC` → `network`.
 * - **Multipart.** The parts of a long SMS share `ParentMessageUUID` (the first part's UUID); Plivo now calls it and
 *   `PartInfo` "reserved". Both are kept in `data`; `part` is set when `PartInfo` reads as `<index> of <total>` or
 *   `<index>/<total>`, with `ParentMessageUUID` as its ref.
 * - Inbound media fields are not in Plivo's published field list we work from: `Media<N>`/`MediaUrl<N>` and
 *   `MediaContentType<N>`/`ContentType<N>` are collected into `data.media` when present.
 * - Numbers come without `+` but always with their country code, so E.164 is derived from them.
 * - Reply: 200 with a small JSON body (Plivo documents no reply and no retry policy).
 */
import * as z from 'zod/mini';
import type { Channel, NormalizedEvent } from '../events/schema';
import type { CanonicalStatus } from '../events/status';
import { formRecord, parseForm } from '../origin/form';
import { urlAndNonce } from '../origin/payloads';
import { hmacScheme } from '../origin/schemes/hmac';
import type { Payload } from '../origin/schemes/signed';
import { signingNotBundled, SIGNS, refuse, type OriginScheme, type Verdict } from '../origin/types';
import { queryOf, urlVariants, withoutQuery } from '../origin/url';
import { eventIdOf } from '../core/ids';
import { toParty } from '../core/phone';
import { jsonAckReply, makeEvent, mapStatus, statusOfProviderStatus, validate, wellFormed } from './common';
import type { Normalized, NormalizeContext, ProviderAdapter, WebhookRequest } from './types';

const PROVIDER = 'plivo';

/**
 * `Status` → canonical status. Plivo's message states (outbound `queued`, `sent`, `failed`, `delivered`,
 * `undelivered`, `read`; older docs also `rejected`). Their finality is read from the state descriptions: `sent`
 * means handed to the carrier, so a report may still come.
 */
export const PLIVO_STATUSES = {
  queued: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  rejected: 'rejected',
  read: 'read',
} as const satisfies Record<string, CanonicalStatus>;

/** Plivo's `ErrorCode` for "no error". */
export const NO_ERROR = '000';

const FAILURES: ReadonlySet<CanonicalStatus> = new Set(['failed', 'undelivered', 'rejected']);

// ── proof of origin ────────────────────────────────────────────────────────────────────────────────────────────

export const PLIVO_V2_HEADER = 'x-plivo-signature-v2';
export const PLIVO_MA_V2_HEADER = 'x-plivo-signature-ma-v2';
export const PLIVO_V2_NONCE_HEADER = 'x-plivo-signature-v2-nonce';
export const PLIVO_V3_HEADER = 'x-plivo-signature-v3';
export const PLIVO_V3_NONCE_HEADER = 'x-plivo-signature-v3-nonce';

/** `k=v&…`, names sorted and each name's values sorted (plivo-node `get_sorted_query_string`); values decoded. */
function sortedQueryString(pairs: ReadonlyArray<readonly [string, string]>): string {
  return groupSorted(pairs)
    .flatMap(([name, values]) => values.map((value) => `${name}=${value}`))
    .join('&');
}

/** `k` + `v` for each pair, names sorted, values sorted (plivo-node `get_sorted_params_string`). */
function sortedParamsString(pairs: ReadonlyArray<readonly [string, string]>): string {
  return groupSorted(pairs)
    .flatMap(([name, values]) => values.map((value) => name + value))
    .join('');
}

function groupSorted(pairs: ReadonlyArray<readonly [string, string]>): Array<[string, string[]]> {
  const byName = new Map<string, string[]>();
  for (const [name, value] of pairs) byName.set(name, [...(byName.get(name) ?? []), value]);
  return [...byName.keys()].sort().map((name) => [name, (byName.get(name) ?? []).sort()]);
}

/**
 * The V3 base string before `.nonce`, as plivo-node's `validateV3Signature` builds it (no published vector exists):
 * - GET: `scheme://host[:port]/path`, then `?` + the sorted query `k=v&…` when there is one;
 * - POST: the same URL part, then, when the form has parameters, `?` (after the sorted query and a `.` when there
 *   is a query) and the sorted form parameters as `k` + `v` concatenated.
 */
export function plivoV3Base(method: string, url: string, form: ReadonlyArray<readonly [string, string]>): string[] {
  const query = sortedQueryString(parseForm(queryOf(url)));
  const params = method === 'GET' ? [] : form;
  const tail = params.length === 0 ? (query ? `?${query}` : '') : `?${query}${query ? '.' : ''}${sortedParamsString(params)}`;
  return urlVariants(withoutQuery(url)).map((base) => base + tail);
}

/** V3's payload: the base string, `.`, the nonce. */
export const plivoV3Payload: Payload = (parts) =>
  plivoV3Base(parts.method, parts.url, parts.formParams()).map((base) => `${base}.${parts.nonce ?? ''}`);

const v2 = hmacScheme({ header: PLIVO_V2_HEADER, algorithm: 'sha256', encoding: 'base64', payload: urlAndNonce, nonceHeader: PLIVO_V2_NONCE_HEADER });
// Computed with the main account's token: it matches when the configured token is the main account's.
const maV2 = hmacScheme({
  header: PLIVO_MA_V2_HEADER,
  algorithm: 'sha256',
  encoding: 'base64',
  payload: urlAndNonce,
  nonceHeader: PLIVO_V2_NONCE_HEADER,
});
// One signature per active token, comma-separated: any match is enough (plivo-node splits on ',').
const v3 = hmacScheme({
  header: PLIVO_V3_HEADER,
  algorithm: 'sha256',
  encoding: 'base64',
  payload: plivoV3Payload,
  nonceHeader: PLIVO_V3_NONCE_HEADER,
  signatures: (value) => value.split(',').map((one) => one.trim()),
});

const has = (headers: Readonly<Record<string, string | undefined>>, name: string) => (headers[name] ?? '') !== '';

/**
 * Plivo's signatures, one verdict: V3 decides when its header is present (a genuine V3 must match, whatever V2
 * says); otherwise V2 or Ma-V2 must match (either one: which of the two the configured token produces depends on
 * whether it is the main account's). No header at all is a refusal. `signingKeys` holds the Auth Token(s).
 */
export const plivoSignature: OriginScheme = {
  name: 'plivo-signature (V3, else V2 / Ma-V2)',
  keys: ['signingKeys'],
  admits: true,
  secretHeaders: [PLIVO_V2_HEADER, PLIVO_MA_V2_HEADER, PLIVO_V3_HEADER],
  async verify(request, credentials, options): Promise<Verdict> {
    if (has(request.headers, PLIVO_V3_HEADER)) return v3.verify(request, credentials, options);
    const candidates = [v2, maV2].filter((_scheme, index) => has(request.headers, index === 0 ? PLIVO_V2_HEADER : PLIVO_MA_V2_HEADER));
    if (candidates.length === 0) return refuse('missing_signature', PLIVO_V2_HEADER);
    const verdicts = await Promise.all(candidates.map((scheme) => scheme.verify(request, credentials, options)));
    return verdicts.find((verdict) => verdict.ok) ?? verdicts[0];
  },
  sign: !SIGNS
    ? signingNotBundled
    : async (request, material) => {
        // As Plivo does for messaging (V2), plus V3: tools exercise the stronger check, tests drop V3 to reach V2.
        return v3.sign(await v2.sign(request, material), material);
      },
};

// ── the callbacks ──────────────────────────────────────────────────────────────────────────────────────────────

const text = (max: number) => z.string().check(z.maxLength(max));
const opt = <S extends z.ZodMiniType>(schema: S) => z.optional(schema);
const id = () => z.string().check(z.minLength(1), z.maxLength(128), wellFormed());
const phone = () => z.string().check(z.minLength(1), z.maxLength(64), wellFormed());

const COMMON = {
  MessageUUID: id(),
  From: opt(phone()),
  To: opt(phone()),
  Type: opt(text(32)),
  Units: opt(text(16)),
  TotalRate: opt(text(64)),
  TotalAmount: opt(text(64)),
  MCC: opt(text(8)),
  MNC: opt(text(8)),
  ParentMessageUUID: opt(text(128)),
  PartInfo: opt(text(64)),
  PowerpackUUID: opt(text(128)),
  MessageTime: opt(text(64)),
};

const StatusSchema = z.object({
  ...COMMON,
  Status: z.string().check(z.minLength(1), z.maxLength(64), wellFormed()),
  ErrorCode: opt(text(16)),
  Sequence: opt(text(16)),
  QueuedTime: opt(text(64)),
  SentTime: opt(text(64)),
  DeliveryReportTime: opt(text(64)),
  requester_ip: opt(text(64)),
  ConversationID: opt(text(128)),
  ConversationOrigin: opt(text(64)),
  ConversationExpirationTimestamp: opt(text(64)),
});

const InboundSchema = z.object({
  ...COMMON,
  From: phone(),
  To: phone(),
  Text: opt(text(16_384)),
  MessageIntent: opt(text(64)),
});

type Fields = Readonly<Record<string, string | string[]>>;
type Common = z.infer<typeof StatusSchema> | z.infer<typeof InboundSchema>;

/** Drops undefined values and empty strings (Plivo sends empty fields it has no value for). */
function present<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined && fields[key] !== '') out[key] = fields[key];
  return out;
}

const CHANNELS: Readonly<Record<string, Channel>> = { sms: 'sms', mms: 'mms', whatsapp: 'whatsapp' };
const channelOf = (type: string | undefined): Channel => (type && Object.hasOwn(CHANNELS, type.toLowerCase()) ? CHANNELS[type.toLowerCase()] : 'sms');

const segmentsOf = (units: string | undefined): number | undefined => {
  if (!units || !/^\d{1,3}$/.test(units)) return undefined;
  const value = Number(units);
  return value >= 1 && value <= 255 ? value : undefined;
};

const priceOf = (amount: string | undefined) => (amount && /^-?\d{1,12}(\.\d{1,12})?$/.test(amount) ? { amount, currency: 'USD' } : undefined);

function networkOf(fields: Common) {
  const network = present({
    mcc: fields.MCC && /^\d{3}$/.test(fields.MCC) ? fields.MCC : undefined,
    mnc: fields.MNC && /^\d{2,3}$/.test(fields.MNC) ? fields.MNC : undefined,
  });
  return Object.keys(network).length > 0 ? network : undefined;
}

/**
 * `PartInfo` as `{index,total}` when it reads as `1 of 3` or `1/3`; Plivo has not published its format. A message
 * sent in one part is no part of anything: no `part`, so it is recorded and published as it always was.
 */
export function partOf(parent: string | undefined, partInfo: string | undefined): NormalizedEvent['part'] {
  const match = partInfo ? /^\s*(\d{1,3})\s*(?:of|\/)\s*(\d{1,3})\s*$/i.exec(partInfo) : null;
  if (!parent || !match) return undefined;
  const index = Number(match[1]);
  const total = Number(match[2]);
  return total >= 2 && index >= 1 && total >= index && total <= 255 ? { ref: parent, index, total } : undefined;
}

/** Numbers come with their country code and without `+`. */
const party = (number: string | undefined) => (number ? toParty(number) : undefined);

/** What both callbacks carry in `data`: the zone-less times as sent, billing and multipart fields. */
function commonData(fields: Common): Record<string, unknown> {
  return present({
    type: fields.Type,
    units: fields.Units,
    totalRate: fields.TotalRate,
    totalAmount: fields.TotalAmount,
    parentMessageUuid: fields.ParentMessageUUID,
    partInfo: fields.PartInfo,
    powerpackUuid: fields.PowerpackUUID,
    messageTime: fields.MessageTime,
  });
}

function statusEvent(fields: Fields, context: NormalizeContext): NormalizedEvent {
  const report = validate(StatusSchema, fields);
  const { status, final } = mapStatus(PLIVO_STATUSES, report.Status);
  const errorCode = report.ErrorCode || undefined;
  const sequence = report.Sequence && /^\d{1,12}$/.test(report.Sequence) ? Number(report.Sequence) : undefined;
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, report.MessageUUID, report.Status, report.Sequence),
      provider: PROVIDER,
      channel: channelOf(report.Type),
      type: 'message.status',
      messageId: report.MessageUUID,
      status,
      final,
      providerStatus: report.Status,
      ...present({
        error: FAILURES.has(status) && errorCode !== undefined && errorCode !== NO_ERROR ? { code: errorCode } : undefined,
        recipient: party(report.To),
        sender: party(report.From),
        segments: segmentsOf(report.Units),
        part: partOf(report.ParentMessageUUID, report.PartInfo),
        price: priceOf(report.TotalAmount),
        network: networkOf(report),
      }),
      data: {
        ...commonData(report),
        ...present({
          errorCode,
          sequence,
          queuedTime: report.QueuedTime,
          sentTime: report.SentTime,
          deliveryReportTime: report.DeliveryReportTime,
          conversationId: report.ConversationID,
          conversationOrigin: report.ConversationOrigin,
          conversationExpirationTimestamp: report.ConversationExpirationTimestamp,
        }),
      },
      raw: fields,
    },
    context,
  );
}

const MEDIA_URL = /^Media(?:Url)?(\d{1,2})$/;
const MEDIA_TYPE = /^(?:Media)?ContentType(\d{1,2})$/;

/** `Media0`/`MediaUrl0` with `MediaContentType0`/`ContentType0`, in index order. */
function mediaOf(fields: Fields): Array<{ url: string; contentType?: string }> | undefined {
  const byIndex = new Map<number, { url?: string; contentType?: string }>();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string') continue;
    const url = MEDIA_URL.exec(name);
    const type = MEDIA_TYPE.exec(name);
    const index = Number((url ?? type)?.[1]);
    if (!url && !type) continue;
    const entry = byIndex.get(index) ?? {};
    if (url) entry.url = value.slice(0, 4096);
    else entry.contentType = value.slice(0, 256);
    byIndex.set(index, entry);
  }
  const media = [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([, entry]) =>
      entry.url ? [present({ url: entry.url, contentType: entry.contentType }) as { url: string; contentType?: string }] : [],
    );
  return media.length > 0 ? media : undefined;
}

function inboundEvent(fields: Fields, context: NormalizeContext): NormalizedEvent {
  const message = validate(InboundSchema, fields);
  return makeEvent(
    {
      eventId: eventIdOf(PROVIDER, 'inbound', message.MessageUUID),
      provider: PROVIDER,
      channel: channelOf(message.Type),
      type: 'message.inbound',
      messageId: message.MessageUUID,
      sender: toParty(message.From),
      recipient: toParty(message.To),
      ...present({
        segments: segmentsOf(message.Units),
        part: partOf(message.ParentMessageUUID, message.PartInfo),
        price: priceOf(message.TotalAmount),
        network: networkOf(message),
      }),
      data: { ...commonData(message), ...present({ text: message.Text, messageIntent: message.MessageIntent, media: mediaOf(fields) }) },
      raw: fields,
    },
    context,
  );
}

function normalize(request: WebhookRequest, context: NormalizeContext): Normalized {
  const fields = formRecord(request.params);
  const isStatus = fields.Status !== undefined;
  return { events: [isStatus ? statusEvent(fields, context) : inboundEvent(fields, context)] };
}

/**
 * Plivo: message status callbacks and inbound messages, form POST or GET query, verified with Plivo's V3 or V2
 * signature (`signingKeys`: the Auth Token(s) from the Plivo console overview page).
 *
 * @example
 * ```ts
 * import { webhookRequest } from './common';
 * import type { NormalizeContext } from './types';
 * declare const context: NormalizeContext;
 * const { events } = plivo.normalize(webhookRequest({ body: 'MessageUUID=…&Status=delivered', contentType: 'application/x-www-form-urlencoded' }), context);
 * ```
 */
export const plivo: ProviderAdapter = {
  id: PROVIDER,
  displayName: 'Plivo',
  authentication: 'signature',
  origin: [plivoSignature],
  methods: ['GET', 'POST'],
  // Plivo's times carry no zone and are never converted (see above); the value only satisfies the contract.
  defaultTimeZone: 'UTC',
  catalog: [
    { providerEvent: 'message status callback (Type sms)', type: 'message.status', channel: 'sms', statuses: PLIVO_STATUSES },
    { providerEvent: 'message status callback (Type mms)', type: 'message.status', channel: 'mms', statuses: PLIVO_STATUSES },
    { providerEvent: 'message status callback (Type whatsapp)', type: 'message.status', channel: 'whatsapp', statuses: PLIVO_STATUSES },
    { providerEvent: 'inbound message (Type sms)', type: 'message.inbound', channel: 'sms' },
    { providerEvent: 'inbound message (Type mms)', type: 'message.inbound', channel: 'mms' },
  ],
  normalize,
  statusOf: statusOfProviderStatus(PLIVO_STATUSES),
  reply: jsonAckReply,
};
