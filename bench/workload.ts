/**
 * The end-to-end run's traffic, and how its outcome is judged. Pure (given the scripts), so a test can pin both.
 *
 * Traffic: whole messages, each one provider's life of a message as the simulator scripts it
 * (`local/scenarios`: fresh ids, realistic bodies built from the recorded fixtures, and the status the store must
 * end in), taken from the providers in turn until 90 % of the webhooks are spent; the other 10 % are repeats of
 * callbacks drawn at random; then everything is shuffled. One seed reproduces the run request for request.
 */
import { seededRandom, shuffle } from '../local/random';

/** One webhook as sent: which message it belongs to, and its body. */
export interface PlannedWebhook {
  readonly provider: string;
  readonly messageId: string;
  /** @default POST */
  readonly method?: 'GET' | 'POST';
  readonly contentType?: string;
  /** The body, or for a GET the query string. */
  readonly body: string;
  /** True for the repeats. */
  readonly duplicate: boolean;
}

/** A message and the status the store must end with. */
export interface ExpectedMessage {
  readonly provider: string;
  readonly messageId: string;
  readonly expectedStatus: string;
}

/** What a provider's scenario gives for one message (the shape of `local/scenarios` `MessageScript`). */
export interface ScriptedMessage extends ExpectedMessage {
  readonly callbacks: ReadonlyArray<{ readonly method?: 'GET' | 'POST'; readonly contentType?: string; readonly body: string }>;
}

export interface Workload {
  readonly webhooks: readonly PlannedWebhook[];
  readonly messages: readonly ExpectedMessage[];
  readonly duplicates: number;
}

export interface WorkloadOptions {
  /** Webhooks in all, repeats included. */
  readonly webhooks: number;
  /** Share of them that repeat another (0.1). */
  readonly duplicateShare: number;
  readonly seed: number;
  readonly providers: readonly string[];
  /** The `n`-th message of `provider` (n counts from 0 over the whole run, so every message gets its own ids). */
  readonly script: (provider: string, n: number) => ScriptedMessage;
}

/**
 * Plans the run: exactly `options.webhooks` webhooks, of which at least `duplicateShare` are repeats (whole
 * messages only, so the last message that fits decides the exact split), shuffled.
 */
export function buildWorkload(options: WorkloadOptions): Workload {
  if (options.providers.length === 0) throw new Error('no provider to send webhooks for');
  const random = seededRandom(options.seed);
  const originalsBudget = options.webhooks - Math.ceil(options.webhooks * options.duplicateShare);
  const originals: PlannedWebhook[] = [];
  const messages: ExpectedMessage[] = [];
  for (let n = 0; ; n++) {
    const provider = options.providers[n % options.providers.length];
    const message = options.script(provider, n);
    if (message.callbacks.length === 0) throw new Error(`the ${provider} scenario sends no callback`);
    if (originals.length + message.callbacks.length > originalsBudget) break;
    messages.push({ provider: message.provider, messageId: message.messageId, expectedStatus: message.expectedStatus });
    for (const callback of message.callbacks) {
      originals.push({
        provider: message.provider,
        messageId: message.messageId,
        method: callback.method,
        contentType: callback.contentType,
        body: callback.body,
        duplicate: false,
      });
    }
  }
  if (originals.length === 0) throw new Error(`${options.webhooks} webhooks are too few for one whole message`);
  const repeats = Array.from({ length: options.webhooks - originals.length }, () => ({
    ...originals[Math.floor(random() * originals.length)],
    duplicate: true,
  }));
  return { webhooks: shuffle([...originals, ...repeats], random), messages, duplicates: repeats.length };
}

/** How the stored statuses compare with the expected ones. */
export interface Verdict {
  /** Messages the store does not know at all. */
  readonly lost: number;
  /** Messages stored with another status than expected. */
  readonly wrongStatus: number;
  /** A few of the failures, for the printout. */
  readonly examples: readonly string[];
}

const keyOf = (provider: string, messageId: string) => `${provider}\u0000${messageId}`;

/** Judges `stored` (provider + message id → status, absent when unknown) against the expectations. */
export function judge(messages: readonly ExpectedMessage[], stored: ReadonlyMap<string, string | undefined>, keep = 5): Verdict {
  let lost = 0;
  let wrongStatus = 0;
  const examples: string[] = [];
  for (const message of messages) {
    const status = stored.get(keyOf(message.provider, message.messageId));
    if (status === undefined) {
      lost++;
      if (examples.length < keep) examples.push(`${message.provider} ${message.messageId}: not stored`);
    } else if (status !== message.expectedStatus) {
      wrongStatus++;
      if (examples.length < keep) examples.push(`${message.provider} ${message.messageId}: ${status}, expected ${message.expectedStatus}`);
    }
  }
  return { lost, wrongStatus, examples };
}

/** The key `judge` looks statuses up by. */
export const storedKey = keyOf;
