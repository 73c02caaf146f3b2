/**
 * The pipeline's table on an embedded engine, with the keys of the AWS stack (`TABLE` in lib/pipeline-settings.ts).
 * Time to live is not switched on here: dynalite has no TTL API, so locally `expiresAt` is written but nothing
 * expires (on AWS the stack enables TTL on the same attribute).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { RESOURCE_NAMES, TABLE } from '../../lib/pipeline-settings';

/**
 * The table's keys in the DynamoDB API's terms: `TABLE`'s partition and sort key, both strings. The stack's tests hold
 * the synthesized table to these, so the local table and the AWS one cannot drift apart.
 */
export const PIPELINE_TABLE_KEYS: Required<Pick<CreateTableCommandInput, 'KeySchema' | 'AttributeDefinitions'>> = {
  KeySchema: [
    { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
    { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
    { AttributeName: TABLE.sortKey, AttributeType: 'S' },
  ],
};

export interface PipelineTableOptions {
  /** @default RESOURCE_NAMES.table */
  readonly tableName?: string;
  /** How long to wait for the table to become ACTIVE. @default 30000 */
  readonly timeoutMs?: number;
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table?.TableStatus;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * Creates the table unless it exists (idempotent, also when two callers race), waits until it is ACTIVE and
 * returns its name.
 *
 * @example
 * ```ts
 * import { localDynamoClient } from './clients';
 * import type { DynamoEngine } from './dynamodb';
 * declare const engine: DynamoEngine;
 * const tableName = await createPipelineTable(localDynamoClient(engine.endpoint), { tableName: 'test-webhook-messages' });
 * ```
 */
export async function createPipelineTable(client: DynamoDBClient, options: PipelineTableOptions = {}): Promise<string> {
  const tableName = options.tableName ?? RESOURCE_NAMES.table;
  if ((await tableStatus(client, tableName)) === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          ...PIPELINE_TABLE_KEYS,
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const status = await tableStatus(client, tableName);
    if (status === 'ACTIVE') return tableName;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is ${status ?? 'missing'}, not ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
