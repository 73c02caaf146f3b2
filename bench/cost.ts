/**
 * The cost model of docs/performance.md as a function of what the bench measured: write units per new status
 * event, log bytes per request, SQS requests per webhook. Pure; `test/bench/cost.test.ts` pins it.
 *
 * List prices (us-east-1, on-demand, free tiers ignored; check the pricing pages before relying on them) and the
 * traffic assumed (one event per webhook, 10 % provider retries) are constants here, each named once.
 *
 * Write units decide the largest line: a new status event is 2 units (the state or publication item, then the
 * history item, which the compressed event keeps under 1 KB: functions/store/eventCodec.ts), $1.13 per million
 * webhooks; at 3, as before, the busy total was over the $4.50 budget. After DynamoDB's writes come API Gateway
 * ($1.00, fixed per request), CloudWatch Logs (the ingest's one line per request is most of it) and SNS.
 */

/** USD list prices. */
export const PRICES = {
  apiGatewayPerMillion: 1.0,
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: 0.0000133334,
  sqsPerMillionRequests: 0.4,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  snsPerMillionPublishes: 0.5,
  logsPerGb: 0.5,
} as const;

/** What the model assumes rather than measures. */
export const ASSUMPTIONS = {
  /** Share of webhooks that are provider retries of an event already recorded. */
  duplicateShare: 0.1,
  /** Records per consumer batch when traffic is busy (the batch size). */
  busyBatch: 10,
  memoryGb: 0.5,
  /** Billed ingest duration: its CPU at about 0.29 vCPU (512 MB) plus a SendMessageBatch round trip, in seconds. */
  ingestSeconds: 0.011,
  /** Billed consumer duration per batch (records run in parallel: 2 reads at once, 2 writes and a publish in a row). */
  consumerSecondsPerBatch: 0.025,
  /** Consistent reads per delivery: the history item and the state. */
  readUnitsPerDelivery: 2,
  /** Lambda's START/END/REPORT lines per invocation, bytes. */
  platformLogBytesPerInvocation: 350,
  /** The consumer's own log bytes per record (it logs failures only; its EMF record per batch and provider). */
  consumerLogBytesPerBatch: 600,
} as const;

export interface CostInputs {
  /** Write units per new status event, as metered (mean). */
  readonly writeUnitsPerStatusEvent: number;
  /** Write units per repeat of an event already recorded. */
  readonly writeUnitsPerDuplicate: number;
  /** Bytes the ingest function logs per request (its one line, with the EMF record). */
  readonly logBytesPerRequest: number;
  /** SQS requests the ingest makes per webhook (SendMessageBatch calls; one per 64 KB chunk). */
  readonly sqsRequestsPerWebhook: number;
}

export interface CostLine {
  readonly item: string;
  readonly usd: number;
}

/** The cost of one million webhooks, line by line, busy traffic (full consumer batches). */
export function costPerMillion(inputs: CostInputs): CostLine[] {
  const million = 1_000_000;
  const fresh = million * (1 - ASSUMPTIONS.duplicateShare);
  const repeats = million - fresh;
  const batches = million / ASSUMPTIONS.busyBatch;
  const gbSeconds = (invocations: number, seconds: number) => invocations * seconds * ASSUMPTIONS.memoryGb;
  const logBytes =
    million * (inputs.logBytesPerRequest + ASSUMPTIONS.platformLogBytesPerInvocation) +
    batches * (ASSUMPTIONS.platformLogBytesPerInvocation + ASSUMPTIONS.consumerLogBytesPerBatch);
  return [
    { item: 'API Gateway HTTP API', usd: PRICES.apiGatewayPerMillion },
    { item: 'ingest Lambda', usd: PRICES.lambdaPerMillionRequests + gbSeconds(million, ASSUMPTIONS.ingestSeconds) * PRICES.lambdaPerGbSecond },
    { item: 'SQS SendMessageBatch', usd: inputs.sqsRequestsPerWebhook * PRICES.sqsPerMillionRequests },
    { item: 'SQS receive + delete', usd: ((2 * batches) / million) * PRICES.sqsPerMillionRequests },
    {
      item: 'consumer Lambda',
      usd: (batches / million) * PRICES.lambdaPerMillionRequests + gbSeconds(batches, ASSUMPTIONS.consumerSecondsPerBatch) * PRICES.lambdaPerGbSecond,
    },
    {
      item: 'DynamoDB writes',
      usd: ((fresh * inputs.writeUnitsPerStatusEvent + repeats * inputs.writeUnitsPerDuplicate) / million) * PRICES.dynamoPerMillionWriteUnits,
    },
    { item: 'DynamoDB reads', usd: ASSUMPTIONS.readUnitsPerDelivery * PRICES.dynamoPerMillionReadUnits },
    { item: 'SNS publishes', usd: (fresh / million) * PRICES.snsPerMillionPublishes },
    { item: 'CloudWatch Logs', usd: (logBytes / 1e9) * PRICES.logsPerGb },
  ];
}

/** The total of {@link costPerMillion}, in USD, rounded to the cent. */
export const totalUsd = (lines: readonly CostLine[]): number => Math.round(lines.reduce((sum, line) => sum + line.usd, 0) * 100) / 100;
