/**
 * Runs the probes (`bench/probes/*.ts`) in fresh `node` processes: no tsx, no bench code loaded, the environment
 * of a Lambda function and nothing from the shell.
 */
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import path from 'node:path';
import { FUNCTION_DEFAULTS } from '../lib/defaults';
import { REPO_ROOT } from './bundle';
import { targetOfRuntime } from './esbuild-options';
import { median } from './stats';
import type { ProbeInput, ProbeOutput } from './probes/cpu-probe';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { SigningMaterial } from '../functions/origin/types';
import { gatewayEventOf } from '../local/gateway';
import { providerRequest } from '../local/provider-requests';

/**
 * Bundles one of the bench's own helper scripts (`bench/probes/<name>.ts`) into `outdir` as plain CommonJS: not
 * minified and without the stack's options, since it measures the functions rather than being measured.
 */
export async function buildHelperScript(name: string, outdir: string): Promise<string> {
  const outfile = path.join(outdir, `${name}.js`);
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.join(__dirname, 'probes', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    target: targetOfRuntime(FUNCTION_DEFAULTS.runtime.name),
    format: 'cjs',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** Builds the import probe. */
export const buildImportProbe = (outdir: string): Promise<string> => buildHelperScript('import-probe', outdir);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly fd3: string;
}

function run(args: readonly string[], env: Readonly<Record<string, string>>, withFd3 = false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env,
      stdio: withFd3 ? ['ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
    });
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[], fd3: [] as Buffer[] };
    child.stdout?.on('data', (chunk: Buffer) => chunks.stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.stderr.push(chunk));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (chunk: Buffer) => chunks.fd3.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(chunks.stdout).toString('utf8'),
        stderr: Buffer.concat(chunks.stderr).toString('utf8'),
        fd3: Buffer.concat(chunks.fd3).toString('utf8'),
      }),
    );
  });
}

export interface ImportSubject {
  readonly name: string;
  readonly bundle: string;
  readonly env: Readonly<Record<string, string>>;
}

export interface ImportTiming {
  readonly name: string;
  /** Median of the samples. */
  readonly importMs: number;
  readonly samples: readonly number[];
}

/**
 * Cold import time of each subject: the median of `samples` fresh processes each. The subjects take turns
 * (round-robin), so a burst of load on the machine hits all of them alike instead of one.
 */
export async function measureImports(
  probe: string,
  subjects: readonly ImportSubject[],
  samples: number,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportTiming[]> {
  const timings = new Map(subjects.map((subject) => [subject.name, [] as number[]]));
  let done = 0;
  for (let round = 0; round < samples; round++) {
    for (const subject of subjects) {
      const result = await run([probe, subject.bundle], subject.env);
      const line = result.stdout.trim().split('\n').pop() ?? '';
      let parsed: { importMs?: number; network?: string[]; handler?: boolean } = {};
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        // reported below
      }
      if (result.code !== 0 || typeof parsed.importMs !== 'number') {
        throw new Error(`import probe failed for ${subject.name} (exit ${result.code}):\n${result.stderr.slice(-2000)}`);
      }
      if (parsed.network && parsed.network.length > 0) {
        throw new Error(`${subject.name} touches the network on import: ${parsed.network.join('; ')}`);
      }
      if (!parsed.handler) throw new Error(`${subject.name} does not export a handler function`);
      timings.get(subject.name)!.push(parsed.importMs);
      onProgress?.(++done, samples * subjects.length);
    }
  }
  return subjects.map((subject) => {
    const values = timings.get(subject.name)!;
    return { name: subject.name, importMs: median(values), samples: values };
  });
}

/**
 * The API Gateway event of a provider's webhook as the provider sends it (its method, its schemes, the dev credentials
 * and private keys), built and signed here by the tools' one request builder, then handed over as API Gateway would:
 * the probe itself is bundled as the Lambda is, without the signing half of the schemes (functions/origin/types.ts).
 */
export async function probeEventOf(
  provider: string,
  webhook: { readonly body: string; readonly contentType: string; readonly method?: 'GET' | 'POST' },
  material: SigningMaterial | undefined,
): Promise<APIGatewayProxyEventV2> {
  const method = webhook.method ?? 'POST';
  const request = await providerRequest(
    { provider, method, contentType: method === 'GET' ? undefined : webhook.contentType, body: webhook.body },
    { baseUrl: 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com', material },
  );
  return gatewayEventOf(request, { requestId: 'bench-request', now: new Date(1767225600000) });
}

/** Runs a built CPU probe once with `input` in `env`. */
export async function measureCpu(probe: string, input: ProbeInput, env: Readonly<Record<string, string>>): Promise<ProbeOutput> {
  const result = await run([probe], { ...env, BENCH_CPU_INPUT: JSON.stringify(input) }, true);
  const line = result.fd3.trim().split('\n').pop() ?? '';
  let parsed: Partial<ProbeOutput> & { error?: string } = {};
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    // reported below
  }
  if (result.code !== 0 || parsed.error || typeof parsed.cpuUsPerRequest !== 'number') {
    throw new Error(`CPU probe failed for ${input.provider} (exit ${result.code}): ${parsed.error ?? ''}\n${result.stderr.slice(-2000)}`);
  }
  if (parsed.statusCode === undefined || parsed.statusCode >= 300) {
    throw new Error(`CPU probe for ${input.provider} measured a refused request (status ${parsed.statusCode})`);
  }
  return parsed as ProbeOutput;
}
