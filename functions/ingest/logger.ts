/**
 * The ingest functions' logger: Powertools-shaped JSON lines without the Powertools logger, whose weight and
 * per-line cost the ingest's budgets cannot carry (see `../core/JsonLogger.ts`). Service name and level come from
 * the environment, read when the function starts (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_LOG_LEVEL`).
 */
import { JsonLogger } from '../core/JsonLogger';

export const logger = new JsonLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'webhook-ingestion' });
