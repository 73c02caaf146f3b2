/**
 * reliability case 14, end to end on the embedded engines: a poison record (valid JSON, impossible to apply)
 * on the events queue with the stack's redrive. A minimal Lambda-like loop receives, runs the consumer, and
 * deletes only what succeeded. The poison record is tried `maxReceiveCount` times, then sits in the dead-letter
 * queue unchanged; the good record beside it is applied once. (The DLQ alarm is the stack's, asserted with the
 * CDK template.)
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createConsumerHandler } from '../../functions/consume/createConsumerHandler';
import { messageAttributesOf, type NormalizedEvent } from '../../functions/events/schema';
import { createStatusStore } from '../../functions/store';
import { createPipelineQueues } from '../../local/engines/queues';
import { METRICS } from '../../lib/pipeline-settings';
import { dynamoEngines } from '../support/dynamodb';
import { queueDepth, receiveAll } from '../support/sqs';
import { asMessage, CapturedMetrics, freshTable, loadEvents, sqsEventOf, useConsumerEngines } from '../functions/consume/support';

const MAX_RECEIVE_COUNT = 3;

function toRecord(message: Message): SQSRecord {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: '0',
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, { dataType: 'String', stringValue: value.StringValue }]),
    ),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:webhook-events',
    awsRegion: 'us-east-1',
  };
}

describe.each(dynamoEngines)('RELIABILITY 14 on %s: a poison record', (engine) => {
  const engines = useConsumerEngines(engine);

  it('is retried maxReceiveCount times, then lands in the dead-letter queue unchanged', async () => {
    const queues = await createPipelineQueues(engines.sqs.client, {
      prefix: `r14-${engine}-`,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      visibilityTimeoutSeconds: 1,
    });
    const tableName = await freshTable(engines.dynamo.client, 'r14');
    const metrics = new CapturedMetrics();
    const consume = createConsumerHandler({ dynamodb: engines.dynamo.client, tableName, metrics });

    const [good] = asMessage(loadEvents('webcom-viber-cascade'), `r14-${engine}`);
    // Valid JSON, even a valid v1 event, but a status of no message: nothing could ever apply it.
    const { messageId: _dropped, ...poison } = { ...good, eventId: 'e'.repeat(32) };
    const send = (event: Omit<NormalizedEvent, 'messageId'>) =>
      engines.sqs.client.send(
        new SendMessageCommand({
          QueueUrl: queues.eventsQueueUrl,
          MessageBody: JSON.stringify(event),
          MessageAttributes: Object.fromEntries(
            Object.entries(messageAttributesOf(event as NormalizedEvent)).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
          ),
        }),
      );
    await send(good);
    await send(poison);

    const poisonReceiveCounts: string[] = [];
    const deadline = Date.now() + 30_000;
    while ((await queueDepth(engines.sqs.client, queues.deadLetterQueueUrl)) === 0 && Date.now() < deadline) {
      const { Messages = [] } = await engines.sqs.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.eventsQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      if (Messages.length === 0) continue;
      const records = Messages.map(toRecord);
      const { batchItemFailures } = await consume(sqsEventOf(...records));
      const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
      poisonReceiveCounts.push(
        ...records.filter((record) => failed.has(record.messageId)).map((record) => record.attributes.ApproximateReceiveCount),
      );
      const succeeded = Messages.filter((message) => !failed.has(message.MessageId!));
      if (succeeded.length > 0) {
        await engines.sqs.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queues.eventsQueueUrl,
            Entries: succeeded.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
          }),
        );
      }
    }

    expect(poisonReceiveCounts).toEqual(['1', '2', '3']);
    const [dead] = await receiveAll(engines.sqs.client, queues.deadLetterQueueUrl, 1, 5_000);
    expect(JSON.parse(dead.Body!)).toEqual(poison);
    expect(await queueDepth(engines.sqs.client, queues.eventsQueueUrl)).toBe(0);
    expect((await createStatusStore({ dynamodb: engines.dynamo.client, tableName }).readState('webcom', good.messageId!))?.eventId).toBe(
      good.eventId,
    );
    expect(metrics.totals().webcom).toEqual({ [METRICS.statusesApplied]: 1, [METRICS.recordFailures]: MAX_RECEIVE_COUNT });
  });
});
