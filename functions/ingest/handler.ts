/**
 * The ingest Lambda entry: one deployment per provider (`PROVIDER_ID`), configured from the environment once per
 * container (see `config.ts` for the variables). Clients are created here, outside the handler, so warm
 * invocations reuse their connections; the Secrets Manager client only when `CREDENTIALS_SECRET_ID` is set.
 *
 * Imports are kept to the SDK commands used (SendMessageBatch, SendMessage, GetSecretValue): the bundle budget is
 * 60 kB over a bare SQSClient + SendMessageBatch bundle.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ingestDependenciesFromEnv } from './config';
import { createIngestHandler } from './createIngestHandler';

export const handler = createIngestHandler(
  ingestDependenciesFromEnv(process.env, { sqs: new SQSClient({}), secretsManager: () => new SecretsManagerClient({}) }),
);
