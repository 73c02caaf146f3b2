/**
 * `npm run ops -- <command>`: the operator's first looks and repairs, against a running `npm start` (the default)
 * or a deployed stack (`--stack WebhookIngestion-prod`), with the same commands. `--help` prints the usage.
 */
import path from 'node:path';
import type { RejectedBody } from '../functions/ingest/rejected';
import type { NormalizedEvent } from '../functions/events/schema';
import { METRICS } from '../lib/pipeline-settings';
import { deliveryStats, formatStats, refusalStats, type RefusalRow } from './analytics';
import { moveTaskStatus, peekQueue, queueDepth, redrive, type PeekedMessage } from './queues';
import { formatRenormalize, renormalize } from './renormalize';
import { exportMessage, readMessageFacts } from './table';
import { findSubscriber, runningLocalTarget, stackTarget, type OpsTarget } from './target';
import { createSweeperHandler, SweepFailedError, type SweepReport } from '../functions/timers';

export const USAGE = `Usage: npm run ops -- <command> [options]

Where (default: the running \`npm start\`, found through DATA_DIR/runtime.json, DATA_DIR=.data):
  --stack <name>        a deployed stack (queue, table and topic from its CloudFormation outputs), e.g. WebhookIngestion-prod
  --region <region>     its region (default: AWS_REGION / the profile's)
  --data-dir <dir>      the local runtime's data directory

Commands:
  rejected [list]                 bodies refused as invalid (left on the queue)
  rejected show <requestId|id>    one of them: why, and the body as received
  queues                          depth of every queue: events, dead letters, rejected, each subscriber's
  dlq [list]                      events the consumer could not apply (left on the queue)
  dlq show <eventId|id>           one of them, whole
  dlq redrive                     move every dead letter back to the events queue (SQS's move task on AWS)
  dlq status                      the last move tasks (AWS)
  dlq ... --subscriber <name>     the same on a subscriber's dead-letter queue (redrive: back to its queue)
  renormalize [--dry-run] [--provider <id>] [--message <messageId>] [--verbose]
                                  derive every stored status again with the current adapters and repair the
                                  events and states that differ (idempotent; --dry-run prints what would change)
  export <provider> <messageId>   a message's state and whole history, as JSON
  sweep [--dry-run] [--hours <n>] [--json]
                                  mark the messages left without a final status past their window \`unknown\`
                                  now, as the scheduled sweeper does (--dry-run prints them and sends nothing;
                                  --hours: how far back to look when no sweep ran yet, default 24)
  stats [--provider <id>] [--json] [--hours <n>] [--namespace <ns>]
                                  delivery rate, time to final status (p50/p95), unknown and missing receipts
                                  per provider, channel and country; refusal rate per provider (AWS: CloudWatch,
                                  last 24 hours, metrics namespace WebhookIngestion; locally: since npm start)
  --help                          this text
`;

export interface OpsIo {
  readonly print: (line: string) => void;
}

/** Thrown for a command line that makes no sense: printed with the usage, exit 2. */
export class UsageError extends Error {}

interface Parsed {
  readonly words: string[];
  readonly flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--stack', '--region', '--data-dir', '--provider', '--message', '--limit', '--subscriber', '--hours', '--namespace']);
const BOOLEAN_FLAGS = new Set(['--dry-run', '--json', '--verbose', '--help', '-h']);

export function parseArgs(argv: readonly string[]): Parsed {
  const words: string[] = [];
  const flags = new Map<string, string | true>();
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (VALUE_FLAGS.has(arg)) {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      flags.set(arg, value);
      index += 1;
    } else if (BOOLEAN_FLAGS.has(arg)) flags.set(arg === '-h' ? '--help' : arg, true);
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else words.push(arg);
  }
  return { words, flags };
}

const text = (flags: Parsed['flags'], name: string): string | undefined => {
  const value = flags.get(name);
  return typeof value === 'string' ? value : undefined;
};

function rejectedOf(message: PeekedMessage): RejectedBody | undefined {
  try {
    return JSON.parse(message.body) as RejectedBody;
  } catch {
    return undefined;
  }
}

function eventOf(message: PeekedMessage): Partial<NormalizedEvent> | undefined {
  try {
    return JSON.parse(message.body) as Partial<NormalizedEvent>;
  } catch {
    return undefined;
  }
}

/** A rejected body for the terminal: text when it is UTF-8 text, else base64. */
export function decodedBody(rejected: RejectedBody): string {
  const bytes = Buffer.from(rejected.bodyBase64, 'base64');
  const asText = bytes.toString('utf8');
  return Buffer.from(asText, 'utf8').equals(bytes) ? asText : `(binary, base64) ${rejected.bodyBase64}`;
}

