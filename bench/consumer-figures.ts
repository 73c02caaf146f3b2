/**
 * The consumer's side of the end-to-end run: the write units its DynamoDB client is billed (metered by asking every
 * write for its consumed capacity, as DynamoDB bills it), the events it finished, and the table engine's own rate
 * of conditional writes, measured in the same run against the same engine, as the baseline of its throughput.
 */
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createPipelineTable } from '../local/engines/tables';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Write units and finished events, counted on a client the pipeline uses. */
export interface WriteMeter {
  readonly writeUnits: () => number;
  /** History items written: each is one event finished (applied and published). */
  readonly finishedEvents: () => number;
  /** Every call the client sent so far, by command name (reads too): what one event costs the engine. */
  readonly calls: () => Readonly<Record<string, number>>;
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

/** Adds a middleware to `client` that asks every write for its consumed capacity and adds it up. */
export function meterWrites(client: DynamoDBClient): WriteMeter {
  let units = 0;
  let finished = 0;
  const calls: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      calls[name] = (calls[name] ?? 0) + 1;
      if (!WRITES.has(name)) return next(args);
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      try {
        const result = await next(args);
        units += (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ?? 0;
        // The document client may hand the item over marshalled or not, depending on where this middleware runs.
        const sk = (args.input as { Item?: { sk?: string | { S?: string } } }).Item?.sk;
        const sortKey = typeof sk === 'string' ? sk : sk?.S;
        if (name === 'PutItemCommand' && sortKey?.startsWith('EVENT#')) finished++;
        return result;
      } catch (error) {
        // A refused conditional write is billed too: DynamoDB charges the item's size. Count 1 (small items).
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') units += 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'benchMeterWrites' },
  );
  return { writeUnits: () => units, finishedEvents: () => finished, calls: () => ({ ...calls }) };
}

/**
 * Conditional writes per second the engine takes: `count` UpdateItems of a small state-like item (a version
 * compare-and-set, as the consumer's state write), `concurrency` in flight, on a table of their own.
 */
export async function engineWriteRate(client: DynamoDBClient, count: number, concurrency: number): Promise<number> {
  // The pipeline's own key schema, created and waited for until ACTIVE.
  const TableName = await createPipelineTable(client, { tableName: `bench-engine-${Date.now()}` });
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const n = next++;
      await client.send(
        new UpdateItemCommand({
          TableName,
          Key: { pk: { S: `MSG#bench#${n}` }, sk: { S: 'STATE' } },
          UpdateExpression: 'SET #status = :status, #version = :version, #padding = :padding',
          ConditionExpression: 'attribute_not_exists(#version)',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#padding': 'padding' },
          ExpressionAttributeValues: { ':status': { S: 'delivered' }, ':version': { N: '1' }, ':padding': { S: 'x'.repeat(400) } },
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - started) / 1000);
}

/**
 * A bare relay on 127.0.0.1: every request's body is sent on, as it came, in one SendMessageBatch to a queue of its
 * own on the same SQS engine, then answered 200. What the ingest function does with nothing of its own.
 */
export async function startRelay(sqs: SQSClient): Promise<{ url: string; stop: () => Promise<void> }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `bench-relay-${Date.now()}` }));
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: '0', MessageBody: Buffer.concat(chunks).toString('utf8') || '-' }] })).then(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        () => response.writeHead(503).end(),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
