import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CredentialsUnavailableError,
  InvalidCredentialsError,
  fileCredentialSource,
  secretsManagerCredentialSource,
  staticCredentialSource,
} from '../../../functions/ingest/credentials';
import { DEV_CREDENTIALS_FILE } from '../../support/requests';
import { captureOutput, startFakeSecretsManager, type CapturedOutput, type FakeSecretsManager } from './harness';

const MINUTE = 60_000;
const OLD = { headers: { 'X-Toast-Webhook-Signature': ['old-signature-value'] } };
const NEW = { headers: { 'X-Toast-Webhook-Signature': ['new-signature-value'] } };

let output: CapturedOutput;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

describe('fileCredentialSource', () => {
  let dir: string;
  let file: string;
  let clock: number;
  const write = (document: unknown) => writeFileSync(file, typeof document === 'string' ? document : JSON.stringify(document));
  const source = () => fileCredentialSource(file, { now: () => clock });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'credentials-'));
    file = path.join(dir, 'credentials.json');
    clock = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the dev file shipped in the repo', async () => {
    await expect(fileCredentialSource(DEV_CREDENTIALS_FILE).get('webcom')).resolves.toEqual({
      tokens: ['dev-webcom-token-0123456789abcdef'],
    });
  });

  it('answers undefined (nothing configured) for a provider without an entry', async () => {
    write({ webcom: { tokens: ['t-0123456789abcdef'] } });
    await expect(source().get('nhncloud-sms')).resolves.toBeUndefined();
  });

  it('ignores keys starting with an underscore', async () => {
    write({ _readme: 'comment', 'nhncloud-sms': { ...OLD, _note: 'rotated in May' } });
    await expect(source().get('nhncloud-sms')).resolves.toEqual(OLD);
  });

  it('reports a malformed entry as invalid, naming the field', async () => {
    write({ 'nhncloud-sms': { headers: { 'X-Toast-Webhook-Signature': [''] } } });
    const error = await source().get('nhncloud-sms').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).detail).toContain('headers.X-Toast-Webhook-Signature.0');
  });

  it('reports a file that is not JSON as invalid', async () => {
    write('{ "nhncloud-sms": ');
    await expect(source().get('nhncloud-sms')).rejects.toBeInstanceOf(InvalidCredentialsError);
  });

  it('reports a missing file as unavailable', async () => {
    await expect(source().get('nhncloud-sms')).rejects.toBeInstanceOf(CredentialsUnavailableError);
  });

  it('reads once and serves the cached copy afterwards', async () => {
    write({ 'nhncloud-sms': OLD });
    const credentials = source();
    await credentials.get('nhncloud-sms');
    write({ 'nhncloud-sms': NEW });
    await expect(credentials.get('nhncloud-sms')).resolves.toEqual(OLD);
  });

  it('re-reads on refresh only once a minute has passed since the last read', async () => {
    write({ 'nhncloud-sms': OLD });
    const credentials = source();
    await credentials.get('nhncloud-sms');
    write({ 'nhncloud-sms': NEW });
    clock += MINUTE - 1;
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(OLD);
    clock += 1;
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(NEW);
  });

  it('returns the same object until it re-reads, so derived digests are computed once', async () => {
    write({ 'nhncloud-sms': OLD });
    const credentials = source();
    expect(await credentials.get('nhncloud-sms')).toBe(await credentials.get('nhncloud-sms', { refresh: true }));
  });
});

describe('staticCredentialSource', () => {
  it('serves a fixed document of the file shape', async () => {
    await expect(staticCredentialSource({ webcom: { tokens: ['t-0123456789abcdef'] } }).get('webcom')).resolves.toEqual({
      tokens: ['t-0123456789abcdef'],
    });
  });
});

