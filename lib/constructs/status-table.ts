import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { RESOURCE_NAMES, TABLE } from '../pipeline-settings';

export interface StatusTableProps {
  /** Suffix of the table name. */
  readonly stage: string;
  /** Refuse DeleteTable, and keep the table if the stack is deleted. */
  readonly deletionProtection: boolean;
}

/**
 * Secure defaults of the status table, as plain data: on-demand (webhook traffic is bursty and unplanned),
 * point-in-time recovery (35 days of restores after a bad deploy or a bad script), encryption at rest with the
 * AWS managed key, and TTL on `TABLE.ttlAttribute` so history expires on its own.
 */
export const STATUS_TABLE_DEFAULTS = {
  partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
  sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  encryption: dynamodb.TableEncryption.AWS_MANAGED,
  timeToLiveAttribute: TABLE.ttlAttribute,
} as const satisfies Partial<dynamodb.TableProps>;

/** The current status and history of every message (keys and TTL attribute from `TABLE`). */
export class StatusTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StatusTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      ...STATUS_TABLE_DEFAULTS,
      tableName: `${RESOURCE_NAMES.table}-${props.stage}`,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}
