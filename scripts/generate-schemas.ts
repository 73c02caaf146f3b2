/**
 * Generates the published JSON Schemas (draft 2020-12) of the event contract from the zod/mini schemas in
 * `functions/events/`, so the files under `schemas/` can never say something the code does not:
 *
 * - `schemas/normalized-event.v1.schema.json`: the body of every events-queue message.
 * - `schemas/applied-event.v1.schema.json`: the body of every topic (and subscriber queue) message.
 *
 * `npm run schemas` writes them; `npm run schemas -- --check` exits 1 when a committed file differs from a fresh
 * generation (the test suite does the same check).
 *
 * What zod's `toJSONSchema` produces, and the options that shape it (no file is ever edited by hand):
 * - `io: 'input'`: the schema of what the zod parser *accepts*. zod objects accept (and strip) keys they do not
 *   know, so the published schema leaves `additionalProperties` open. That is what keeps the versioning policy
 *   honest: a field added within v1 does not make an older copy of the schema reject new events. (The default,
 *   `output`, would add `additionalProperties: false` everywhere.)
 * - `z.unknown()` (`raw`, the values of `data`) becomes `{}`: any JSON value, which is the truth.
 * - `z.regex` checks become `pattern` with the regex source; none of ours has flags, which JSON Schema could not carry.
 * - `z.iso.datetime()` becomes `format: date-time` plus zod's own 400-character calendar regex. The `override`
 *   below swaps that regex for a readable one that keeps the guarantee that matters to readers (UTC, `Z`); calendar
 *   validity stays with `format: date-time`. Only the exact variant we use is swapped; any other is left as zod made it.
 * - Descriptions, titles and the shared `Party` definition come from a metadata registry built here, keyed by the
 *   schema objects themselves, so `functions/events/schema.ts` stays free of documentation strings in the bundle.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as z from 'zod/mini';
import { AppliedEventSchema, AppliedFieldsSchema } from '../functions/events/applied';
import {
  EventErrorSchema,
  NetworkSchema,
  PartRefSchema,
  PriceSchema,
  NormalizedEventSchema,
  PartySchema,
  SCHEMA_VERSION,
  type NormalizedEvent,
} from '../functions/events/schema';
import { usageExit } from './cli';

/** Repository root: the generated paths are relative to it. */
export const REPO_ROOT = resolve(__dirname, '..');

/**
 * Base of the schemas' `$id`. A URN rather than an https URL because nothing hosts these files yet; a URN names
 * the schema without pretending it can be fetched. Change it here if the schemas are ever served.
 */
export const SCHEMA_ID_BASE = 'urn:webhook-ingestion:schema';

/** Readable stand-in for zod's calendar regex of `z.iso.datetime()` (UTC, optional fraction, `Z`). */
export const UTC_DATE_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z$';

type Meta = { id?: string; title?: string; description?: string };

