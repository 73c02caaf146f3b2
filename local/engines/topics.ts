/**
 * The topic of applied events and one queue per downstream subscriber on the embedded engine (fauxqs emulates SNS
 * in the same process as SQS), shaped as the stack shapes them (lib/constructs/applied-events.ts): each subscriber
 * queue has its own dead-letter queue, and is subscribed with raw message delivery (the body is the applied event
 * JSON) and its filter policy over the message attributes.
 */
import {
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
  CreateTopicCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { APPLIED_EVENT_ATTRIBUTES, QUEUE, RESOURCE_NAMES, type SubscriberConfig } from '../../lib/pipeline-settings';

export interface TopicOptions {
  /** Prefix for the topic and queue names, so several pipelines can share one engine (tests). */
  readonly prefix?: string;
}

export interface TopicResources {
  readonly topicArn: string;
  /** Subscriber name → its queue URL. */
  readonly subscriberQueueUrls: Record<string, string>;
}

/** Same rule as the stack's config (lib/config.ts), which also makes the queue names valid. */
const SUBSCRIBER_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** The stack's subscriber queues wait five minutes for a subscriber to finish with a message. */
const SUBSCRIBER_VISIBILITY_SECONDS = 300;

/** Local names of a subscriber's queues: the stack's, without the stage suffix. */
export function localSubscriberQueueNames(name: string, prefix = ''): { queue: string; deadLetterQueue: string } {
  return { queue: `${prefix}webhook-sub-${name}`, deadLetterQueue: `${prefix}webhook-sub-${name}-dlq` };
}

function checkSubscribers(subscribers: readonly SubscriberConfig[]): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { name, filterPolicy } of subscribers) {
    if (!SUBSCRIBER_NAME.test(name)) problems.push(`subscriber name "${name}" must match ${SUBSCRIBER_NAME}`);
    if (seen.has(name)) problems.push(`subscriber name "${name}" is used twice`);
    seen.add(name);
    // fauxqs delivers everything when a policy cannot be read; refuse here what SNS would refuse on AWS.
    const unknown = Object.keys(filterPolicy ?? {}).filter((key) => key !== '$or' && !(APPLIED_EVENT_ATTRIBUTES as readonly string[]).includes(key));
    if (unknown.length > 0) problems.push(`subscriber "${name}" filters on unknown attributes: ${unknown.join(', ')}`);
  }
  if (problems.length > 0) throw new Error(`subscribers: ${problems.join('; ')}`);
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`queue ${name} was not created`);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  if (!Attributes?.QueueArn) throw new Error(`queue ${name} has no ARN`);
  return { url: QueueUrl, arn: Attributes.QueueArn };
}

async function existingSubscriptions(sns: SNSClient, topicArn: string): Promise<Map<string, string>> {
  const byEndpoint = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    for (const subscription of page.Subscriptions ?? []) {
      if (subscription.Endpoint && subscription.SubscriptionArn) byEndpoint.set(subscription.Endpoint, subscription.SubscriptionArn);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return byEndpoint;
}

/**
 * Creates (or finds) the topic and, for each subscriber, its queue, its dead-letter queue and its subscription.
 * Idempotent: running it again updates the subscriptions' attributes instead of adding subscriptions.
 *
 * @example
 * ```ts
 * import type { SNSClient } from '@aws-sdk/client-sns';
 * import type { SQSClient } from '@aws-sdk/client-sqs';
 * declare const sns: SNSClient;
 * declare const sqs: SQSClient;
 * const { topicArn, subscriberQueueUrls } = await createTopicAndSubscribers(sns, sqs, [
 *   { name: 'final-statuses', filterPolicy: { type: ['message.status'], final: ['true'], statusChanged: ['true'] } },
 * ]);
 * ```
 */
export async function createTopicAndSubscribers(
  sns: SNSClient,
  sqs: SQSClient,
  subscribers: readonly SubscriberConfig[],
  options: TopicOptions = {},
): Promise<TopicResources> {
  checkSubscribers(subscribers);
  const prefix = options.prefix ?? '';
  const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: `${prefix}${RESOURCE_NAMES.topic}` }));
  if (!topicArn) throw new Error('the topic of applied events was not created');
  const subscriptions = await existingSubscriptions(sns, topicArn);
  const subscriberQueueUrls: Record<string, string> = {};
  for (const { name, filterPolicy } of subscribers) {
    const names = localSubscriberQueueNames(name, prefix);
    const deadLetter = await createQueue(sqs, names.deadLetterQueue, { MessageRetentionPeriod: String(QUEUE.dlqRetentionSeconds) });
    const queue = await createQueue(sqs, names.queue, {
      MessageRetentionPeriod: String(QUEUE.dlqRetentionSeconds),
      VisibilityTimeout: String(SUBSCRIBER_VISIBILITY_SECONDS),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: QUEUE.maxReceiveCount }),
    });
    const attributes: Record<string, string> = {
      RawMessageDelivery: 'true',
      ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy), FilterPolicyScope: 'MessageAttributes' } : {}),
    };
    const existing = subscriptions.get(queue.arn);
    if (existing) {
      // An emptied policy is how SNS removes one.
      const wanted = { FilterPolicy: '', ...attributes };
      for (const [AttributeName, AttributeValue] of Object.entries(wanted)) {
        await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: existing, AttributeName, AttributeValue }));
      }
    } else {
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes: attributes }));
    }
    subscriberQueueUrls[name] = queue.url;
  }
  return { topicArn, subscriberQueueUrls };
}