describe('secretsManagerCredentialSource', () => {
  let secrets: FakeSecretsManager;
  let clock: number;
  const source = () => secretsManagerCredentialSource(secrets.client, 'webhooks/nhncloud-sms', { now: () => clock });

  beforeEach(async () => {
    secrets = await startFakeSecretsManager(JSON.stringify(OLD));
    clock = 1_000_000;
  });
  afterEach(async () => {
    await secrets.stop();
  });

  it('reads a secret holding one provider entry', async () => {
    await expect(source().get('nhncloud-sms')).resolves.toEqual(OLD);
  });

  it('reads a secret of the file shape, keyed by provider', async () => {
    secrets.setSecret(JSON.stringify({ _readme: 'x', 'nhncloud-sms': NEW, webcom: { tokens: ['t-0123456789abcdef'] } }));
    await expect(source().get('nhncloud-sms')).resolves.toEqual(NEW);
  });

  it('treats the stack\'s initial empty document as nothing configured', async () => {
    secrets.setSecret('{}');
    await expect(source().get('nhncloud-sms')).resolves.toBeUndefined();
  });

  it('treats a secret that does not exist as nothing configured', async () => {
    secrets.setSecret(undefined);
    await expect(source().get('nhncloud-sms')).resolves.toBeUndefined();
  });

  it('calls Secrets Manager once for any number of reads', async () => {
    const credentials = source();
    for (let i = 0; i < 20; i++) await credentials.get('nhncloud-sms');
    expect(secrets.calls()).toBe(1);
  });

  it('shares one call between concurrent first reads', async () => {
    const credentials = source();
    await Promise.all(Array.from({ length: 10 }, () => credentials.get('nhncloud-sms')));
    expect(secrets.calls()).toBe(1);
  });

  it('re-reads at most once a minute however many refreshes are asked for', async () => {
    const credentials = source();
    await credentials.get('nhncloud-sms');
    for (let second = 0; second < 180; second++) {
      await credentials.get('nhncloud-sms', { refresh: true });
      clock += 1_000;
    }
    // The first read, then one at 60 s and one at 120 s.
    expect(secrets.calls()).toBe(3);
  });

  it('picks up a rotated secret on the first refresh a minute after the last read', async () => {
    const credentials = source();
    await credentials.get('nhncloud-sms');
    secrets.setSecret(JSON.stringify(NEW));
    clock += MINUTE;
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(NEW);
  });

  it('re-reads a copy five minutes old on the next request, so a retired value stops working', async () => {
    secrets.setSecret(JSON.stringify({ headers: { 'X-Toast-Webhook-Signature': ['new-signature-value', 'old-signature-value'] } }));
    const credentials = source();
    await credentials.get('nhncloud-sms');
    secrets.setSecret(JSON.stringify(NEW));
    clock += 5 * MINUTE - 1;
    expect((await credentials.get('nhncloud-sms'))?.headers?.['X-Toast-Webhook-Signature']).toHaveLength(2);
    clock += 1;
    await expect(credentials.get('nhncloud-sms')).resolves.toEqual(NEW);
    expect(secrets.calls()).toBe(2);
  });

  it('keeps serving the cached copy when a refresh fails, and does not retry it for a minute', async () => {
    const credentials = source();
    await credentials.get('nhncloud-sms');
    secrets.failNext(100);
    clock += MINUTE;
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(OLD);
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(OLD);
    expect(secrets.calls()).toBe(2);
  });

  it('reports a failed first read as unavailable and does not call again within a second', async () => {
    secrets.failNext(1);
    const credentials = source();
    await expect(credentials.get('nhncloud-sms')).rejects.toBeInstanceOf(CredentialsUnavailableError);
    await expect(credentials.get('nhncloud-sms')).rejects.toBeInstanceOf(CredentialsUnavailableError);
    expect(secrets.calls()).toBe(1);
    clock += 1_000;
    await expect(credentials.get('nhncloud-sms')).resolves.toEqual(OLD);
    expect(secrets.calls()).toBe(2);
  });

  it('reports a secret that is not JSON as invalid', async () => {
    secrets.setSecret('X-Toast-Webhook-Signature=old');
    await expect(source().get('nhncloud-sms')).rejects.toBeInstanceOf(InvalidCredentialsError);
  });

  it('never logs the secret value', async () => {
    secrets.setSecret(JSON.stringify({ headers: { 'X-Toast-Webhook-Signature': ['very-secret-value'] }, tokens: [''] }));
    await source().get('nhncloud-sms').catch(() => undefined);
    secrets.failNext(1);
    await secretsManagerCredentialSource(secrets.client, 'other').get('nhncloud-sms').catch(() => undefined);
    expect(output.lines.join('\n')).not.toContain('very-secret-value');
  });
});