/** Per-field documentation of the normalized event. Typed by the event, so a new field without one fails to compile. */
export const EVENT_FIELD_DESCRIPTIONS: Readonly<Record<keyof NormalizedEvent, string>> = {
  schemaVersion: 'Version of this contract: always 1 here. A breaking change ships as a new schema file and a new value, published side by side.',
  eventId:
    "Deterministic id (32 lowercase hex) from the provider's own identity of the event: a provider retry or a redelivery carries the same id. Deduplicate on it.",
  provider:
    'Provider id, kebab-case, as in the webhook route (`twilio`, `meta-whatsapp`, `nhncloud-sms`, …: the README lists them). New providers may appear without a schema change.',
  channel: 'Channel the event concerns.',
  type: 'What happened; decides which optional fields and which `data` keys are present.',
  messageId:
    "The provider's id of the message (innopaas-otp `messageId`, innopaas-whatsapp the body's `id`, webcom `id_sms`, smsgateway24 `sms_id`, nhncloud-sms `{requestId}:{recipientSeq}`, vonage-sms `messageId`, vonage-messages `message_uuid`, sinch-sms `{batch_id}:{recipient key}`). Absent on events that are not about one message.",
  status: 'Canonical status. Present on `message.status` events.',
  final: 'Whether `status` is final (no later status is expected, though a higher-ranked one still wins). Present on `message.status` events.',
  providerStatus: "The provider's own status (or event) value, verbatim.",
  error: 'Failure details as the provider gave them, when it reported a failure.',
  recipient:
    'Who the message was for, or who opted out (`recipient.unsubscribed`): the number as the provider sent it, plus E.164 when it can be derived.',
  sender:
    'Who sent it (inbound messages): the number as the provider sent it, plus E.164 when it can be derived. An opt-out names its number in `recipient`.',
  occurredAt:
    "When it happened by the provider's own clock, ISO-8601 UTC. Equals `receivedAt` when the provider gave no time (then `occurredAtRaw` is absent).",
  occurredAtRaw: "The provider's time value verbatim, before time-zone conversion.",
  occurredAtTrusted:
    "`false` when the adapter could not place the provider's time on the time line (a zone-less time kept raw in `occurredAtRaw`). Such a time, a missing one, or one more than a day (configurable) from `receivedAt` never decides which of two equally ranked statuses is stored. Absent otherwise (optional, added to version 1).",
  receivedAt: 'When the webhook reached the ingest endpoint, ISO-8601 UTC.',
  data: 'Type-specific fields (message text, per-channel statuses, template name, …); keys differ per provider and type.',
  raw: "The provider's item as received, for audit and re-normalizing. Its shape is the provider's, not part of this contract. Null when keeping it would push the message past the queue's or the topic's size limit.",
  segments:
    'How many parts (segments) the message travelled in, when the provider reports it (Twilio `NumSegments`, Telnyx `parts`, Plivo `Units`), or the number of parts a reassembled inbound message or a rolled-up status was derived from.',
  part: "Which part of a multipart SMS this event is about (an inbound part, or a report on one part of an outbound message): the provider's reference shared by all parts, the 1-based index and the total. Such events are recorded, not published; subscribers receive the whole message (see Multipart SMS).",
  price: 'What the provider charged, when it reports it: the amount as a decimal string as written (never a float) and an ISO 4217 currency code.',
  network: 'The network the message went through, as far as the provider says: MCC, MNC, carrier name, ISO 3166-1 alpha-2 country.',
};

/** Per-field documentation of the applied-event envelope's own fields. */
export const APPLIED_FIELD_DESCRIPTIONS: Readonly<Record<keyof z.infer<typeof AppliedFieldsSchema>, string>> = {
  previousStatus:
    "The message's stored canonical status before this event was recorded; null when nothing was stored (the message's first event, or an event without a status).",
  statusChanged:
    'Whether this event changed the stored status value. False for a status that does not outrank the stored one (late or out of order), for one that only refreshes details of the same status, and for events without a status. A duplicate delivery of an event already published is not published again.',
};

/** One object schema's per-field documentation, keyed by the schema's own fields. */
interface FieldDocs {
  readonly shape: Readonly<Record<string, z.core.$ZodType>>;
  readonly descriptions: Readonly<Record<string, string>>;
}

/** Ties `descriptions` to `schema`: typed by its shape, so a field added without a description fails to compile. */
function fieldDocs<Shape extends Readonly<Record<string, z.core.$ZodType>>>(
  schema: { readonly shape: Shape },
  descriptions: Readonly<Record<keyof Shape & string, string>>,
): FieldDocs {
  return { shape: schema.shape, descriptions };
}

/** The fields of the event's nested objects: parties, errors, parts, prices and networks. */
const NESTED_FIELD_DOCS: readonly FieldDocs[] = [
  fieldDocs(PartySchema, {
    raw: 'The number or address exactly as the provider sent it.',
    e164: 'The same number in E.164 (`+` and 7 to 15 digits), only when it can be derived without guessing.',
  }),
  fieldDocs(EventErrorSchema, {
    code: "The provider's error code, verbatim.",
    message: "The provider's error text, verbatim.",
  }),
  fieldDocs(PartRefSchema, {
    ref: "The provider's reference shared by every part of one concatenated message.",
    index: 'Which part this is, 1-based.',
    total: 'How many parts the message has.',
  }),
  fieldDocs(PriceSchema, {
    amount: 'The amount as a decimal string, as the provider wrote it (negative when the provider reports a charge as negative).',
    currency: 'ISO 4217 currency code.',
  }),
  fieldDocs(NetworkSchema, {
    mcc: 'Mobile country code, 3 digits.',
    mnc: 'Mobile network code, 2 or 3 digits.',
    carrier: "The carrier's name as the provider gave it.",
    country: 'ISO 3166-1 alpha-2 country code.',
  }),
];

/** One published schema file. */
interface SchemaSpec {
  /** File name under `schemas/`, versioned. */
  readonly file: string;
  readonly id: string;
  readonly schema: z.ZodMiniType;
  readonly title: string;
  readonly description: string;
}

