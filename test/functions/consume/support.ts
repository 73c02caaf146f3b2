/**
 * Helpers of the consumer, store, lookup and reliability suites: the engines of a suite, recorded events, SQS records
 * built the way Lambda delivers them, a table per suite, a Metrics sink that keeps what it would print, and fault
 * injection.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { messageAttributesOf, type NormalizedEvent } from '../../../functions/events/schema';
import { logger } from '../../../functions/core/logger';
import { localSnsClient } from '../../../local/engines/clients';
import { createPipelineTable } from '../../../local/engines/tables';
import { startDynamo, type DynamoEngineName, type TestDynamo } from '../../support/dynamodb';
import { startSqs, type TestSqs } from '../../support/sqs';
import { METRICS } from '../../../lib/pipeline-settings';
import { AppliedEventSchema, type AppliedEvent } from '../../../functions/events/applied';
import type { ConsumerDependencies } from '../../../functions/consume/createConsumerHandler';
import { createTopicAndSubscribers } from '../../../local/engines/topics';
import { receiveAll } from '../../support/sqs';

const EVENTS_DIR = path.join(__dirname, 'events');

/** The recorded status sequences (one message each) in `events/`. */
export const SEQUENCES = [
  'smsgateway24-every-step',
  'webcom-viber-cascade',
  'nhncloud-sms-result-and-dlrs',
  'innopaas-whatsapp-statuses',
  'innopaas-otp-tie',
] as const;
export type SequenceName = (typeof SEQUENCES)[number] | 'other-types';

export function loadEvents(name: SequenceName): NormalizedEvent[] {
  return JSON.parse(readFileSync(path.join(EVENTS_DIR, `${name}.json`), 'utf8')) as NormalizedEvent[];
}

/** `events` moved to their own message (`messageId` suffixed), so one table can hold many runs. */
export function asMessage(events: readonly NormalizedEvent[], suffix: string): NormalizedEvent[] {
  return events.map((event) => ({ ...event, messageId: `${event.messageId}-${suffix}` }));
}

let messageCounter = 0;

