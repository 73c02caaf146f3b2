/**
 * Helpers of the end-to-end suites: a local pipeline on the jest-side SQS engine (fauxqs in a child process)
 * and in-process dynalite, plus requests with the dev credentials.
 */
import { providerRequest, sendRequest, signingMaterial } from '../../local/provider-requests';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalPipeline, type LocalPipeline, type LocalPipelineOptions } from '../../local/pipeline';
import type { TestSqs } from '../support/sqs';

let pipelineCount = 0;

/** A pipeline with its own queue, table and topic names on the shared engine, quiet, on a free port. */
export async function startTestPipeline(sqs: TestSqs, options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  pipelineCount += 1;
  return startLocalPipeline({
    port: 0,
    sqsEndpoint: sqs.endpoint,
    prefix: `t${process.pid}-${pipelineCount}-`,
    pollWaitSeconds: 1,
    logLevel: 'SILENT',
    ...options,
  });
}

export function tempDir(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface StoredMessage {
  provider: string;
  messageId: string;
  status: string;
  final: boolean;
  providerStatus?: string;
  history: Array<{ eventId: string; status?: string; providerStatus?: string }>;
}

/** `GET /messages/{provider}/{messageId}`: the stored message, or undefined on 404. */
export async function lookup(url: string, provider: string, messageId: string): Promise<StoredMessage | undefined> {
  const response = await fetch(`${url}/messages/${provider}/${encodeURIComponent(messageId)}`);
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) throw new Error(`lookup answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as StoredMessage;
}

/** POSTs a body to a provider's route with the dev credentials the pipeline printed. */
export async function post(
  pipeline: LocalPipeline,
  provider: string,
  body: string,
  contentType: string | undefined,
  extraHeaders: Record<string, string> = {},
  method: 'GET' | 'POST' = 'POST',
): Promise<{ status: number; body: string }> {
  if (!pipeline.routes.some((item) => item.provider === provider)) throw new Error(`no route for ${provider}`);
  // Signed with the dev credentials by the provider's own schemes; extra headers go on after signing.
  const request = await providerRequest({ provider, method, contentType, body }, { baseUrl: pipeline.url, material: signingMaterial(provider) });
  const response = await sendRequest({ ...request, headers: { ...request.headers, ...extraHeaders } });
  return { status: response.status, body: await response.text() };
}
