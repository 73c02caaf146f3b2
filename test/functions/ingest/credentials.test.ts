import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CredentialsUnavailableError,
  InvalidCredentialsError,
  extensionCredentialSource,
  fileCredentialSource,
  staticCredentialSource,
  type ExtensionCredentialSourceOptions,
} from '../../../functions/ingest/credentials';
import { DEV_CREDENTIALS_FILE } from '../../support/requests';
import { captureOutput, startFakeSecretsExtension, type CapturedOutput, type FakeSecretsExtension } from './harness';

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
    const error = await source()
      .get('nhncloud-sms')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).detail).toContain('headers.X-Toast-Webhook-Signature.0');
  });

  it('reports a file that is not JSON as invalid, as a fault of the whole document rather than of one provider', async () => {
    write('{ "nhncloud-sms": ');
    const error = await source()
      .get('nhncloud-sms')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).message).toBe('the credentials document is invalid: not valid JSON');
    expect((error as InvalidCredentialsError).wholeDocument).toBe(true);
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

describe('extensionCredentialSource', () => {
  let extension: FakeSecretsExtension;
  let clock: number;
  const source = (options: Partial<ExtensionCredentialSourceOptions> = {}) =>
    extensionCredentialSource(extension.secretId, { ...extension.connection, now: () => clock, ...options });

  beforeEach(async () => {
    extension = await startFakeSecretsExtension(JSON.stringify(OLD));
    clock = 1_000_000;
  });
  afterEach(async () => {
    await extension.stop();
  });

  it('reads a secret holding one provider entry', async () => {
    await expect(source().get('nhncloud-sms')).resolves.toEqual(OLD);
  });

  it('reads a secret of the file shape, keyed by provider', async () => {
    extension.setSecret(JSON.stringify({ _readme: 'x', 'nhncloud-sms': NEW, webcom: { tokens: ['t-0123456789abcdef'] } }));
    await expect(source().get('nhncloud-sms')).resolves.toEqual(NEW);
  });

  it('reads a binary secret holding the document in UTF-8', async () => {
    const SecretBinary = Buffer.from(JSON.stringify(NEW), 'utf8').toString('base64');
    extension.answerNext(200, JSON.stringify({ ARN: extension.secretId, Name: 'webhooks/nhncloud-sms', SecretBinary, VersionId: 'v2' }));
    await expect(source().get('nhncloud-sms')).resolves.toEqual(NEW);
  });

  it('asks for the secret by its whole id, characters like + = @ / : intact', async () => {
    await extension.stop();
    extension = await startFakeSecretsExtension(JSON.stringify(NEW), {
      secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhooks/a+b=c@d.e_f-AbCdEf',
    });
    await expect(source().get('nhncloud-sms')).resolves.toEqual(NEW);
  });

  it('reads a one-provider secret by any of its keys, so a typo beside accounts is reported, not taken for nothing', async () => {
    extension.setSecret(JSON.stringify({ accounts: ['123'], hedaers: { 'X-Toast-Webhook-Signature': ['v'] } }));
    const error = await source()
      .get('nhncloud-sms')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCredentialsError);
  });

  it("treats the stack's initial empty document as nothing configured", async () => {
    extension.setSecret('{}');
    await expect(source().get('nhncloud-sms')).resolves.toBeUndefined();
  });

  it('treats a secret that does not exist as nothing configured', async () => {
    extension.setSecret(undefined);
    await expect(source().get('nhncloud-sms')).resolves.toBeUndefined();
  });

  it.each([
    ['alone', "ResourceNotFoundException: Secrets Manager can't find the specified secret."],
    ['after a wrapping error', "SdkClientError: ResourceNotFoundException: Secrets Manager can't find the specified secret."],
  ])('recognizes a secret that does not exist when the extension names it in plain text, %s', async (_name, body) => {
    extension.answerNext(400, body);
    await expect(source().get('nhncloud-sms')).resolves.toBeUndefined();
  });

  it.each([
    ['another Secrets Manager error', 400, JSON.stringify({ __type: 'AccessDeniedException', message: 'not authorized' })],
    ['an extension not ready yet', 400, 'not ready to serve traffic, please wait'],
    ['a refused session token', 401, 'unauthorized'],
    ['a 200 that is not a GetSecretValue result', 200, '<html>proxy</html>'],
  ])('reports %s as unavailable, not as nothing configured', async (_name, status, body) => {
    extension.answerNext(status, body);
    await expect(source().get('nhncloud-sms')).rejects.toBeInstanceOf(CredentialsUnavailableError);
  });

  it('sends the session token, and is refused without the right one', async () => {
    await expect(source({ token: 'another-session-token' }).get('nhncloud-sms')).rejects.toBeInstanceOf(CredentialsUnavailableError);
    await expect(source().get('nhncloud-sms')).resolves.toEqual(OLD);
  });

  it('reports nothing listening on the port (no extension layer) as unavailable', async () => {
    await extension.stop();
    await expect(source().get('nhncloud-sms')).rejects.toBeInstanceOf(CredentialsUnavailableError);
    extension = await startFakeSecretsExtension(JSON.stringify(OLD));
  });

  it('gives up on an extension that does not answer within the timeout', async () => {
    extension.stallNext(1);
    const started = Date.now();
    await expect(source({ timeoutMs: 200 }).get('nhncloud-sms')).rejects.toBeInstanceOf(CredentialsUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('keeps serving the cached copy when a refresh does not answer in time', async () => {
    const credentials = source({ timeoutMs: 200 });
    await credentials.get('nhncloud-sms');
    extension.setSecret(JSON.stringify(NEW));
    extension.stallNext(1);
    clock += MINUTE;
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(OLD);
    clock += MINUTE;
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(NEW);
  });

  it('calls the extension once for any number of reads', async () => {
    const credentials = source();
    for (let i = 0; i < 20; i++) await credentials.get('nhncloud-sms');
    expect(extension.calls()).toBe(1);
  });

  it('shares one call between concurrent first reads', async () => {
    const credentials = source();
    await Promise.all(Array.from({ length: 10 }, () => credentials.get('nhncloud-sms')));
    expect(extension.calls()).toBe(1);
  });

  it('re-reads at most once a minute however many refreshes are asked for', async () => {
    const credentials = source();
    await credentials.get('nhncloud-sms');
    for (let second = 0; second < 180; second++) {
      await credentials.get('nhncloud-sms', { refresh: true });
      clock += 1_000;
    }
    // The first read, then one at 60 s and one at 120 s.
    expect(extension.calls()).toBe(3);
  });

  it('picks up a rotated secret on the first refresh a minute after the last read', async () => {
    const credentials = source();
    await credentials.get('nhncloud-sms');
    extension.setSecret(JSON.stringify(NEW));
    clock += MINUTE;
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(NEW);
  });

  it('re-reads a copy five minutes old on the next request, so a retired value stops working', async () => {
    extension.setSecret(JSON.stringify({ headers: { 'X-Toast-Webhook-Signature': ['new-signature-value', 'old-signature-value'] } }));
    const credentials = source();
    await credentials.get('nhncloud-sms');
    extension.setSecret(JSON.stringify(NEW));
    clock += 5 * MINUTE - 1;
    expect((await credentials.get('nhncloud-sms'))?.headers?.['X-Toast-Webhook-Signature']).toHaveLength(2);
    clock += 1;
    await expect(credentials.get('nhncloud-sms')).resolves.toEqual(NEW);
    expect(extension.calls()).toBe(2);
  });

  it('keeps serving the cached copy when a refresh fails, and does not retry it for a minute', async () => {
    const credentials = source();
    await credentials.get('nhncloud-sms');
    extension.failNext(100);
    clock += MINUTE;
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(OLD);
    await expect(credentials.get('nhncloud-sms', { refresh: true })).resolves.toEqual(OLD);
    expect(extension.calls()).toBe(2);
  });

  it('reports a failed first read as unavailable and does not call again within a second', async () => {
    extension.failNext(1);
    const credentials = source();
    await expect(credentials.get('nhncloud-sms')).rejects.toBeInstanceOf(CredentialsUnavailableError);
    await expect(credentials.get('nhncloud-sms')).rejects.toBeInstanceOf(CredentialsUnavailableError);
    expect(extension.calls()).toBe(1);
    clock += 1_000;
    await expect(credentials.get('nhncloud-sms')).resolves.toEqual(OLD);
    expect(extension.calls()).toBe(2);
  });

  it('reports a secret that is not JSON as invalid', async () => {
    extension.setSecret('X-Toast-Webhook-Signature=old');
    await expect(source().get('nhncloud-sms')).rejects.toBeInstanceOf(InvalidCredentialsError);
  });

  it("logs the Secrets Manager error by name and the secret id, never the answer's text", async () => {
    extension.answerNext(400, 'AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/fn is not authorized');
    await source()
      .get('nhncloud-sms')
      .catch(() => undefined);
    const log = output.logs().find((record) => record.message === 'credentials secret cannot be read');
    expect(log).toMatchObject({ secretId: extension.secretId, status: 400, error: 'AccessDeniedException' });
    expect(output.lines.join('\n')).not.toContain('assumed-role');
  });

  it('never logs the secret value', async () => {
    extension.setSecret(JSON.stringify({ headers: { 'X-Toast-Webhook-Signature': ['very-secret-value'] }, tokens: [''] }));
    await source()
      .get('nhncloud-sms')
      .catch(() => undefined);
    extension.failNext(1);
    await extensionCredentialSource('other', extension.connection)
      .get('nhncloud-sms')
      .catch(() => undefined);
    expect(output.lines.join('\n')).not.toContain('very-secret-value');
  });
});