export const SCHEMA_SPECS: readonly SchemaSpec[] = [
  {
    file: `normalized-event.v${SCHEMA_VERSION}.schema.json`,
    id: `${SCHEMA_ID_BASE}:normalized-event:v${SCHEMA_VERSION}`,
    schema: NormalizedEventSchema,
    title: `Normalized webhook event, version ${SCHEMA_VERSION}`,
    description:
      'One provider webhook event in the provider-independent format: the body of each events-queue message. Within a version only additive, optional changes are made, so accept unknown fields.',
  },
  {
    file: `applied-event.v${SCHEMA_VERSION}.schema.json`,
    id: `${SCHEMA_ID_BASE}:applied-event:v${SCHEMA_VERSION}`,
    schema: AppliedEventSchema,
    title: `Applied webhook event, version ${SCHEMA_VERSION}`,
    description:
      "A normalized event after it was recorded, with what recording it did to the message's stored status: the body of each message on the topic of applied events and on every subscriber queue. Delivery is at-least-once and may be out of order: deduplicate on eventId.",
  },
];

/** A fresh metadata registry with every description; fresh per run so generation has no hidden state. */
function metadataRegistry(): z.core.$ZodRegistry<Meta> {
  const registry = z.registry<Meta>();
  const docs = [
    fieldDocs(NormalizedEventSchema, EVENT_FIELD_DESCRIPTIONS),
    fieldDocs(AppliedFieldsSchema, APPLIED_FIELD_DESCRIPTIONS),
    ...NESTED_FIELD_DOCS,
  ];
  for (const { shape, descriptions } of docs) {
    for (const [key, description] of Object.entries(descriptions)) registry.add(shape[key], { description });
  }
  // Shared by `recipient` and `sender`: one definition under `$defs`, referenced twice.
  registry.add(PartySchema, { id: 'Party', description: 'A phone number or address.' });
  return registry;
}

/** See the file comment: swaps zod's calendar regex for a readable one, for the plain UTC variant only. */
function readableDateTime(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const def = ctx.zodSchema._zod.def as Partial<z.core.$ZodISODateTimeDef>;
  if (def.format !== 'datetime' || def.offset || def.local || def.precision !== null) return;
  ctx.jsonSchema.pattern = UTC_DATE_TIME_PATTERN;
}

/** Key order of the output: identity first, then the body as zod produced it. */
const LEADING_KEYS = ['$schema', '$id', 'title', 'description'] as const;

/** The JSON Schema of one spec, as an object. */
export function jsonSchemaOf(spec: SchemaSpec): Record<string, unknown> {
  const generated = z.toJSONSchema(spec.schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
    metadata: metadataRegistry(),
    override: readableDateTime,
  }) as Record<string, unknown>;
  const identity: Record<string, unknown> = {
    $schema: generated.$schema,
    $id: spec.id,
    title: spec.title,
    description: spec.description,
  };
  const rest = Object.fromEntries(Object.entries(generated).filter(([key]) => !(LEADING_KEYS as readonly string[]).includes(key)));
  return { ...identity, ...rest };
}

export interface GeneratedFile {
  /** Path relative to the repository root, `/`-separated. */
  readonly path: string;
  readonly text: string;
}

/** Every schema file, as it must be committed: 2-space JSON with a final newline. */
export function generateSchemas(): GeneratedFile[] {
  return SCHEMA_SPECS.map((spec) => ({
    path: `schemas/${spec.file}`,
    text: `${JSON.stringify(jsonSchemaOf(spec), null, 2)}\n`,
  }));
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The generated files whose committed copy is missing or different. */
export function staleFiles(files: readonly GeneratedFile[], root = REPO_ROOT): string[] {
  return files.filter((file) => readOrUndefined(join(root, file.path)) !== file.text).map((file) => file.path);
}

const USAGE = `Generate the published JSON Schemas of the event contract (schemas/*.schema.json) from the zod schemas.

Usage: npm run schemas [-- --check]

  (no option)  write the files under schemas/
  --check      write nothing; exit 1 when a committed file differs from a fresh generation`;

function main(argv: readonly string[]): number {
  const exit = usageExit(argv, USAGE, ['--check']);
  if (exit !== undefined) return exit;
  const files = generateSchemas();
  if (argv.includes('--check')) {
    const stale = staleFiles(files);
    if (stale.length === 0) return 0;
    process.stderr.write(`Stale JSON Schemas (run \`npm run schemas\` and commit): ${stale.join(', ')}\n`);
    return 1;
  }
  for (const file of files) {
    const target = join(REPO_ROOT, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.text);
    process.stdout.write(`wrote ${file.path}\n`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
