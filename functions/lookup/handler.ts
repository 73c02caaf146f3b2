/** The lookup Lambda entry: `TABLE_NAME` from the environment, one DynamoDB client per container. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV } from '../settings';
import { getStringFromEnv } from '../core/env';
import { createLookupHandler } from './createLookupHandler';

export const handler = createLookupHandler({ dynamodb: new DynamoDBClient({}), tableName: getStringFromEnv(ENV.tableName) });
