/**
 * `npm run ops` as a process: usage, exit codes, and finding a running `npm start` through its runtime file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LocalPipeline } from '../../local/pipeline';
import { startTestPipeline } from '../pipeline/support';
import { startSqs, type TestSqs } from '../support/sqs';

const ROOT = path.resolve(__dirname, '../..');

function ops(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsxCli = require.resolve('tsx/cli', { paths: [ROOT] });
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsxCli, path.join(ROOT, 'ops/cli.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: '' } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run ops', () => {
  let sqs: TestSqs;
  let pipeline: LocalPipeline;
  let dataDir: string;

  beforeAll(async () => {
    sqs = await startSqs();
    pipeline = await startTestPipeline(sqs);
    dataDir = mkdtempSync(path.join(tmpdir(), 'ops-cli-'));
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await pipeline?.stop();
    await sqs?.stop();
  });

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await ops(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run ops -- <command>/);
    for (const command of ['rejected', 'dlq', 'redrive', 'renormalize', 'export', 'stats', 'queues', '--stack']) expect(stdout).toContain(command);
  });

  it('a wrong command line exits 2 with the reason and the usage; no running npm start exits 1 saying how to start one', async () => {
    const wrong = await ops(['stats', '--frobnicate']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^unknown option --frobnicate\n\nUsage:/);
    const none = await ops(['stats', '--data-dir', dataDir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('start the pipeline first with `npm start`');
  });

  it('finds the running pipeline through DATA_DIR/runtime.json', async () => {
    writeFileSync(
      path.join(dataDir, 'runtime.json'),
      JSON.stringify({ pid: process.pid, url: pipeline.url, endpoints: pipeline.endpoints, resources: pipeline.resources }),
    );
    const { code, stdout } = await ops(['queues', '--data-dir', dataDir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^events\s+0 waiting\s+0 in flight$/m);
    expect(stdout).toMatch(/^events dead letters\s+0 waiting/m);
    const missing = await ops(['export', 'webcom', 'nope', '--data-dir', dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`ops: no message webcom/nope on ${pipeline.url}\n`);
  });
});
