/**
 * One `npm start` per `DATA_DIR`. Two pipelines on one folder would share a LevelDB (dynalite refuses the second
 * with a stack trace) and a SQLite queue store (both would poll the same messages). The lock is a file,
 * `<DATA_DIR>/npm-start.lock`, holding the owner's pid and, once it serves, its URL:
 *
 * - created with `O_EXCL`, so of two starts at once exactly one wins;
 * - a lock whose pid is no longer a running node process (a `kill -9`, a crash, a reboot) is stale and taken over,
 *   by renaming it aside first, so two starts racing for a stale lock cannot both take it;
 * - removed by the owner when it stops.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/** What the lock file holds. */
export interface LockOwner {
  readonly pid: number;
  readonly startedAt: string;
  /** The gateway's URL, once it serves. */
  readonly url?: string;
}

/** Another `npm start` holds the folder. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  /** `owner` is undefined when the other start is writing the lock this very moment. */
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      owner === undefined
        ? `another npm start is starting on ${dataDir} right now. Use that one, or give this one another DATA_DIR.`
        : `npm start is already running on ${dataDir} (pid ${owner.pid}, ${owner.url ?? 'still starting'}). ` +
            `Use that one, stop it first (Ctrl-C in its terminal, or kill ${owner.pid}), or give this one another DATA_DIR.`,
    );
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Records the URL, for the message a second start prints. */
  serving(url: string): void;
  /** Removes the lock if it is still ours. */
  release(): void;
}

export interface LockOptions {
  /** Whether `pid` is a running `npm start`. @default {@link isRunningNode} */
  readonly isRunning?: (pid: number) => boolean;
}

export const LOCK_FILE_NAME = 'npm-start.lock';

/** A lock file younger than this that cannot be read yet is being written by a start that just won it. */
const FRESH_MS = 5_000;

/**
 * True when `pid` is a live process other than this one that runs node. A pid the system reused for something else
 * is not an `npm start`; where /proc does not exist, any live process counts, the safe side.
 */
export function isRunningNode(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /(?:^|\/)node(?:js)?(?:\0|$)/.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return true;
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * Takes the lock on `dataDir` (which must exist), or throws {@link DataDirInUseError} naming the running one.
 *
 * @example
 * ```ts
 * const lock = lockDataDir('.data');
 * // … start, then lock.serving(url); on exit lock.release()
 * ```
 */
export function lockDataDir(dataDir: string, options: LockOptions = {}): DataDirLock {
  const isRunning = options.isRunning ?? isRunningNode;
  const file = path.join(dataDir, LOCK_FILE_NAME);
  const owner: LockOwner = { pid: process.pid, startedAt: new Date().toISOString() };
  const write = (content: LockOwner) => writeFileSync(file, `${JSON.stringify(content)}\n`);

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, `${JSON.stringify(owner)}\n`);
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        file,
        serving: (url) => write({ ...owner, url }),
        release: () => {
          if (released) return;
          released = true;
          if (readOwner(file)?.pid === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }

    const holder = readOwner(file);
    if (holder === undefined) {
      // Unreadable: either a start is writing it this instant, or a crash left it half-written.
      let age: number;
      try {
        age = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue; // gone meanwhile: try again
      }
      if (age < FRESH_MS) throw new DataDirInUseError(dataDir, undefined);
    } else if (isRunning(holder.pid)) {
      throw new DataDirInUseError(dataDir, holder);
    }

    // Stale: move it aside (atomic), and check that what moved is the stale lock and not a start's fresh one.
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue;
      throw error;
    }
    const moved = readOwner(aside);
    if (moved !== undefined && holder !== undefined && moved.pid !== holder.pid) {
      // Another start took the stale lock over between our read and our rename: give it back (unless yet another
      // start holds the name by now), and look again.
      try {
        linkSync(aside, file);
      } catch {
        // the name is taken again: the next look decides
      }
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`could not take the lock ${file}: it keeps changing hands`);
}
