/**
 * `npm run simulate -- <provider|all> [scenario] [--url URL] [--secrets FILE]`: sends realistic callbacks, built
 * from the recorded fixtures, with the right credentials, to the local gateway (`npm start`) or a deployed one,
 * and prints what it sent and what came back. Against a local gateway it then reads each message back through
 * `GET /messages/{provider}/{messageId}` and checks the stored status.
 *
 * Scenarios (each one a new message, so runs never interfere):
 * - `happy`: the message's statuses in the order they happen;
 * - `shuffled`: the same, out of order;
 * - `duplicates`: every callback twice, every other one twice at the same time;
 * - `fixtures`: every valid recorded body of the provider as is (other event types too; no status check);
 * - `all`: all of the above.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { adapterFor, hasHttpRoute, providerIds } from '../functions/providers';
import type { ProviderAdapter } from '../functions/providers/types';
import { maskedUrl, providerRequest, sendRequest, signingMaterial } from './provider-requests';
import { seededRandom, shuffle } from './random';
import { DEV_SECRETS_FILE, loadFixtures, providerScenarios, type Callback, type MessageScript } from './scenarios';

export const SCENARIOS = ['happy', 'shuffled', 'duplicates', 'fixtures'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface SimulationOptions {
  /** A provider id, or `all`. */
  readonly provider: string;
  /** @default 'happy'; `all` runs every scenario */
  readonly scenario?: ScenarioName | 'all';
  /** Base URL of the gateway, e.g. `http://127.0.0.1:3000` or a deployed API's URL. */
  readonly url: string;
  /** @default config/credentials.dev.json */
  readonly secretsFile?: string;
  /** Private keys of asymmetric schemes (Telnyx). @default config/signing.dev.json */
  readonly signingFile?: string;
  /** Adapters beyond the registry's (a test's own provider), found by id before the registry's. */
  readonly adapters?: readonly ProviderAdapter[];
  /** Where the `fixtures` scenario reads `<provider>/` from. @default test/events */
  readonly fixturesDir?: string;
  /** Read the stored statuses back. @default true for a loopback URL (the lookup route is IAM-only on AWS) */
  readonly verify?: boolean;
  /** How long to wait for the consumer to store the expected status. @default 15000 */
  readonly verifyTimeoutMs?: number;
  /** Makes message ids (and the shuffle) reproducible. @default derived from the clock */
  readonly seed?: number;
  /** @default process.stdout */
  readonly print?: (line: string) => void;
}

/** One callback sent and its answer. */
export interface SentCallback {
  readonly scenario: ScenarioName;
  readonly provider: string;
  readonly label: string;
  readonly statusCode: number;
  readonly reply: string;
}

/** One scripted message and what the store holds for it. */
export interface MessageOutcome {
  readonly scenario: ScenarioName;
  readonly provider: string;
  readonly messageId: string;
  readonly expectedStatus: string;
  /** Absent when not verified or not found in time. */
  readonly storedStatus?: string;
}

export interface SimulationResult {
  readonly sent: readonly SentCallback[];
  readonly messages: readonly MessageOutcome[];
  /** Every reply 2xx and, when verified, every message in its expected status. */
  readonly ok: boolean;
}

/** Callbacks grouped into rounds: a round's callbacks go out at the same time, rounds one after the other. */
type Rounds = Callback[][];

/** A permutation that is never the original order (for two or more items). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = shuffle(items, seededRandom(seed));
  return out.every((item, index) => item === items[index]) ? items.slice().reverse() : out;
}

/** How each status scenario delivers one message's callbacks. */
const DELIVERIES: Readonly<Record<Exclude<ScenarioName, 'fixtures'>, (callbacks: readonly Callback[], seed: number) => Rounds>> = {
  happy: (callbacks) => callbacks.map((callback) => [callback]),
  shuffled: (callbacks, seed) => shuffled(callbacks, seed).map((callback) => [callback]),
  duplicates: (callbacks) => callbacks.flatMap((callback, index) => (index % 2 === 0 ? [[callback, callback]] : [[callback], [callback]])),
};

