import { RemovalPolicy, SecretValue, Validations, type CfnResource } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnabledProvider } from '../config';
import { ENTRIES, FUNCTION_SIZING, ingestBundling, paramsAndSecretsExtension } from '../defaults';
import { ENV, INGEST } from '../pipeline-settings';
import { PipelineFunction } from './pipeline-function';

/**
 * The first value of every credentials secret: an empty credentials document. The ingest function treats a
 * provider with neither `headers` nor `tokens` as "not configured" and answers 401 to everything (docs/design.md
 * "Provider credentials": fail closed), until the operator puts the real document (docs/deploy.md).
 *
 * CloudFormation writes this only when it creates the secret; later deploys leave the operator's value alone as
 * long as this constant does not change. Do not change it.
 */
export const INITIAL_CREDENTIALS_DOCUMENT = '{}';

/** Powertools service name of the ingest functions (one per provider; the `provider` dimension tells them apart). */
export const INGEST_SERVICE_NAME = 'webhook-ingest';

export interface ProviderIngestProps {
  readonly provider: EnabledProvider;
  readonly eventsQueue: sqs.IQueue;
  readonly rejectedQueue: sqs.IQueue;
  readonly metricsNamespace: string;
  readonly logRetentionDays: logs.RetentionDays;
  /** Keep the secret and log group when the stack is deleted. */
  readonly retain: boolean;
  /** The URL providers call when it is not the API's own (custom domain, proxy), for URL-signed schemes. */
  readonly publicBaseUrl?: string;
  /** How far a signed timestamp may be from the clock, in seconds. */
  readonly signatureToleranceSeconds?: number;
}

/**
 * One provider's ingest: its credentials secret and its own function (the shared ingest entry, told which adapter
 * to use by `PROVIDER_ID`) with the AWS Parameters and Secrets Lambda Extension, through which it reads the secret.
 * The function may read this provider's secret and send to the two queues; nothing else.
 */
export class ProviderIngest extends Construct {
  readonly providerId: string;
  readonly secret: secretsmanager.Secret;
  readonly handler: PipelineFunction;

  constructor(scope: Construct, id: string, props: ProviderIngestProps) {
    super(scope, id);
    const { provider } = props;
    this.providerId = provider.id;
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.secret = new secretsmanager.Secret(this, 'Credentials', {
      // No fixed name: a deleted secret's name stays reserved for its recovery window, so a fixed name would
      // make `cdk destroy` + `cdk deploy` fail for days. The stack outputs each secret's ARN instead.
      description: `${provider.displayName} webhook credentials (docs/design.md "Provider credentials"); set with put-secret-value, see docs/deploy.md`,
      secretStringValue: SecretValue.unsafePlainText(INITIAL_CREDENTIALS_DOCUMENT),
      removalPolicy,
    });
    Validations.of(this.secret.node.defaultChild as CfnResource).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The values are set in the provider's own console (static header values or a URL token) and no API can " +
        'change them there, so a rotation Lambda cannot rotate them; operators rotate by hand with two values at ' +
        'once (docs/deploy.md "Rotating credentials").',
    });

    this.handler = new PipelineFunction(this, 'Ingest', {
      entry: ENTRIES.ingest,
      sizing: { ...FUNCTION_SIZING.ingest, description: `${FUNCTION_SIZING.ingest.description}: ${provider.displayName}` },
      serviceName: INGEST_SERVICE_NAME,
      metricsNamespace: props.metricsNamespace,
      logRetentionDays: props.logRetentionDays,
      logRemovalPolicy: removalPolicy,
      bundling: ingestBundling(provider.id),
      // The function reads its secret through this extension (lib/defaults.ts), with the function's role.
      paramsAndSecrets: paramsAndSecretsExtension(),
      environment: {
        [ENV.providerId]: provider.id,
        [ENV.eventsQueueUrl]: props.eventsQueue.queueUrl,
        [ENV.rejectedQueueUrl]: props.rejectedQueue.queueUrl,
        [ENV.credentialsSecretId]: this.secret.secretArn,
        [ENV.maxBodyBytes]: String(INGEST.maxBodyBytes),
        [ENV.providerTimeZone]: provider.timeZone,
        ...(provider.allowedIps.length > 0 ? { [ENV.allowedSourceIps]: provider.allowedIps.join(',') } : {}),
        ...(props.publicBaseUrl ? { [ENV.publicBaseUrl]: props.publicBaseUrl } : {}),
        [ENV.signatureToleranceSeconds]: String(props.signatureToleranceSeconds ?? INGEST.signatureToleranceSeconds),
      },
    });

    // SendMessageBatch is authorized by sqs:SendMessage; the queues use SQS-managed keys, so no KMS grant.
    this.handler.allow(['sqs:SendMessage'], [props.eventsQueue.queueArn, props.rejectedQueue.queueArn]);
    // The extension calls GetSecretValue with the function's role: this grant is what lets it read, and only this secret.
    this.handler.allow(['secretsmanager:GetSecretValue'], [this.secret.secretArn]);
  }
}
