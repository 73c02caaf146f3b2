import { RemovalPolicy, Validations, type CfnResource } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RecordSourceConfig } from '../config';
import { ENTRIES, FUNCTION_SIZING, HOLDING_QUEUE_DEFAULTS, RECORD_INGEST_RETRIES, ingestBundling } from '../defaults';
import { ENV } from '../pipeline-settings';
import { PipelineFunction } from './pipeline-function';
import { INGEST_SERVICE_NAME } from './provider-ingest';

export interface RecordIngestProps {
  readonly source: RecordSourceConfig;
  readonly eventsQueue: sqs.IQueue;
  readonly metricsNamespace: string;
  readonly logRetentionDays: logs.RetentionDays;
  /** Keep the dead-letter queue and the log group when the stack is deleted. */
  readonly retain: boolean;
}

/**
 * The record ingest of one provider AWS delivers (AWS End User Messaging): its own function (the shared record
 * entry, told which adapter by `PROVIDER_ID`, bundled with that adapter alone like the HTTP ingest), invoked by an
 * EventBridge rule on the default bus and/or SNS subscriptions, per configuration. No secret and no route: IAM and
 * the resource policies CDK writes (the rule's and each subscription's Lambda permission) decide who may invoke it.
 *
 * Nothing is lost: an invocation that throws (an event the queue did not take) is retried by Lambda, then lands on
 * the dead-letter queue as the on-failure destination; a delivery EventBridge or SNS could not make at all lands on
 * the same queue through the rule target's and the subscriptions' dead-letter settings. The stack alarms on it.
 */
export class RecordIngest extends Construct {
  readonly providerId: string;
  readonly handler: PipelineFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule?: events.Rule;

  constructor(scope: Construct, id: string, props: RecordIngestProps) {
    super(scope, id);
    const { provider, eventBridge, snsTopicArns } = props.source;
    this.providerId = provider.id;
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', { ...HOLDING_QUEUE_DEFAULTS, removalPolicy });
    Validations.of(this.deadLetterQueue.node.defaultChild as CfnResource).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the record ingest (its on-failure destination, and the dead-letter ' +
        'queue of its EventBridge target and SNS subscriptions); cdk-nag only recognizes SQS redrive policies.',
    });

    this.handler = new PipelineFunction(this, 'Ingest', {
      entry: ENTRIES.recordIngest,
      sizing: { ...FUNCTION_SIZING.recordIngest, description: `${FUNCTION_SIZING.recordIngest.description}: ${provider.displayName}` },
      serviceName: INGEST_SERVICE_NAME,
      metricsNamespace: props.metricsNamespace,
      logRetentionDays: props.logRetentionDays,
      logRemovalPolicy: removalPolicy,
      bundling: ingestBundling(provider.id),
      environment: {
        [ENV.providerId]: provider.id,
        [ENV.eventsQueueUrl]: props.eventsQueue.queueUrl,
        [ENV.providerTimeZone]: provider.timeZone,
      },
    });
    // SendMessageBatch is authorized by sqs:SendMessage; the queues use SQS-managed keys, so no KMS grant.
    this.handler.allow(['sqs:SendMessage'], [props.eventsQueue.queueArn]);
    // Grants the function's role sqs:SendMessage on the dead-letter queue, which Lambda uses on its behalf.
    this.handler.function.configureAsyncInvoke({
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: RECORD_INGEST_RETRIES.retryAttempts,
      maxEventAge: RECORD_INGEST_RETRIES.maxEventAge,
    });

    if (eventBridge) {
      if (!provider.eventPattern) throw new Error(`${provider.id} declares no EventBridge pattern`);
      this.rule = new events.Rule(this, 'Rule', {
        description: `${provider.displayName} events to the record ingest`,
        eventPattern: { source: [...provider.eventPattern.source], detailType: [...provider.eventPattern['detail-type']] },
        targets: [
          new targets.LambdaFunction(this.handler.function, {
            deadLetterQueue: this.deadLetterQueue,
            retryAttempts: RECORD_INGEST_RETRIES.eventBridgeRetryAttempts,
            maxEventAge: RECORD_INGEST_RETRIES.eventBridgeMaxEventAge,
          }),
        ],
      });
    }

    snsTopicArns.forEach((topicArn, index) => {
      sns.Topic.fromTopicArn(this, `Topic${index}`, topicArn).addSubscription(
        new LambdaSubscription(this.handler.function, { deadLetterQueue: this.deadLetterQueue }),
      );
    });
  }
}