/** Whether the lookup route can be read without AWS credentials: only on this machine. */
export function isLoopback(url: string): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
}

const oneLine = (text: string, max = 120) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

/**
 * Runs the scenarios and returns what was sent and stored; prints as it goes.
 *
 * @example
 * ```ts
 * const result = await simulate({ provider: 'webcom', scenario: 'shuffled', url: 'http://127.0.0.1:3000' });
 * process.exitCode = result.ok ? 0 : 1;
 * ```
 */
export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const print = options.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const base = options.url.replace(/\/+$/, '');
  const secretsFile = path.resolve(options.secretsFile ?? DEV_SECRETS_FILE);
  const verify = options.verify ?? isLoopback(base);
  const seed = options.seed ?? Date.now() * 10;
  const scenarios = options.scenario === undefined ? ['happy' as const] : options.scenario === 'all' ? SCENARIOS : [options.scenario];
  const extra = new Map((options.adapters ?? []).map((adapter) => [adapter.id, adapter]));
  const known = [...new Set<string>([...providerIds, ...extra.keys()])];
  const selected = options.provider === 'all' ? known : [options.provider];
  const sent: SentCallback[] = [];
  const messages: MessageOutcome[] = [];
  let seedOffset = 0;

  for (const provider of selected) {
    if (!known.includes(provider)) throw new Error(`unknown provider "${provider}"; one of: ${known.join(', ')}, all`);
    const adapter = extra.get(provider);
    const material = signingMaterial(provider, secretsFile, options.signingFile);
    const http = hasHttpRoute(adapter ?? adapterFor(provider));
    if (!material && http) print(`! ${secretsFile} has no credentials for ${provider}: expect 401`);
    if (!http && !verify) print(`! ${provider} has no HTTP route: its records go to npm start's local /aws-events/${provider} only`);
    const fixtures = options.fixturesDir ? loadFixtures(provider, options.fixturesDir) : loadFixtures(provider);

    const send = async (scenario: ScenarioName, callback: Callback): Promise<void> => {
      // Signed as the provider signs, by the same schemes the ingest verifies with.
      const request = await providerRequest({ provider, ...callback }, { baseUrl: base, material, adapter });
      const response = await sendRequest(request);
      const reply = await response.text();
      sent.push({ scenario, provider, label: callback.label, statusCode: response.status, reply });
      print(`  → ${callback.label.padEnd(38)} ${response.status}  ${oneLine(reply)}`);
    };
    const shownUrl = maskedUrl((await providerRequest({ provider, body: '' }, { baseUrl: base, material, adapter })).url);

    for (const scenario of scenarios) {
      print(`\n${provider} · ${scenario} · POST ${shownUrl}`);
      if (scenario === 'fixtures') {
        for (const fixture of fixtures)
          await send(scenario, { label: fixture.name, method: fixture.method, contentType: fixture.contentType, body: fixture.body });
        continue;
      }
      const scenarioOf = providerScenarios[provider];
      if (!scenarioOf) {
        print(`  (no scripted message for ${provider}: its fixtures are sent by the "fixtures" scenario)`);
        continue;
      }
      seedOffset += 1;
      const script: MessageScript = scenarioOf.script(fixtures, seed + seedOffset, new Date(Date.now() - 60_000));
      print(`  message ${script.messageId}, expected to end as ${script.expectedStatus}`);
      for (const round of DELIVERIES[scenario](script.callbacks, seed + seedOffset)) {
        await Promise.all(round.map((callback) => send(scenario, callback)));
      }
      messages.push({ scenario, provider, messageId: script.messageId, expectedStatus: script.expectedStatus });
    }
  }

  if (verify && messages.length > 0) {
    print('\nstored statuses (GET /messages/{provider}/{messageId}):');
    const deadline = Date.now() + (options.verifyTimeoutMs ?? 15_000);
    for (const [index, message] of messages.entries()) {
      const storedStatus = await storedStatusOf(base, message, deadline);
      messages[index] = { ...message, ...(storedStatus ? { storedStatus } : {}) };
      const mark = storedStatus === message.expectedStatus ? '✓' : '✗';
      print(
        `  ${mark} ${message.provider} ${message.messageId} (${message.scenario}): ${storedStatus ?? 'not found'}, expected ${message.expectedStatus}`,
      );
    }
  } else if (messages.length > 0) {
    print('\n(not reading statuses back: the lookup route of a deployed API needs IAM credentials)');
  }

  const ok =
    sent.every((item) => item.statusCode >= 200 && item.statusCode < 300) &&
    (!verify || messages.every((message) => message.storedStatus === message.expectedStatus));
  return { sent, messages, ok };
}

