/**
 * The embedded DynamoDB engine: dynalite, in-process, on 127.0.0.1.
 *
 * On disk under `dataDir` (LevelDB through `classic-level`, whose prebuilt binaries load without its install
 * script), in memory when `dataDir` is undefined. Tables become ACTIVE at once: dynalite's default half-second
 * CREATING state only slows a local start down. dynalite has neither TransactWriteItems nor the TTL API; the store
 * is designed to need neither (see `functions/store`).
 */
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { listenOnLoopback } from '../listen';

export interface DynamoEngine {
  /** `http://127.0.0.1:<port>`: give every DynamoDB client this endpoint explicitly. */
  readonly endpoint: string;
  readonly port: number;
  /** Closes open connections, the server and the LevelDB store (so another engine may open the same `dataDir`). */
  stop(): Promise<void>;
}

export interface DynamoEngineOptions {
  /** Where the tables live; in memory when undefined. Created if missing. */
  readonly dataDir?: string;
  /** @default 0 (a free port) */
  readonly port?: number;
}

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite ships no type declarations; this is the one function of it we use.
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

/**
 * Starts dynalite on loopback.
 *
 * @example
 * ```ts
 * import { localDynamoClient } from './clients';
 * const engine = await startDynamoEngine({ dataDir: '.data/dynamodb' });
 * const client = localDynamoClient(engine.endpoint);
 * // …
 * await engine.stop();
 * ```
 */
export async function startDynamoEngine(options: DynamoEngineOptions = {}): Promise<DynamoEngine> {
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listenOnLoopback(server, options.port);
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      (stopping ??= new Promise<void>((resolve, reject) => {
        // The SDK keeps connections alive; without this, close() waits for them to time out.
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      })),
  };
}
