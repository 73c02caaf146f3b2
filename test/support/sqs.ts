/**
 * The embedded SQS engine for jest suites: fauxqs in a child process on 127.0.0.1 and a free port, plus a client
 * and helpers. Call `startSqs()` in `beforeAll` and `stop()` in `afterAll`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { localSqsClient } from '../../local/engines/clients';

const ROOT = path.resolve(__dirname, '../..');

export interface TestSqs {
  readonly endpoint: string;
  readonly client: SQSClient;
  stop(): Promise<void>;
}

export async function startSqs(): Promise<TestSqs> {
  const tsxCli = require.resolve('tsx/cli', { paths: [ROOT] });
  const child: ChildProcess = spawn(process.execPath, [tsxCli, path.join(ROOT, 'local/engines/serve-sqs.ts')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sqs engine did not start in 30 s: ${stderr}`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { endpoint: string }).endpoint);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sqs engine exited with ${code}: ${stderr}`));
    });
  });
  const client = localSqsClient(endpoint);
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
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