/** Polls the lookup route until the expected status is stored or the deadline passes; the last status seen. */
async function storedStatusOf(base: string, message: MessageOutcome, deadline: number): Promise<string | undefined> {
  let last: string | undefined;
  for (;;) {
    const response = await fetch(`${base}/messages/${message.provider}/${encodeURIComponent(message.messageId)}`);
    if (response.ok) last = ((await response.json()) as { status?: string }).status;
    else await response.body?.cancel();
    if (last === message.expectedStatus || Date.now() > deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const HELP = `Send realistic provider callbacks to the webhook gateway.

Usage: npm run simulate -- <provider|all> [scenario] [--url URL] [--secrets FILE] [--no-verify]

  provider     ${providerIds.join(', ')}, or all
  scenario     happy       one message through its statuses, in order (default)
               shuffled    the same statuses out of order
               duplicates  every callback twice, some at the same time
               fixtures    every valid recorded body in test/events/<provider>/ as is
               all         every scenario above
  --url URL    gateway base URL (default: the running npm start's, from DATA_DIR/runtime.json,
               else http://127.0.0.1:$PORT or :3000)
  --secrets F  credentials file (default: $WEBHOOK_SECRETS_FILE or config/credentials.dev.json)
  --no-verify  do not read the stored statuses back (never done for a non-local URL)

Exit code 0 when every reply is 2xx and every message ends in its expected status.
Example: npm run simulate -- webcom shuffled`;

/** The URL of the running `npm start`, from the runtime file it writes, else the default port. */
function defaultUrl(env: NodeJS.ProcessEnv): string {
  try {
    const runtime = JSON.parse(readFileSync(path.resolve(env.DATA_DIR || '.data', 'runtime.json'), 'utf8')) as { url?: string };
    if (runtime.url) return runtime.url;
  } catch {
    // not running, or started elsewhere
  }
  return `http://127.0.0.1:${env.PORT || 3000}`;
}

/** Parses the command line; `undefined` means "print the help". */
export function parseArguments(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SimulationOptions | undefined {
  const positional: string[] = [];
  let url: string | undefined;
  let secretsFile = env.WEBHOOK_SECRETS_FILE || undefined;
  let verify: boolean | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--help' || argument === '-h') return undefined;
    else if (argument === '--url') url = argv[++index];
    else if (argument === '--secrets') secretsFile = argv[++index];
    else if (argument === '--no-verify') verify = false;
    else if (argument.startsWith('--')) throw new Error(`unknown option ${argument}`);
    else positional.push(argument);
  }
  const [provider, scenario] = positional;
  if (!provider) return undefined;
  if (scenario !== undefined && scenario !== 'all' && !(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new Error(`unknown scenario "${scenario}"; one of: ${SCENARIOS.join(', ')}, all`);
  }
  return {
    provider,
    scenario: scenario as ScenarioName | 'all' | undefined,
    url: url ?? defaultUrl(env),
    secretsFile,
    verify: verify === false ? false : undefined,
  };
}

async function main(): Promise<void> {
  let options: SimulationOptions | undefined;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}\n`);
    process.exit(2);
  }
  if (!options) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  try {
    const result = await simulate(options);
    process.exitCode = result.ok ? 0 : 1;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const hint = cause?.code === 'ECONNREFUSED' ? ` (is \`npm start\` running at ${options.url}?)` : '';
    process.stderr.write(`simulate: ${(error as Error).message}${hint}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
