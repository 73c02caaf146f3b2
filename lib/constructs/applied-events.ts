import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HOLDING_QUEUE_DEFAULTS, SUBSCRIBER_QUEUE_DEFAULTS } from '../defaults';
import { QUEUE, RESOURCE_NAMES, type SubscriberConfig } from '../pipeline-settings';

/** Queue names of a subscriber (SQS allows 80 characters; config validation bounds name and stage to fit). */
export function subscriberQueueNames(name: string, stage: string): { queue: string; deadLetterQueue: string } {
  return { queue: `webhook-sub-${name}-${stage}`, deadLetterQueue: `webhook-sub-${name}-dlq-${stage}` };
}

/** A subscriber's filter policy in CDK form: the SNS JSON conditions, attribute by attribute, unchanged. */
function toSubscriptionFilters(policy: SubscriberConfig['filterPolicy']): Record<string, sns.SubscriptionFilter> | undefined {
  if (policy === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(policy).map(([attribute, conditions]) => [attribute, new sns.SubscriptionFilter(conditions as unknown[])]),
  );
}

/** One downstream subscriber: its queue, the queue's dead-letter queue, and its filtered subscription. */
export interface SubscriberQueues {
  readonly config: SubscriberConfig;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

export interface AppliedEventsProps {
  readonly stage: string;
  /** Customer managed key of the topic (SNS needs one that publishers and CloudWatch can be granted). */
  readonly key: kms.IKey;
  readonly subscribers: readonly SubscriberConfig[];
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The fan-out of applied events (issue 5): the consumer publishes each event it recorded to one encrypted topic;
 * each subscriber gets its own queue, subscribed with raw message delivery (the body is the event JSON, not an
 * SNS envelope) and its filter policy over the message attributes. Subscribers never compete with the status
 * writer or with each other. A message SNS cannot deliver, or the subscriber fails to process
 * `QUEUE.maxReceiveCount` times, lands in the subscriber's dead-letter queue.
 */
export class AppliedEvents extends Construct {
  readonly topic: sns.Topic;
  readonly subscribers: readonly SubscriberQueues[];

  constructor(scope: Construct, id: string, props: AppliedEventsProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;

    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `${RESOURCE_NAMES.topic}-${props.stage}`,
      displayName: 'Applied webhook events',
      masterKey: props.key,
      enforceSSL: true,
    });

    this.subscribers = props.subscribers.map((config) => {
      const scope = new Construct(this, `Subscriber-${config.name}`);
      const names = subscriberQueueNames(config.name, props.stage);
      const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
        ...HOLDING_QUEUE_DEFAULTS,
        queueName: names.deadLetterQueue,
        removalPolicy,
      });
      const queue = new sqs.Queue(scope, 'Queue', {
        ...SUBSCRIBER_QUEUE_DEFAULTS,
        queueName: names.queue,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: QUEUE.maxReceiveCount },
        removalPolicy,
      });
      this.topic.addSubscription(
        new SqsSubscription(queue, {
          rawMessageDelivery: true,
          filterPolicy: toSubscriptionFilters(config.filterPolicy),
          deadLetterQueue,
        }),
      );
      return { config, queue, deadLetterQueue };
    });
  }
}
