import { RemovalPolicy, Validations, type CfnResource } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENTS_QUEUE_DEFAULTS, HOLDING_QUEUE_DEFAULTS } from '../defaults';
import { QUEUE, RESOURCE_NAMES } from '../pipeline-settings';

export interface EventQueuesProps {
  /** Suffix of the queue names. */
  readonly stage: string;
  /**
   * Removal policy of the queues (their messages are in flight, not records).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The queues between ingest and the consumer (docs/design.md "Shape"):
 * - the events queue, which the consumer drains in batches;
 * - its dead-letter queue, where a record lands after `QUEUE.maxReceiveCount` failed tries (alarmed);
 * - the rejected queue (`REJECTED_QUEUE_URL`): authenticated bodies that failed validation, kept for inspection.
 */
export class EventQueues extends Construct {
  readonly eventsQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rejectedQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EventQueuesProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...HOLDING_QUEUE_DEFAULTS,
      queueName: `${RESOURCE_NAMES.deadLetterQueue}-${props.stage}`,
      removalPolicy,
    });

    this.eventsQueue = new sqs.Queue(this, 'EventsQueue', {
      ...EVENTS_QUEUE_DEFAULTS,
      queueName: `${RESOURCE_NAMES.eventsQueue}-${props.stage}`,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: QUEUE.maxReceiveCount },
      removalPolicy,
    });

    this.rejectedQueue = new sqs.Queue(this, 'RejectedQueue', {
      ...HOLDING_QUEUE_DEFAULTS,
      queueName: `${RESOURCE_NAMES.rejectedQueue}-${props.stage}`,
      removalPolicy,
    });
    Validations.of(this.rejectedQueue.node.defaultChild as CfnResource).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'The rejected queue is itself a holding queue like a DLQ: nothing consumes it automatically, people read ' +
        'it to see what a provider sent that failed validation, and it keeps messages for the SQS maximum of 14 days.',
    });
  }
}
