/**
 * The embedded SQS (and SNS) engine: fauxqs, in-process, on 127.0.0.1.
 *
 * fauxqs's own `startFauxqs` and CLI bind 0.0.0.0, so we build its app and listen on loopback ourselves. It is an
 * ES module; tsx (npm start, scripts) imports it in-process, while jest runs it in a child process
 * (`serve-sqs.ts`, `test/support/sqs.ts`) because jest's CommonJS sandbox cannot import ES modules.
 *
 * With a `dataDir`, every queue, message, topic and subscription is written through to SQLite (`fauxqs.db` there,
 * through `node:sqlite`, hence Node ≥ 22.5) before the call that changed it is answered: a `SendMessageBatch` that
 * got its answer survives a `kill -9` of the process, and the next engine on that folder starts with it. fauxqs
 * wires this up only inside `startFauxqs`; we wire the same pieces (its stores and `PersistenceManager`) the same
 * way around our loopback listener.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface SqsEngine {
  /** `http://127.0.0.1:<port>`: give every SQS/SNS client this endpoint explicitly. */
  readonly endpoint: string;
  readonly port: number;
  /** Messages that were in flight when the previous engine on `dataDir` stopped, made visible again at start. */
  readonly releasedInFlight: number;
  stop(): Promise<void>;
}

export interface SqsEngineOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /**
   * Where the queues, topics and messages are kept (SQLite, written through on every change); in memory when
   * undefined. Created if missing. One engine per folder at a time: `npm start` holds a lock on its `DATA_DIR`.
   */
  readonly dataDir?: string;
}

/** The parts of fauxqs that `startFauxqs` composes and does not export, as its `dist` defines them. */
interface FauxqsInternals {
  readonly SqsStore: new () => SqsStoreLike;
  readonly SnsStore: new () => object;
  readonly S3Store: new () => object;
  readonly PersistenceManager: new (dataDir: string) => PersistenceManagerLike;
}

interface SqsQueueLike {
  persistence?: unknown;
}

interface SqsStoreLike {
  persistence?: unknown;
  allQueues(): Iterable<SqsQueueLike>;
}

interface PersistenceManagerLike {
  /** `node:sqlite`'s `DatabaseSync` on `<dataDir>/fauxqs.db`. */
  readonly db: { exec(sql: string): void; prepare(sql: string): { run(...values: unknown[]): { changes: number | bigint } } };
  load(sqsStore: object, snsStore: object, s3Store: object): void;
  updateMessageReady(messageId: string): void;
  close(): void;
}

/** The folder fauxqs is installed in, found the way `require` looks for a package (its exports hide `dist/*`). */
function fauxqsDirectory(): string {
  for (const modules of require.resolve.paths('fauxqs') ?? []) {
    const candidate = path.join(modules, 'fauxqs');
    if (existsSync(path.join(candidate, 'dist', 'persistence.js'))) return candidate;
  }
  throw new Error('fauxqs is not installed (npm ci), or its dist/persistence.js moved: see local/engines/sqs.ts');
}

/** Loads the pieces {@link FauxqsInternals} names; exported so a test notices when a fauxqs upgrade moves them. */
export async function loadFauxqsInternals(): Promise<FauxqsInternals> {
  const dist = path.join(fauxqsDirectory(), 'dist');
  const load = (file: string) => import(pathToFileURL(path.join(dist, file)).href) as Promise<Record<string, unknown>>;
  const [sqs, sns, s3, persistence] = await Promise.all([
    load('sqs/sqsStore.js'),
    load('sns/snsStore.js'),
    load('s3/s3Store.js'),
    load('persistence.js'),
  ]);
  const internals = { SqsStore: sqs.SqsStore, SnsStore: sns.SnsStore, S3Store: s3.S3Store, PersistenceManager: persistence.PersistenceManager };
  const missing = Object.entries(internals).filter(([, value]) => typeof value !== 'function');
  if (missing.length > 0) throw new Error(`this fauxqs has no ${missing.map(([name]) => name).join(', ')}: see local/engines/sqs.ts`);
  return internals as unknown as FauxqsInternals;
}

/**
 * Stores loaded from `dataDir` and written through to it, as `startFauxqs({ dataDir })` sets them up: the state is
 * loaded before persistence is attached, so loading does not write everything back.
 *
 * What was in flight when the last engine stopped is made visible again at once. Its receiver died with that
 * engine's process (`npm start` runs both, and holds the folder's lock), so nobody can delete it any more, and
 * waiting out the visibility timeout (3 minutes for the events queue) would only delay its retry. Its receive count
 * is kept, so a record that keeps killing the process still reaches the dead-letter queue.
 *
 * The database runs with `synchronous = NORMAL` rather than SQLite's FULL: in WAL mode every committed change is in
 * the log file before the call returns, which a killed process cannot undo; what FULL adds is an fsync per change,
 * against power loss, at 2.4 ms each on the 2-core machine it was measured on (NORMAL: 0.08 ms). Every event costs three changes
 * (sent, received, deleted), and fauxqs writes synchronously on the one thread that also serves the gateway.
 *
 * fauxqs 2.4 writes a message made visible again (`ChangeMessageVisibility` to 0, as `npm run tail -- --keep`
 * does) with its receive count set to NULL, which the table refuses (NOT NULL): the call fails with a 500. The
 * replacement below clears only the in-flight columns, as fauxqs's own load does for an expired visibility.
 */
async function persistentStores(
  dataDir: string,
): Promise<{ stores: { sqsStore: object; snsStore: object; s3Store: object }; persistence: PersistenceManagerLike; released: number }> {
  const { SqsStore, SnsStore, S3Store, PersistenceManager } = await loadFauxqsInternals();
  const persistence = new PersistenceManager(dataDir);
  persistence.db.exec('PRAGMA synchronous = NORMAL');
  const { changes } = persistence.db
    .prepare('UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE receipt_handle IS NOT NULL')
    .run();
  const makeVisible = persistence.db.prepare('UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE message_id = ?');
  persistence.updateMessageReady = (messageId) => void makeVisible.run(messageId);
  const sqsStore = new SqsStore();
  const snsStore = new SnsStore() as { persistence?: unknown };
  const s3Store = new S3Store() as { persistence?: unknown };
  persistence.load(sqsStore, snsStore, s3Store);
  sqsStore.persistence = persistence;
  snsStore.persistence = persistence;
  s3Store.persistence = persistence;
  for (const queue of sqsStore.allQueues()) queue.persistence = persistence;
  return { stores: { sqsStore, snsStore, s3Store }, persistence, released: Number(changes) };
}

/**
 * Starts fauxqs on loopback.
 *
 * @example
 * ```ts
 * import { localSqsClient } from './clients';
 * const engine = await startSqsEngine({ dataDir: '.data/sqs' });
 * const sqs = localSqsClient(engine.endpoint);
 * // …
 * await engine.stop();
 * ```
 */
export async function startSqsEngine(options: SqsEngineOptions = {}): Promise<SqsEngine> {
  const { buildApp } = await import('fauxqs');
  const persistent = options.dataDir === undefined ? undefined : await persistentStores(options.dataDir);
  const app = buildApp({ logger: false, ...(persistent ? { stores: persistent.stores as never } : {}) });
  // After the server has stopped answering, so no change is left half-written.
  if (persistent) app.addHook('onClose', async () => persistent.persistence.close());
  try {
    const endpoint = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
    return {
      endpoint,
      port: Number(new URL(endpoint).port),
      releasedInFlight: persistent?.released ?? 0,
      stop: async () => {
        await app.close();
      },
    };
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}
