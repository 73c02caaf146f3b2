import path from 'node:path';
import { allowedSourceIpsFromEnv, ingestDependenciesFromEnv } from '../../../functions/ingest/config';
import { createIngestHandler } from '../../../functions/ingest/createIngestHandler';
import { ConfigurationError, UnknownProviderError } from '../../../functions/core/errors';
import { createPipelineQueues } from '../../../local/engines/queues';
import { webhookEvent } from '../../support/requests';
import { queueDepth } from '../../support/sqs';
import { startFakeSecretsExtension, useIngestSuite } from './harness';

const suite = useIngestSuite();

describe('ingestDependenciesFromEnv', () => {
  it('builds a working handler from the environment, with the dev credentials file by default', async () => {
    const queues = await createPipelineQueues(suite.sqs.client, { prefix: 'config-' });
    const env = { PROVIDER_ID: 'webcom', EVENTS_QUEUE_URL: queues.eventsQueueUrl, REJECTED_QUEUE_URL: queues.rejectedQueueUrl };
    const cwd = process.cwd();
    process.chdir(path.resolve(__dirname, '../../..'));
    try {
      const handler = createIngestHandler(ingestDependenciesFromEnv(env, { sqs: suite.sqs.client }));
      expect((await handler(webhookEvent('webcom'))).statusCode).toBe(200);
    } finally {
      process.chdir(cwd);
    }
    expect(await queueDepth(suite.sqs.client, queues.eventsQueueUrl)).toBe(2);
  });

  it("reads the provider's secret through the extension on the port and with the token of the environment", async () => {
    const extension = await startFakeSecretsExtension(JSON.stringify({ tokens: ['from-secrets-manager-0123'] }));
    try {
      const queues = await createPipelineQueues(suite.sqs.client, { prefix: 'config-sm-' });
      const env = {
        PROVIDER_ID: 'webcom',
        EVENTS_QUEUE_URL: queues.eventsQueueUrl,
        CREDENTIALS_SECRET_ID: extension.secretId,
        AWS_SESSION_TOKEN: extension.token,
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
        // A file that would let the dev token in: the secret id must win over it.
        WEBHOOK_SECRETS_FILE: path.resolve(__dirname, '../../../config/credentials.dev.json'),
      };
      const handler = createIngestHandler(ingestDependenciesFromEnv(env, { sqs: suite.sqs.client }));
      expect((await handler(webhookEvent('webcom', { token: 'from-secrets-manager-0123' }))).statusCode).toBe(200);
      expect((await handler(webhookEvent('webcom'))).statusCode).toBe(401);
      expect(extension.calls()).toBe(1);
    } finally {
      await extension.stop();
    }
  });

  it('answers 503 when the extension is not there, so the provider retries', async () => {
    const extension = await startFakeSecretsExtension('{}');
    await extension.stop();
    const env = {
      PROVIDER_ID: 'webcom',
      EVENTS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/events',
      CREDENTIALS_SECRET_ID: extension.secretId,
      AWS_SESSION_TOKEN: extension.token,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
    };
    const handler = createIngestHandler(ingestDependenciesFromEnv(env, { sqs: suite.sqs.client }));
    expect((await handler(webhookEvent('webcom'))).statusCode).toBe(503);
  });

  it('applies MAX_BODY_BYTES, PROVIDER_TIME_ZONE and ALLOWED_SOURCE_IPS', () => {
    const deps = ingestDependenciesFromEnv(
      {
        PROVIDER_ID: 'webcom',
        EVENTS_QUEUE_URL: 'http://127.0.0.1:9/q',
        MAX_BODY_BYTES: '1024',
        PROVIDER_TIME_ZONE: 'Asia/Almaty',
        ALLOWED_SOURCE_IPS: '203.0.113.0/24, 2001:db8::/32',
      },
      { sqs: suite.sqs.client },
    );
    expect(deps).toMatchObject({ maxBodyBytes: 1024, timeZone: 'Asia/Almaty', allowedSourceIps: ['203.0.113.0/24', '2001:db8::/32'] });
  });

  it.each([
    ['PROVIDER_ID is missing', { EVENTS_QUEUE_URL: 'http://q' }, ConfigurationError],
    ['EVENTS_QUEUE_URL is missing', { PROVIDER_ID: 'webcom' }, ConfigurationError],
    ['PROVIDER_ID names no adapter', { PROVIDER_ID: 'nope', EVENTS_QUEUE_URL: 'http://q' }, UnknownProviderError],
    ['MAX_BODY_BYTES is not a number', { PROVIDER_ID: 'webcom', EVENTS_QUEUE_URL: 'http://q', MAX_BODY_BYTES: 'lots' }, ConfigurationError],
    [
      'a secret id is set without AWS_SESSION_TOKEN (not on Lambda)',
      { PROVIDER_ID: 'webcom', EVENTS_QUEUE_URL: 'http://q', CREDENTIALS_SECRET_ID: 'webhooks/webcom' },
      ConfigurationError,
    ],
    [
      "the extension's port is not a port",
      {
        PROVIDER_ID: 'webcom',
        EVENTS_QUEUE_URL: 'http://q',
        CREDENTIALS_SECRET_ID: 'w',
        AWS_SESSION_TOKEN: 't',
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '70000',
      },
      ConfigurationError,
    ],
  ])('fails loudly when %s', (_name, env, error) => {
    expect(() => ingestDependenciesFromEnv(env, { sqs: suite.sqs.client })).toThrow(error);
  });

  it('fails loudly without a secret id in a bundle the stack built, which has no credentials file beside it', () => {
    // The stack's bundles define this at build time (lib/defaults.ts ingestBundling); here it is read at run time.
    process.env.WEBHOOK_BUNDLED_PROVIDER = 'webcom';
    try {
      expect(() => ingestDependenciesFromEnv({ PROVIDER_ID: 'webcom', EVENTS_QUEUE_URL: 'http://q' }, { sqs: suite.sqs.client })).toThrow(
        'CREDENTIALS_SECRET_ID is not set',
      );
    } finally {
      delete process.env.WEBHOOK_BUNDLED_PROVIDER;
    }
  });
});

describe('allowedSourceIpsFromEnv', () => {
  it('is undefined when unset', () => {
    expect(allowedSourceIpsFromEnv({})).toBeUndefined();
  });

  it('refuses a value that is not a CIDR', () => {
    expect(() => allowedSourceIpsFromEnv({ ALLOWED_SOURCE_IPS: '203.0.113.0/24,webcom.mobi' })).toThrow(ConfigurationError);
  });
});

describe('the Lambda entry', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('builds its handler from the environment at import', async () => {
    process.env.PROVIDER_ID = 'nhncloud-sms';
    process.env.EVENTS_QUEUE_URL = 'http://127.0.0.1:9/000000000000/events';
    process.env.WEBHOOK_SECRETS_FILE = path.resolve(__dirname, '../../../config/credentials.dev.json');
    process.env.AWS_REGION = 'us-east-1';
    let entry: typeof import('../../../functions/ingest/handler') | undefined;
    jest.isolateModules(() => {
      entry = jest.requireActual<typeof import('../../../functions/ingest/handler')>('../../../functions/ingest/handler');
    });
    expect((await entry!.handler(webhookEvent('nhncloud-sms', { method: 'PUT' }))).statusCode).toBe(405);
    expect((await entry!.handler(webhookEvent('nhncloud-sms', { headers: { 'X-Toast-Webhook-Signature': 'wrong' } }))).statusCode).toBe(401);
  });
});
