/**
 * The embedded SQS engine for jest suites: fauxqs in a child process on 127.0.0.1 and a free port, plus a client
 * and helpers. Call `startSqs()` in `beforeAll` and `stop()` in `afterAll`.
 */
import { refuseInUnitTier } from './tier-guard';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { localSqsClient } from '../../local/engines/clients';

const ROOT = path.resolve(__dirname, '../..');

export interface TestSqs {
  readonly endpoint: string;
  readonly client: SQSClient;
  /** In-flight messages of the previous engine on the same `dataDir` that this one made visible at start. */
  readonly releasedInFlight: number;
  stop(): Promise<void>;
  /** Ends the engine's process with SIGKILL: no close, no flush, as a crash would. */
  kill(): Promise<void>;
}

export interface TestSqsOptions {
  /** Keep the queues there (SQLite), so a later engine on the same folder starts with them. @default in memory */
  readonly dataDir?: string;
}

export async function startSqs(options: TestSqsOptions = {}): Promise<TestSqs> {
  refuseInUnitTier('an embedded engine');
  const tsxCli = require.resolve('tsx/cli', { paths: [ROOT] });
  const child: ChildProcess = spawn(process.execPath, [tsxCli, path.join(ROOT, 'local/engines/serve-sqs.ts')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, DATA_DIR: options.dataDir ?? '' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const { endpoint, releasedInFlight } = await new Promise<{ endpoint: string; releasedInFlight: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sqs engine did not start in 30 s: ${stderr}`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { endpoint: string; releasedInFlight: number });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sqs engine exited with ${code}: ${stderr}`));
    });
  });
  const client = localSqsClient(endpoint);
  const end = async (signal: NodeJS.Signals) => {
    client.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    }
  };
  return { endpoint, client, releasedInFlight, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

/** Receives until `count` messages have arrived or `timeoutMs` passed; does not delete them. */
export async function receiveAll(client: SQSClient, queueUrl: string, count: number, timeoutMs = 5_000): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (messages.length < count && Date.now() < deadline) {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    messages.push(...(Messages ?? []));
  }
  return messages;
}

/** Visible + in-flight messages of a queue. */
export async function queueDepth(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}