/** A sweep's report for the terminal: one line per message marked (or, dry, to be marked), then the counts. */
export function formatSweep(report: SweepReport): string[] {
  const verb = report.dryRun ? 'would mark' : 'marked';
  return [
    ...report.sent.map((event) => `${verb} ${event.provider} ${event.messageId ?? '-'} ${event.status ?? ''} (${event.kind}, due ${event.dueAt})`),
    ...report.failures.map((failure) => `failed ${failure.provider} ${failure.messageId ?? '-'} (${failure.kind}): ${failure.reason}`),
    `${report.due} timer(s) due from ${report.from} to ${report.to} in ${report.partitions.length} hour partition(s): ${report.sent.length} ${verb}, ${report.settled} settled by a receipt, ${report.failures.length} failed${report.dryRun ? ' (dry run: nothing sent, cursor kept)' : ''}`,
  ];
}

/** Runs one command against `target`. Exported for the tests; `main` adds argument parsing and the target. */
export async function runCommand(target: OpsTarget, parsed: Parsed, io: OpsIo): Promise<void> {
  const [command, sub, ...rest] = parsed.words;
  const { flags } = parsed;
  const limit = Number(text(flags, '--limit') ?? 100);
  const json = flags.has('--json');
  switch (command) {
    case 'rejected': {
      const messages = await peekQueue(target.sqs, target.rejectedQueueUrl, sub === 'show' ? 1000 : limit);
      if (sub === undefined || sub === 'list') {
        for (const message of messages) {
          const rejected = rejectedOf(message);
          io.print(
            rejected
              ? `${rejected.receivedAt}  ${rejected.provider}  ${rejected.requestId}  ${rejected.error.code}${rejected.error.field ? ` ${rejected.error.field}` : ''}: ${rejected.error.message}  (${rejected.bodyBytes} bytes)`
              : `${message.sentAt ?? '-'}  ${message.messageId}  (not a rejected-body record)`,
          );
        }
        io.print(`${messages.length} rejected bod${messages.length === 1 ? 'y' : 'ies'} on ${target.name}`);
        return;
      }
      if (sub === 'show') {
        const id = rest[0];
        if (!id) throw new UsageError('rejected show needs a requestId or queue message id');
        const found = messages.find((message) => message.messageId === id || rejectedOf(message)?.requestId === id);
        if (!found) throw new Error(`no rejected body ${id} on ${target.name}`);
        const rejected = rejectedOf(found);
        if (!rejected || json) {
          io.print(found.body);
          return;
        }
        const { bodyBase64: _body, ...meta } = rejected;
        io.print(JSON.stringify(meta, null, 2));
        io.print('body:');
        io.print(decodedBody(rejected));
        return;
      }
      throw new UsageError(`unknown rejected command ${sub}`);
    }
    case 'queues': {
      const rows: Array<[string, string]> = [
        ['events', target.eventsQueueUrl],
        ['events dead letters', target.deadLetterQueueUrl],
        ['rejected bodies', target.rejectedQueueUrl],
      ];
      for (const [name, queues] of Object.entries(await target.subscribers())) {
        rows.push([`subscriber ${name}`, queues.queueUrl], [`subscriber ${name} dead letters`, queues.deadLetterQueueUrl]);
      }
      for (const [name, url] of rows) {
        const depth = await queueDepth(target.sqs, url);
        io.print(`${name.padEnd(40)} ${String(depth.visible).padStart(6)} waiting  ${String(depth.inFlight).padStart(6)} in flight`);
      }
      return;
    }
    case 'dlq': {
      const subscriberName = text(flags, '--subscriber');
      let queues = { deadLetterQueueUrl: target.deadLetterQueueUrl, eventsQueueUrl: target.eventsQueueUrl };
      if (subscriberName !== undefined) {
        const subscribers = await target.subscribers();
        const found = findSubscriber(subscribers, subscriberName);
        if (!found) throw new UsageError(`no subscriber ${subscriberName} (${Object.keys(subscribers).join(', ') || 'none'})`);
        queues = { deadLetterQueueUrl: found.deadLetterQueueUrl, eventsQueueUrl: found.queueUrl };
      }
      if (sub === undefined || sub === 'list') {
        const messages = await peekQueue(target.sqs, queues.deadLetterQueueUrl, limit);
        for (const message of messages) {
          const event = eventOf(message);
          io.print(
            `${message.sentAt ?? '-'}  ${message.messageId}  ${event?.provider ?? message.attributes.provider ?? '-'}  ${event?.type ?? '-'}  ${event?.eventId ?? '(not an event)'}  ${event?.messageId ?? ''}  ${event?.status ?? ''}`.trimEnd(),
          );
        }
        io.print(`${messages.length} dead letter(s) on ${target.name}`);
        return;
      }
      if (sub === 'show') {
        const id = rest[0];
        if (!id) throw new UsageError('dlq show needs an eventId or queue message id');
        const messages = await peekQueue(target.sqs, queues.deadLetterQueueUrl, 1000);
        const found = messages.find((message) => message.messageId === id || eventOf(message)?.eventId === id);
        if (!found) throw new Error(`no dead letter ${id} on ${target.name}`);
        const event = eventOf(found);
        io.print(event ? JSON.stringify(event, null, 2) : found.body);
        return;
      }
      if (sub === 'redrive') {
        const result = await redrive(target.sqs, queues, target.kind === 'aws' ? 'move-task' : 'copy');
        io.print(
          result.method === 'move-task'
            ? `move task started (${result.taskHandle}): about ${result.approximateMessages} message(s) back to the events queue; \`npm run ops -- dlq status --stack ${target.name}\` follows it`
            : `${result.moved} dead letter(s) moved back to the ${subscriberName === undefined ? 'events queue' : `queue of subscriber ${subscriberName}`}`,
        );
        return;
      }
      if (sub === 'status') {
        if (target.kind !== 'aws') {
          const depth = await queueDepth(target.sqs, queues.deadLetterQueueUrl);
          io.print(`no move tasks locally (redrive copies at once); ${depth.visible} dead letter(s) visible, ${depth.inFlight} in flight`);
          return;
        }
        const lines = await moveTaskStatus(target.sqs, queues.deadLetterQueueUrl);
        for (const line of lines.length > 0 ? lines : ['no move task yet']) io.print(line);
        return;
      }
      throw new UsageError(`unknown dlq command ${sub}`);
    }
    case 'renormalize': {
      if (sub !== undefined) throw new UsageError(`renormalize takes options only, not ${sub}`);
      const messageId = text(flags, '--message');
      const provider = text(flags, '--provider');
      if (messageId !== undefined && provider === undefined) throw new UsageError('--message needs --provider');
      const dryRun = flags.has('--dry-run');
      const report = await renormalize({
        dynamodb: target.dynamodb,
        tableName: target.tableName,
        sns: target.sns,
        topicArn: target.topicArn,
        dryRun,
        provider,
        messageId,
      });
      if (json) {
        io.print(JSON.stringify(report, null, 2));
        return;
      }
      for (const line of formatRenormalize(report, dryRun)) io.print(line);
      if (flags.has('--verbose'))
        for (const item of report.undetermined) io.print(`  not derived: ${item.provider} ${item.messageId ?? ''} ${item.eventId}: ${item.reason}`);
      return;
    }
    case 'export': {
      const [provider, messageId] = [sub, rest[0]];
      if (!provider || !messageId) throw new UsageError('export needs <provider> <messageId>');
      const exported = await exportMessage(target.dynamodb, target.tableName, provider, messageId);
      if (!exported) throw new Error(`no message ${provider}/${messageId} on ${target.name}`);
      io.print(JSON.stringify(exported, null, 2));
      return;
    }
    case 'sweep': {
      if (sub !== undefined) throw new UsageError(`sweep takes options only, not ${sub}`);
      const hoursText = text(flags, '--hours');
      const lookbackHours = hoursText === undefined ? undefined : Number(hoursText);
      if (lookbackHours !== undefined && !(lookbackHours >= 0)) throw new UsageError('--hours takes a number of hours, 0 or more');
      const dryRun = flags.has('--dry-run');
      const sweepNow = createSweeperHandler({
        dynamodb: target.dynamodb,
        sqs: target.sqs,
        tableName: target.tableName,
        eventsQueueUrl: target.eventsQueueUrl,
        lookbackHours,
      });
      let report: SweepReport;
      try {
        report = await sweepNow(undefined, { dryRun });
      } catch (error) {
        if (!(error instanceof SweepFailedError)) throw error;
        for (const line of formatSweep(error.report)) io.print(line);
        throw error;
      }
      if (json) io.print(JSON.stringify(report, null, 2));
      else for (const line of formatSweep(report)) io.print(line);
      return;
    }
    case 'stats': {
      const rows = deliveryStats(await readMessageFacts(target.dynamodb, target.tableName, text(flags, '--provider')));
      const hours = Number(text(flags, '--hours') ?? 24);
      if (!(hours > 0)) throw new UsageError('--hours takes a number of hours above 0');
      const counts = await target.refusals?.(hours, text(flags, '--namespace') ?? METRICS.namespace);
      const refusalRows: RefusalRow[] | undefined = counts ? refusalStats(counts) : undefined;
      if (json) io.print(JSON.stringify({ delivery: rows, refusals: refusalRows ?? null }, null, 2));
      else for (const line of formatStats(rows, refusalRows)) io.print(line);
      return;
    }
    case undefined:
      throw new UsageError('no command');
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const print = (line: string) => void process.stdout.write(`${line}\n`);
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.flags.has('--help') || parsed.words[0] === 'help') {
    print(USAGE);
    return 0;
  }
  const stack = text(parsed.flags, '--stack');
  let target: OpsTarget;
  try {
    target = stack
      ? await stackTarget(stack, text(parsed.flags, '--region'))
      : runningLocalTarget(path.resolve(text(parsed.flags, '--data-dir') ?? (process.env.DATA_DIR || '.data')));
  } catch (error) {
    process.stderr.write(`ops: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    await runCommand(target, parsed, { print });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`ops: ${(error as Error).message}\n`);
    return 1;
  } finally {
    target.close();
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
