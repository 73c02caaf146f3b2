import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger of every function (Powertools). Log ids, counts and reasons; never a body, a secret
 * or a whole phone number (use `maskPhone`).
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'webhook-ingestion' });
