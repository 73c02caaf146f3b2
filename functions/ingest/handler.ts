/**
 * The ingest Lambda entry: one deployment per provider (`PROVIDER_ID`), configured from the environment once per
 * container. Clients are created here, outside the handler, so warm invocations reuse their connections.
 *
 * Environment (names in `lib/pipeline-settings.ts` `ENV`):
 * - `PROVIDER_ID` (required): the adapter, from the registry.
 * - `EVENTS_QUEUE_URL` (required), `REJECTED_QUEUE_URL` (optional).
 * - `CREDENTIALS_SECRET_ID` on AWS (Secrets Manager); otherwise `WEBHOOK_SECRETS_FILE`, default
 *   `config/credentials.dev.json` resolved from the working directory.
 * - `MAX_BODY_BYTES` (default 256 KiB), `PROVIDER_TIME_ZONE` (default: the adapter's zone),
 *   `ALLOWED_SOURCE_IPS` (optional, comma-separated CIDRs).
 *
 * Imports are kept to the SDK commands used (SendMessageBatch, SendMessage, GetSecretValue): the bundle budget is
 * 60 kB over a bare SQSClient + SendMessageBatch bundle.
 */
import { resolve } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV, INGEST } from '../../lib/pipeline-settings';
import { adapterFor } from '../providers';
import { ConfigurationError } from '../shared/errors';
import { getNumberFromEnv, getOptionalStringFromEnv, getStringFromEnv } from '../shared/env';
import { ipAllowList } from './authenticate';
import { fileCredentialSource, secretsManagerCredentialSource, type CredentialSource } from './credentials';
import { createIngestHandler } from './createIngestHandler';

/** Where `npm start` and the tests find credentials when nothing else is configured. */
export const DEFAULT_SECRETS_FILE = 'config/credentials.dev.json';

type Env = Readonly<Record<string, string | undefined>>;

/** The credential source the environment asks for: Secrets Manager when a secret id is set, else the file. */
export function credentialSourceFromEnv(env: Env = process.env): CredentialSource {
  const secretId = getOptionalStringFromEnv(ENV.credentialsSecretId, env);
  if (secretId) return secretsManagerCredentialSource(new SecretsManagerClient({}), secretId);
  return fileCredentialSource(resolve(getStringFromEnv(ENV.secretsFile, { default: DEFAULT_SECRETS_FILE, env })));
}

/** `"203.0.113.0/24, 2001:db8::/32"` → the CIDRs; a value that is not a CIDR stops the cold start. */
export function allowedSourceIpsFromEnv(env: Env = process.env): string[] | undefined {
  const text = getOptionalStringFromEnv(ENV.allowedSourceIps, env);
  if (!text) return undefined;
  const cidrs = text.split(',').map((part) => part.trim()).filter(Boolean);
  try {
    ipAllowList(cidrs);
  } catch {
    throw new ConfigurationError(`${ENV.allowedSourceIps} holds a value that is not a CIDR`);
  }
  return cidrs;
}

/** Builds the handler from the environment (exported for tests and the local runtime). */
export function handlerFromEnv(env: Env = process.env, sqs: SQSClient = new SQSClient({})) {
  return createIngestHandler({
    adapter: adapterFor(getStringFromEnv(ENV.providerId, { env })),
    sqs,
    eventsQueueUrl: getStringFromEnv(ENV.eventsQueueUrl, { env }),
    rejectedQueueUrl: getOptionalStringFromEnv(ENV.rejectedQueueUrl, env),
    credentials: credentialSourceFromEnv(env),
    maxBodyBytes: getNumberFromEnv(ENV.maxBodyBytes, { default: INGEST.maxBodyBytes, min: 1, env }),
    timeZone: getOptionalStringFromEnv(ENV.providerTimeZone, env),
    allowedSourceIps: allowedSourceIpsFromEnv(env),
  });
}

export const handler = handlerFromEnv();
