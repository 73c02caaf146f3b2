/**
 * The environment a function starts in on AWS Lambda, for the bench's child processes: what the managed Node.js
 * runtime of the stack (`FUNCTION_DEFAULTS.runtime`) sets, what the stack sets for every function (`FUNCTION_DEFAULTS.environment`, `NODE_OPTIONS` with
 * source maps on), and what the stack sets for that function. Nothing is inherited from the shell the bench runs
 * in, so a local `POWERTOOLS_*` or `AWS_PROFILE` cannot change a measurement.
 *
 * The ARNs and URLs are well-formed but point nowhere: nothing may be fetched at import time, and the import
 * probe fails a bundle that tries.
 */
import { FUNCTION_DEFAULTS } from '../lib/defaults';
import { ENV, INGEST, RESOURCE_NAMES, TABLE } from '../lib/pipeline-settings';

/** Region and account the fake resources live in. */
export const BENCH_REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

/** What every Lambda function sees, whatever its code (the stack's managed runtime, arm64). */
export function runtimeEnvironment(functionName: string, memoryMb: number): Record<string, string> {
  return {
    PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: BENCH_REGION,
    AWS_DEFAULT_REGION: BENCH_REGION,
    AWS_EXECUTION_ENV: `AWS_Lambda_${FUNCTION_DEFAULTS.runtime.name}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]00000000000000000000000000000000',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    _HANDLER: 'index.handler',
    // The execution role's temporary credentials, as the runtime exports them (fake: never used on import).
    AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH00',
    AWS_SECRET_ACCESS_KEY: 'bench/bench/bench/bench/bench/bench/bench0',
    AWS_SESSION_TOKEN: 'bench-session-token',
  };
}

const queueUrl = (name: string) => `https://sqs.${BENCH_REGION}.amazonaws.com/${ACCOUNT}/${name}`;

/** The ingest function of `providerId` as `ProviderIngest` configures it (lib/constructs/provider-ingest.ts). */
export function ingestFunctionEnvironment(providerId: string, timeZone: string): Record<string, string> {
  return {
    [ENV.providerId]: providerId,
    [ENV.eventsQueueUrl]: queueUrl(RESOURCE_NAMES.eventsQueue),
    [ENV.rejectedQueueUrl]: queueUrl(RESOURCE_NAMES.rejectedQueue),
    [ENV.credentialsSecretId]: `arn:aws:secretsmanager:${BENCH_REGION}:${ACCOUNT}:secret:webhook-${providerId}-AbCdEf`,
    [ENV.maxBodyBytes]: String(INGEST.maxBodyBytes),
    [ENV.providerTimeZone]: timeZone,
  };
}

/** The consumer function as the stack configures it. */
export function consumerFunctionEnvironment(): Record<string, string> {
  return {
    [ENV.tableName]: RESOURCE_NAMES.table,
    [ENV.eventsTopicArn]: `arn:aws:sns:${BENCH_REGION}:${ACCOUNT}:${RESOURCE_NAMES.topic}`,
    [ENV.historyTtlDays]: String(TABLE.defaultTtlDays),
  };
}

/** The bare-client baseline: same runtime, same queue URL, nothing else to configure. */
export function baselineFunctionEnvironment(): Record<string, string> {
  return { [ENV.eventsQueueUrl]: queueUrl(RESOURCE_NAMES.eventsQueue) };
}
