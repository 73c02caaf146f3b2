/**
 * The pipeline's queues on the embedded engine, with the same redrive and visibility as the AWS stack
 * (lib/pipeline-settings.ts), so a poison record reaches the dead-letter queue locally exactly as it would on AWS.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QUEUE, RESOURCE_NAMES } from '../../lib/pipeline-settings';

export interface PipelineQueues {
  readonly eventsQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly rejectedQueueUrl: string;
}

export interface QueueOptions {
  /** Prefix for queue names, so several pipelines can share one engine (tests). */
  readonly prefix?: string;
  readonly maxReceiveCount?: number;
  readonly visibilityTimeoutSeconds?: number;
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${queueUrl} has no ARN`);
  return arn;
}

/** Creates (or finds: CreateQueue is idempotent) the events queue, its dead-letter queue and the rejected queue. */
export async function createPipelineQueues(client: SQSClient, options: QueueOptions = {}): Promise<PipelineQueues> {
  const prefix = options.prefix ?? '';
  const create = async (name: string, attributes: Record<string, string>) => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `${prefix}${name}`, Attributes: attributes }));
    if (!QueueUrl) throw new Error(`queue ${name} was not created`);
    return QueueUrl;
  };
  const maximumMessageSize = String(QUEUE.maxMessageSizeBytes);
  const deadLetterQueueUrl = await create(RESOURCE_NAMES.deadLetterQueue, {
    MessageRetentionPeriod: String(QUEUE.dlqRetentionSeconds),
    MaximumMessageSize: maximumMessageSize,
  });
  const eventsQueueUrl = await create(RESOURCE_NAMES.eventsQueue, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? QUEUE.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(QUEUE.retentionSeconds),
    MaximumMessageSize: maximumMessageSize,
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: await queueArn(client, deadLetterQueueUrl),
      maxReceiveCount: options.maxReceiveCount ?? QUEUE.maxReceiveCount,
    }),
  });
  const rejectedQueueUrl = await create(RESOURCE_NAMES.rejectedQueue, {
    MessageRetentionPeriod: String(QUEUE.dlqRetentionSeconds),
    MaximumMessageSize: maximumMessageSize,
  });
  return { eventsQueueUrl, deadLetterQueueUrl, rejectedQueueUrl };
}
