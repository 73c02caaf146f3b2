import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataDirInUseError, LOCK_FILE_NAME, isRunningNode, lockDataDir } from '../../local/data-dir-lock';

describe('the DATA_DIR lock of npm start', () => {
  let dataDir: string;
  const lockFile = () => path.join(dataDir, LOCK_FILE_NAME);
  const owner = () => JSON.parse(readFileSync(lockFile(), 'utf8')) as { pid: number; url?: string };
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'data-dir-lock-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is taken on a free folder, names its owner and URL, and is gone after release', () => {
    const lock = lockDataDir(dataDir);
    expect(owner()).toMatchObject({ pid: process.pid });
    lock.serving('http://127.0.0.1:3000');
    expect(owner()).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:3000' });
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses a second start while the first runs, naming its pid and URL', () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: 4242, startedAt: '2026-01-01T00:00:00.000Z', url: 'http://127.0.0.1:3000' }));
    const attempt = () => lockDataDir(dataDir, { isRunning: (pid) => pid === 4242 });
    expect(attempt).toThrow(DataDirInUseError);
    expect(attempt).toThrow(/already running on .* \(pid 4242, http:\/\/127\.0\.0\.1:3000\)/);
    expect(owner().pid).toBe(4242);
  });

  it('takes over the lock of a process that is gone', () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: 4242, startedAt: '2026-01-01T00:00:00.000Z' }));
    const lock = lockDataDir(dataDir, { isRunning: () => false });
    expect(owner().pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock left half-written long ago, and waits for one being written now', () => {
    writeFileSync(lockFile(), '{"pid":');
    expect(() => lockDataDir(dataDir, { isRunning: () => false })).toThrow(/starting on .* right now/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockFile(), old, old);
    lockDataDir(dataDir, { isRunning: () => false }).release();
  });

  it('leaves a lock that another start has taken over since', () => {
    const lock = lockDataDir(dataDir);
    writeFileSync(lockFile(), JSON.stringify({ pid: 4242, startedAt: '2026-01-01T00:00:00.000Z' }));
    lock.release();
    expect(owner().pid).toBe(4242);
  });

  it('tells a running node process from a dead one, and never counts itself', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    try {
      expect(isRunningNode(child.pid!)).toBe(true);
      writeFileSync(lockFile(), JSON.stringify({ pid: child.pid, startedAt: '2026-01-01T00:00:00.000Z' }));
      expect(() => lockDataDir(dataDir)).toThrow(new RegExp(`pid ${child.pid}`));
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    expect(isRunningNode(child.pid!)).toBe(false);
    expect(isRunningNode(process.pid)).toBe(false);
    lockDataDir(dataDir).release();
  });
});