/** A record as Lambda's SQS event source delivers it, carrying `body` (an event or any text). */
export function sqsRecordOf(body: NormalizedEvent | string, options: { messageId?: string; receiveCount?: number } = {}): SQSRecord {
  const attributes = typeof body === 'string' ? {} : messageAttributesOf(body);
  return {
    messageId: options.messageId ?? `00000000-0000-4000-8000-${String(++messageCounter).padStart(12, '0')}`,
    receiptHandle: `receipt-${messageCounter}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1735689600000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1735689600000',
    },
    messageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([name, value]) => [
        name,
        { dataType: 'String', stringValue: String(value), stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:webhook-events',
    awsRegion: 'us-east-1',
  };
}

export const sqsEventOf = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

let tableCounter = 0;

/** A new, empty table with the pipeline's keys. */
export async function freshTable(client: DynamoDBClient, label = 'test'): Promise<string> {
  return createPipelineTable(client, { tableName: `${label}-${process.pid}-${++tableCounter}-webhook-messages` });
}

type Emf = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
};

/** A Metrics sink that keeps each EMF document instead of printing it. */
export class CapturedMetrics extends Metrics {
  readonly documents: Emf[] = [];

  constructor() {
    super({ namespace: METRICS.namespace });
  }

  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) this.documents.push(this.serializeMetrics() as unknown as Emf);
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }

  /** provider → metric → total over every document kept so far. */
  totals(): Record<string, Record<string, number>> {
    const totals: Record<string, Record<string, number>> = {};
    for (const document of this.documents) {
      const provider = String(document.provider);
      for (const { Metrics: metrics } of document._aws.CloudWatchMetrics) {
        for (const { Name } of metrics) {
          totals[provider] ??= {};
          totals[provider][Name] = (totals[provider][Name] ?? 0) + Number(document[Name]);
        }
      }
    }
    return totals;
  }
}

interface Sendable {
  send(...args: never[]): unknown;
}
type Command = { readonly input: Record<string, unknown>; readonly constructor: { readonly name: string } };

/**
 * Fault injection with aws-sdk-client-mock: every command `fault` returns an error for fails with it, every other
 * command goes to the real engine. `target` is a client instance, or a client class (every instance).
 * Call `restore()` on the result when done.
 */
export function injectFaults(target: Sendable | { prototype: Sendable }, fault: (command: Command) => Error | undefined): { restore(): void } {
  const real = ('send' in target ? target.send : target.prototype.send) as (this: unknown, ...args: unknown[]) => unknown;
  const stub = mockClient(target as never) as AwsStub<never, never, never>;
  (stub.send as unknown as { callsFake(fn: (this: unknown, command: Command, ...rest: unknown[]) => unknown): void }).callsFake(function (
    this: unknown,
    command: Command,
    ...rest: unknown[]
  ) {
    const error = fault(command);
    return error ? Promise.reject(error) : real.call(this, command, ...rest);
  });
  return stub;
}

/** The engines a consumer suite runs on, started once per `describe` by {@link useConsumerEngines}. */
export interface ConsumerEngines {
  readonly dynamo: TestDynamo;
  /** fauxqs, also serving SNS; absent when the suite asked for DynamoDB only. */
  readonly sqs: TestSqs;
  readonly sns: SNSClient;
}

/**
 * Starts DynamoDB (`engine`) and, unless `withQueues` is false, fauxqs with an SNS client on it, before the suite's
 * tests, with the functions' logger silenced; stops them after. Read the engines inside hooks and tests (they exist
 * from `beforeAll` on), not at `describe` time.
 */
export function useConsumerEngines(engine: DynamoEngineName, options: { withQueues?: boolean } = {}): ConsumerEngines {
  const engines: { dynamo?: TestDynamo; sqs?: TestSqs; sns?: SNSClient } = {};
  beforeAll(async () => {
    logger.setLogLevel('SILENT');
    [engines.dynamo, engines.sqs] = await Promise.all([startDynamo(engine), options.withQueues === false ? undefined : startSqs()]);
    if (engines.sqs) engines.sns = localSnsClient(engines.sqs.endpoint);
  });
  afterAll(async () => {
    engines.sns?.destroy();
    await Promise.all([engines.dynamo?.stop(), engines.sqs?.stop()]);
  });
  const started = <K extends keyof typeof engines>(name: K): NonNullable<(typeof engines)[K]> => {
    const value = engines[name];
    if (value === undefined)
      throw new Error(`${name} is not started: read it inside a hook or a test${name !== 'dynamo' ? ', and ask for queues' : ''}`);
    return value as NonNullable<(typeof engines)[K]>;
  };
  return {
    get dynamo() {
      return started('dynamo');
    },
    get sqs() {
      return started('sqs');
    },
    get sns() {
      return started('sns');
    },
  };
}

let fixtures = 0;

/** A consumer's dependencies on a fresh table, with a topic whose one unfiltered subscriber queue a test reads. */
export interface ConsumerFixture {
  readonly deps: ConsumerDependencies & { metrics: CapturedMetrics };
  /** Names the test's queues and topic apart from every other test's on the same engines. */
  readonly prefix: string;
  /** The topic's one subscriber queue, unfiltered. */
  readonly subscriberQueueUrl: string;
  /** The applied events on the subscriber queue; waits for one more than `expected` to prove there is none. */
  published(expected: number, waitMs?: number): Promise<AppliedEvent[]>;
}

/** Builds a {@link ConsumerFixture} on `engines` (call it in `beforeEach`), the clock read through `now`. */
export async function consumerFixture(engines: ConsumerEngines, label: string, now: () => Date): Promise<ConsumerFixture> {
  const prefix = `${label}-${engines.dynamo.engine}-${++fixtures}-`;
  const { topicArn, subscriberQueueUrls } = await createTopicAndSubscribers(engines.sns, engines.sqs.client, [{ name: 'all' }], { prefix });
  return {
    prefix,
    subscriberQueueUrl: subscriberQueueUrls.all,
    deps: {
      dynamodb: engines.dynamo.client,
      tableName: await freshTable(engines.dynamo.client, label),
      sns: engines.sns,
      topicArn,
      now,
      metrics: new CapturedMetrics(),
    },
    published: async (expected, waitMs = 1_000) =>
      (await receiveAll(engines.sqs.client, subscriberQueueUrls.all, expected + 1, waitMs)).map((message) =>
        AppliedEventSchema.parse(JSON.parse(message.Body!)),
      ),
  };
}
