/**
 * What each kind of call the consumer makes costs on the local engines, alone: `npx tsx bench/engine-calls.ts`.
 * `startLocalPipeline` as the bench runs it (fauxqs and dynalite in this process, on disk), then, 20 in flight as
 * the consumer has, each call of an event in turn on a table and a queue of its own: calls per second and
 * milliseconds of the one event loop per call. Summed with the calls per event the end-to-end run prints, it is
 * the rate the engines allow the consumer before any of its own code runs (docs/performance.md "Consumer
 * throughput"). Not part of `npm run bench`; for investigating. `CALLS=N` sets the calls per kind (1,500).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPipelineTable } from '../local/engines/tables';
import { PublishCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { localDynamoClient, localSnsClient, localSqsClient } from '../local/engines/clients';
import { startLocalPipeline } from '../local/pipeline';

const IN_FLIGHT = 20;

async function measure(label: string, count: number, inFlight: number, call: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await call(next++);
    }),
  );
  const ms = performance.now() - started;
  process.stdout.write(`  ${label.padEnd(50)} ${(count / (ms / 1000)).toFixed(0).padStart(6)}/s  ${(ms / count).toFixed(3)} ms each\n`);
}

async function main(): Promise<void> {
  const count = Number(process.env.CALLS ?? 1_500);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'engine-calls-'));
  const pipeline = await startLocalPipeline({ port: 0, dataDir, logLevel: 'ERROR', console: false, sweepIntervalSeconds: 0 });
  const dynamodb = localDynamoClient(pipeline.endpoints.dynamodb);
  const documents = DynamoDBDocumentClient.from(dynamodb);
  const sns = localSnsClient(pipeline.endpoints.sqs);
  const sqs = localSqsClient(pipeline.endpoints.sqs);
  try {
    // The pipeline's own key schema, created and waited for until ACTIVE.
    const TableName = await createPipelineTable(dynamodb, { tableName: `engine-calls-${Date.now()}` });
    const event = Buffer.alloc(700, 7);
    // Two rounds: the first warms the engines and the clients up; the second is the figure.
    for (const round of [1, 2]) {
      process.stdout.write(`round ${round} (${count} calls of each kind, ${IN_FLIGHT} in flight)\n`);
      const key = (n: number, sk: string) => ({ pk: `MSG#${round}#${n}`, sk });
      await measure('UpdateItem, conditional (the baseline write)', count, IN_FLIGHT, (n) =>
        documents.send(
          new UpdateCommand({
            TableName,
            Key: key(n, 'STATE'),
            UpdateExpression: 'SET #status = :status, #version = :version, #padding = :padding',
            ConditionExpression: 'attribute_not_exists(#version)',
            ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#padding': 'padding' },
            ExpressionAttributeValues: { ':status': 'delivered', ':version': 1, ':padding': 'x'.repeat(400) },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      await measure('GetItem, consistent, item there (state)', count, IN_FLIGHT, (n) =>
        documents.send(new GetCommand({ TableName, Key: key(n, 'STATE'), ConsistentRead: true })),
      );
      await measure('GetItem, consistent, no item (history)', count, IN_FLIGHT, (n) =>
        documents.send(new GetCommand({ TableName, Key: key(n, 'EVENT#e'), ConsistentRead: true })),
      );
      // An event's two reads: as the consumer makes them, and as one round trip would.
      await measure("an event's 2 GetItems, in parallel", count, IN_FLIGHT, (n) =>
        Promise.all([
          documents.send(new GetCommand({ TableName, Key: key(n, 'STATE'), ConsistentRead: true })),
          documents.send(new GetCommand({ TableName, Key: key(n, 'EVENT#e'), ConsistentRead: true })),
        ]),
      );
      await measure("an event's 2 reads as one BatchGetItem", count, IN_FLIGHT, (n) =>
        documents.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: [key(n, 'STATE'), key(n, 'EVENT#e')], ConsistentRead: true } } })),
      );
      await measure('PutItem if absent, 0.7 kB binary (history)', count, IN_FLIGHT, (n) =>
        documents.send(
          new PutCommand({
            TableName,
            Item: { ...key(n, 'EVENT#e'), event, status: 'delivered' },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
          }),
        ),
      );
      await measure('SNS Publish, 1 kB, fanned out to the subscribers', count, IN_FLIGHT, (n) =>
        sns.send(
          new PublishCommand({
            TopicArn: pipeline.resources.topicArn,
            Message: JSON.stringify({ n, padding: 'y'.repeat(900) }),
            MessageAttributes: { provider: { DataType: 'String', StringValue: 'bench' } },
          }),
        ),
      );
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `engine-calls-${Date.now()}-${round}` }));
      const entries = Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: 'z'.repeat(1_200) }));
      await measure('SendMessageBatch of 10', count / 10, IN_FLIGHT, () => sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries })));
      // As the poller does: 2 loops, each a receive of 10 then their delete.
      await measure('ReceiveMessage of 10 + DeleteMessageBatch', count / 10, 2, async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
        );
        if (Messages.length === 0) return;
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: Messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
      });
    }
  } finally {
    dynamodb.destroy();
    sns.destroy();
    sqs.destroy();
    await pipeline.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
