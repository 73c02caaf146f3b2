/**
 * Looking at a queue without consuming it, and moving the dead letters back. SQS has no peek: a receive with
 * visibility 0 leaves each message visible at once, so listing is repeated receives deduplicated by MessageId
 * until a few rounds bring nothing new. (Each receive counts towards a redrive limit; the dead-letter and rejected
 * queues have none.)
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** One message as listed: its id, when it was first received… and its body. */
export interface PeekedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** When the queue got it (SentTimestamp), ISO. */
  readonly sentAt?: string;
  readonly receiveCount?: number;
}

const attributesOf = (message: Message): Record<string, string> =>
  Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {})
      .filter(([, value]) => value.StringValue !== undefined)
      .map(([name, value]) => [name, value.StringValue as string]),
  );

function peeked(message: Message): PeekedMessage {
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    attributes: attributesOf(message),
    ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(message.Attributes?.ApproximateReceiveCount ? { receiveCount: Number(message.Attributes.ApproximateReceiveCount) } : {}),
  };
}

/** Up to `limit` messages of the queue, left on it and visible. */
export async function peekQueue(sqs: SQSClient, queueUrl: string, limit = 100): Promise<PeekedMessage[]> {
  const seen = new Map<string, PeekedMessage>();
  let idleRounds = 0;
  // Sampling may miss messages in one round: stop after three rounds that found nothing new.
  for (let round = 0; round < 200 && idleRounds < 3 && seen.size < limit; round += 1) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    let fresh = 0;
    for (const message of Messages ?? []) {
      if (!message.MessageId || seen.has(message.MessageId)) continue;
      seen.set(message.MessageId, peeked(message));
      fresh += 1;
    }
    idleRounds = fresh === 0 ? idleRounds + 1 : 0;
  }
  return [...seen.values()].slice(0, limit).sort((a, b) => ((a.sentAt ?? '') < (b.sentAt ?? '') ? -1 : 1));
}

/** Visible and in-flight counts. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

export type RedriveResult =
  | { readonly method: 'move-task'; readonly taskHandle: string; readonly approximateMessages: number }
  | { readonly method: 'copy'; readonly moved: number };

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  if (!Attributes?.QueueArn) throw new Error(`queue ${queueUrl} has no ARN`);
  return Attributes.QueueArn;
}

/**
 * Moves every dead letter back to the events queue. On AWS with SQS's own message move task (it returns at once;
 * `moveTaskStatus` follows it); on an engine without one (fauxqs), by receive, send, delete: a message is deleted
 * only after its copy was sent, so a failure duplicates at worst, which the consumer absorbs (one event id, one
 * effect).
 */
export async function redrive(
  sqs: SQSClient,
  queues: { deadLetterQueueUrl: string; eventsQueueUrl: string },
  method: 'move-task' | 'copy',
): Promise<RedriveResult> {
  if (method === 'move-task') {
    const [sourceArn, destinationArn] = await Promise.all([queueArn(sqs, queues.deadLetterQueueUrl), queueArn(sqs, queues.eventsQueueUrl)]);
    const { visible } = await queueDepth(sqs, queues.deadLetterQueueUrl);
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }));
    return { method, taskHandle: TaskHandle ?? '', approximateMessages: visible };
  }
  let moved = 0;
  for (let idle = 0; idle < 2; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      idle += 1;
      continue;
    }
    idle = 0;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.eventsQueueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          MessageBody: message.Body ?? '',
          ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0 ? { MessageAttributes: message.MessageAttributes } : {}),
        })),
      }),
    );
    const done = (sent.Successful ?? []).map((entry) => Messages[Number(entry.Id)]);
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queues.deadLetterQueueUrl,
          Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })),
        }),
      );
    }
    moved += done.length;
    if ((sent.Failed ?? []).length > 0) throw new Error(`${sent.Failed!.length} dead letter(s) could not be sent back; ${moved} moved so far`);
  }
  return { method, moved };
}

/** The state of the last move tasks out of the dead-letter queue (AWS). */
export async function moveTaskStatus(sqs: SQSClient, deadLetterQueueUrl: string): Promise<string[]> {
  const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: await queueArn(sqs, deadLetterQueueUrl), MaxResults: 5 }));
  return Results.map(
    (task) =>
      `${task.Status ?? '?'}  moved ${task.ApproximateNumberOfMessagesMoved ?? 0} of ${task.ApproximateNumberOfMessagesToMove ?? '?'}` +
      `${task.StartedTimestamp ? `  started ${new Date(task.StartedTimestamp).toISOString()}` : ''}${task.FailureReason ? `  ${task.FailureReason}` : ''}`,
  );
}
