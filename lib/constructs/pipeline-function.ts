import { RemovalPolicy, Validations, type CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodejsFunction, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { FUNCTION_DEFAULTS, type FunctionSizing } from '../defaults';
import { ENV } from '../pipeline-settings';

export interface PipelineFunctionProps {
  /** TypeScript entry exporting `handler`. */
  readonly entry: string;
  readonly sizing: FunctionSizing;
  /** Powertools service name: the `service` key of every log line and metric of this function. */
  readonly serviceName: string;
  /** CloudWatch namespace of its metrics. */
  readonly metricsNamespace: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** Retention of its log group, in days. */
  readonly logRetentionDays: logs.RetentionDays;
  /**
   * How the function is bundled (`ingestBundling(providerId)` for an ingest function).
   * @default FUNCTION_DEFAULTS.bundling
   */
  readonly bundling?: BundlingOptions;
  /**
   * What happens to the log group when the function goes away.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * The AWS Parameters and Secrets Lambda Extension layer and its settings (`paramsAndSecretsExtension()` for an
   * ingest function). It grants nothing: the caller allows the secrets it reads, as for any other action.
   * @default no extension
   */
  readonly paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
}

/**
 * One Lambda function of the pipeline with the secure defaults of `FUNCTION_DEFAULTS`: its own log group with a
 * retention, and its own role that can write to that log group and nothing else. Callers add exactly the
 * permissions the handler uses (`addToRolePolicy`), so no function inherits another's rights and no AWS managed
 * policy (which would grant logs on every log group) is attached.
 */
export class PipelineFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.sizing.description} (its own role: logs to its own log group, plus what it uses)`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      runtime: FUNCTION_DEFAULTS.runtime,
      architecture: FUNCTION_DEFAULTS.architecture,
      bundling: props.bundling ?? FUNCTION_DEFAULTS.bundling,
      memorySize: props.sizing.memorySize,
      timeout: props.sizing.timeout,
      description: props.sizing.description,
      role: this.role,
      logGroup: this.logGroup,
      paramsAndSecrets: props.paramsAndSecrets,
      environment: {
        ...FUNCTION_DEFAULTS.environment,
        [ENV.serviceName]: props.serviceName,
        [ENV.metricsNamespace]: props.metricsNamespace,
        ...props.environment,
      },
    });

    Validations.of(this.function.node.defaultChild as CfnResource).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The runtime is pinned on purpose (lib/defaults.ts), to the Node major the bench measures and CI runs; ' +
        'moving to a newer runtime is a deliberate upgrade, not a lint fix.',
    });
  }

  /** Grants exactly `actions` on `resources` to this function's role. */
  allow(actions: string[], resources: string[]): void {
    this.role.addToPolicy(new iam.PolicyStatement({ actions, resources }));
  }
}
