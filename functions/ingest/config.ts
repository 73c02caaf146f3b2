/**
 * The ingest function's configuration from the environment, read once per container through helpers that fail
 * loudly (a missing variable stops the cold start, not the first webhook). Names in `functions/settings.ts`.
 *
 * - `PROVIDER_ID` (required): the adapter, from the registry.
 * - `EVENTS_QUEUE_URL` (required), `REJECTED_QUEUE_URL` (optional).
 * - `CREDENTIALS_SECRET_ID` on AWS (Secrets Manager, read through the AWS Parameters and Secrets Lambda Extension
 *   with `AWS_SESSION_TOKEN`, which Lambda sets, on `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`, default 2773, which
 *   the stack sets with the extension's layer); otherwise `WEBHOOK_SECRETS_FILE`, default
 *   `config/credentials.dev.json` resolved from the working directory.
 * - `MAX_BODY_BYTES` (default 256 KiB), `PROVIDER_TIME_ZONE` (default: the adapter's zone),
 *   `ALLOWED_SOURCE_IPS` (optional, comma-separated CIDRs; both it and the document's `allowedIps` must pass),
 *   `PUBLIC_BASE_URL` (optional: the URL providers call, for URL-signed schemes), `SIGNATURE_TOLERANCE_SECONDS`
 *   (default 300).
 */
import { resolve } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { INGEST_ENV, INGEST } from '../settings';
import { adapterFor } from '../providers';
import { ConfigurationError } from '../core/errors';
import { getNumberFromEnv, getOptionalStringFromEnv, getStringFromEnv } from '../core/env';
import { ipAllowList } from '../origin/cidr';
import { DEFAULT_EXTENSION_PORT, extensionCredentialSource, fileCredentialSource, type CredentialSource } from './credentials';
import type { IngestDependencies } from './createIngestHandler';

/** Where `npm start` and the tests find credentials when nothing else is configured. */
export const DEFAULT_SECRETS_FILE = 'config/credentials.dev.json';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Variables of the AWS Parameters and Secrets Lambda Extension the function reads: the port is set by the stack
 * (from the layer's options), the session token by Lambda.
 */
export const EXTENSION_ENV = {
  httpPort: 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT',
  sessionToken: 'AWS_SESSION_TOKEN',
} as const;

/** The clients the entry creates once per container. */
export interface IngestClients {
  readonly sqs: SQSClient;
}

/**
 * The credential source the environment asks for: the secret through the extension when a secret id is set, else
 * the file. A secret id without a session token is a function that is not on Lambda: it stops the cold start.
 *
 * A bundle the stack builds (`BUNDLED_PROVIDER_DEFINE` set, `lib/defaults.ts`) has no credentials file beside it,
 * so there a missing secret id stops the cold start too; the test folds at bundle time and the file source is left
 * out of the Lambda bundle.
 */
export function credentialSourceFromEnv(env: Env): CredentialSource {
  const secretId = getOptionalStringFromEnv(INGEST_ENV.credentialsSecretId, env);
  if (!secretId) {
    // A conditional expression, which esbuild folds to one branch (it keeps code after a folded `if … throw`).
    return process.env.WEBHOOK_BUNDLED_PROVIDER === undefined
      ? fileCredentialSource(resolve(getStringFromEnv(INGEST_ENV.secretsFile, { default: DEFAULT_SECRETS_FILE, env })))
      : missingSecretId();
  }
  const token = getOptionalStringFromEnv(EXTENSION_ENV.sessionToken, env);
  if (!token) {
    throw new ConfigurationError(
      `${INGEST_ENV.credentialsSecretId} is read through the AWS Parameters and Secrets Lambda Extension, which needs ` +
        `${EXTENSION_ENV.sessionToken} (Lambda sets it); it is not set`,
    );
  }
  const port = getNumberFromEnv(EXTENSION_ENV.httpPort, { default: DEFAULT_EXTENSION_PORT, min: 1, max: 65_535, env });
  return extensionCredentialSource(secretId, { token, port });
}

function missingSecretId(): never {
  throw new ConfigurationError(`${INGEST_ENV.credentialsSecretId} is not set`);
}

/** `"203.0.113.0/24, 2001:db8::/32"` → the CIDRs; a value that is not a CIDR stops the cold start. */
export function allowedSourceIpsFromEnv(env: Env): string[] | undefined {
  const text = getOptionalStringFromEnv(INGEST_ENV.allowedSourceIps, env);
  if (!text) return undefined;
  const cidrs = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  try {
    ipAllowList(cidrs);
  } catch {
    throw new ConfigurationError(`${INGEST_ENV.allowedSourceIps} holds a value that is not a CIDR`);
  }
  return cidrs;
}

/**
 * Everything `createIngestHandler` needs, from the environment.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { createIngestHandler } from './createIngestHandler';
 * const handler = createIngestHandler(ingestDependenciesFromEnv(process.env, { sqs: new SQSClient({}) }));
 * ```
 */
export function ingestDependenciesFromEnv(env: Env, clients: IngestClients): IngestDependencies {
  return {
    adapter: adapterFor(getStringFromEnv(INGEST_ENV.providerId, { env })),
    sqs: clients.sqs,
    eventsQueueUrl: getStringFromEnv(INGEST_ENV.eventsQueueUrl, { env }),
    rejectedQueueUrl: getOptionalStringFromEnv(INGEST_ENV.rejectedQueueUrl, env),
    credentials: credentialSourceFromEnv(env),
    maxBodyBytes: getNumberFromEnv(INGEST_ENV.maxBodyBytes, { default: INGEST.maxBodyBytes, min: 1, env }),
    timeZone: getOptionalStringFromEnv(INGEST_ENV.providerTimeZone, env),
    allowedSourceIps: allowedSourceIpsFromEnv(env),
    publicBaseUrl: getOptionalStringFromEnv(INGEST_ENV.publicBaseUrl, env),
    signatureToleranceSeconds: getNumberFromEnv(INGEST_ENV.signatureToleranceSeconds, {
      default: INGEST.signatureToleranceSeconds,
      min: 1,
      max: 86_400,
      env,
    }),
  };
}
