/**
 * The sweeper Lambda, run by an EventBridge schedule (and by `npm start` on an interval, and `npm run ops -- sweep`):
 * one {@link sweep} of the timers due by now. It throws when a timer could not be handled, after sweeping the rest,
 * so the function's Errors alarm tells the operator; the next run sweeps the failed hour again.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../core/errors';
import { logger } from '../core/logger';
import { enqueueEvents } from '../ingest/enqueue';
import { createStatusStore } from '../store/createStatusStore';
import { createTimerStore } from './createTimerStore';
import { sweep, type SweepReport } from './sweep';

export interface SweeperDependencies {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  tableName: string;
  eventsQueueUrl: string;
  /** How far back a sweep with no cursor looks, in hours. @default TIMERS.lookbackHours */
  lookbackHours?: number;
  now?: () => Date;
}

/** Thrown after a sweep in which some timers could not be handled (they are swept again next time). */
export class SweepFailedError extends Error {
  constructor(readonly report: SweepReport) {
    super(`${report.failures.length} due timer(s) could not be handled: ${report.failures[0]?.reason ?? ''}; the next sweep retries them`);
    this.name = 'SweepFailedError';
  }
}

function checked(deps: SweeperDependencies): SweeperDependencies {
  const problems: string[] = [];
  if (!deps.tableName) problems.push('tableName is empty');
  if (!deps.eventsQueueUrl) problems.push('eventsQueueUrl is empty');
  if (deps.lookbackHours !== undefined && !(deps.lookbackHours >= 0)) problems.push('lookbackHours must be 0 or more');
  if (problems.length > 0) throw new ConfigurationError(`sweeper: ${problems.join('; ')}`);
  return deps;
}

/**
 * Builds the sweeper: a function of no argument that matters (the scheduled event is ignored) answering the report.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * declare const tableName: string;
 * declare const eventsQueueUrl: string;
 *
 * const handler = createSweeperHandler({ dynamodb: new DynamoDBClient({}), sqs: new SQSClient({}), tableName, eventsQueueUrl });
 * ```
 */
export function createSweeperHandler(deps: SweeperDependencies): (event?: unknown, options?: { dryRun?: boolean }) => Promise<SweepReport> {
  const { dynamodb, sqs, tableName, eventsQueueUrl, lookbackHours } = checked(deps);
  const now = deps.now ?? (() => new Date());
  const timers = createTimerStore({ dynamodb, tableName });
  const statusStore = createStatusStore({ dynamodb, tableName });
  return async (_event, options = {}) => {
    const report = await sweep({
      timers,
      statusStore,
      now: now(),
      lookbackHours,
      dryRun: options.dryRun,
      send: async (events) => (await enqueueEvents(sqs, eventsQueueUrl, events)).failures,
    });
    const summary = {
      from: report.from,
      to: report.to,
      partitions: report.partitions.length,
      due: report.due,
      sent: report.sent.length,
      settled: report.settled,
      failures: report.failures.length,
      cursor: report.cursor,
      dryRun: report.dryRun,
    };
    if (report.failures.length > 0) {
      logger.error('sweep left due timers unhandled', { ...summary, failed: report.failures.slice(0, 10) });
      throw new SweepFailedError(report);
    }
    logger.info('sweep done', summary);
    return report;
  };
}
