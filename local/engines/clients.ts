/**
 * AWS SDK clients pointed at the embedded engines. The engines ignore credentials, but the SDK insists on some.
 * fauxqs answers queue URLs on `sqs.<region>.localhost`, which this machine may not resolve: the endpoint is always
 * explicit and queue URLs are never used as endpoints.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, useQueueUrlAsEndpoint: false });
}

export function localSnsClient(endpoint: string): SNSClient {
  return new SNSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/** A DynamoDB client for dynalite (`local/engines/dynamodb.ts`) or DynamoDB Local at `endpoint`. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}
