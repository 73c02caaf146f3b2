import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The package.json scripts that take no arguments of their own (jest, tsc, cdk and biome have their own --help). */
const WITHOUT_ARGUMENTS = ['test', 'test:unit', 'typecheck', 'build', 'synth', 'check:contract', 'lint', 'format'];
const WITH_ARGUMENTS = Object.keys(scripts).filter((name) => !WITHOUT_ARGUMENTS.includes(name));

/** What a script could write in the repository when it does more than print its usage. */
const WATCHED = ['README.md', 'docs/events.md', 'bench-results.json', ...readdirSync(path.join(ROOT, 'schemas')).map((file) => `schemas/${file}`)];
const snapshot = () => WATCHED.map((file) => (existsSync(path.join(ROOT, file)) ? readFileSync(path.join(ROOT, file), 'utf8') : undefined));

/** Folders that node and tsx make in TMPDIR on their own (compile caches). */
const CACHES = /^(tsx-\d+|node-compile-cache)$/;

/** Runs `npm run <name> -- <args>` as npm would (the script's command line in a shell), without npm itself. */
function runScript(name: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = `${scripts[name]} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: ROOT,
      env: { ...env, PATH: [path.dirname(process.execPath), path.join(ROOT, 'node_modules', '.bin'), env.PATH].join(path.delimiter) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('--help on every script that takes arguments', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'script-help-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it('covers the scripts that take arguments', () => {
    expect(WITH_ARGUMENTS).toEqual(
      expect.arrayContaining(['start', 'simulate', 'tail', 'bench', 'chaos', 'schemas', 'docs:providers', 'docs:events']),
    );
  });

  it.each(WITH_ARGUMENTS)('npm run %s -- --help prints its usage, exits 0 and does nothing else', async (name) => {
    const before = snapshot();
    const dataDir = path.join(scratch, 'data');
    const temporary = mkdtempSync(path.join(scratch, 'tmp-'));
    const { code, stdout, stderr } = await runScript(name, ['--help'], { ...process.env, DATA_DIR: dataDir, TMPDIR: temporary, PORT: '0' });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: npm (start|run [a-z:]+)/m);
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(temporary).filter((entry) => !CACHES.test(entry))).toEqual([]);
    expect(snapshot()).toEqual(before);
  });

  it('an unknown option prints the usage on stderr and exits 2, writing nothing', async () => {
    const before = snapshot();
    const { code, stdout, stderr } = await runScript('schemas', ['--bogus'], process.env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/unknown option --bogus[\s\S]*Usage: npm run schemas/);
    expect(snapshot()).toEqual(before);
  });
});
