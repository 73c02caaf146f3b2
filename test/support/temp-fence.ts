/**
 * Jest's global setup and teardown for temporary folders: every suite, and every process a suite starts, gets a
 * `TMPDIR` of its own under the machine's, made fresh for the run and removed after it, so a run leaves nothing in
 * /tmp. Whatever a suite did not remove itself is named on stderr before it goes: that is a leak to fix in the suite,
 * not something to rely on this for.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const FENCE_VARIABLE = 'WEBHOOK_TEST_TMPDIR';

/** Folders that tools outside our tests make there on their own (the compile caches of tsx and of Node), never a suite's leak. */
const TOOL_CACHES = [/^tsx-\d+$/, /^node-compile-cache$/];

export async function setup(): Promise<void> {
  const fence = mkdtempSync(path.join(tmpdir(), 'webhook-tests-'));
  process.env[FENCE_VARIABLE] = fence;
  // Read by os.tmpdir() in this process, the workers jest starts after this, and every child they spawn.
  process.env.TMPDIR = fence;
}

export async function teardown(): Promise<void> {
  const fence = process.env[FENCE_VARIABLE];
  if (!fence) return;
  const left = readdirSync(fence).filter((name) => !TOOL_CACHES.some((pattern) => pattern.test(name)));
  if (left.length > 0) process.stderr.write(`temporary files left behind by the tests (removed now): ${left.join(', ')}\n`);
  rmSync(fence, { recursive: true, force: true });
}
