/**
 * reliability case 11: in a batch, one record's write throws (DynamoDB throttling, injected with
 * aws-sdk-client-mock into clients that otherwise talk to the real engine). Only that record is reported in
 * `batchItemFailures`; every other record is applied; the failed one is applied by its retry, which the queue
 * makes after its visibility timeout (so after the failed delivery's claim to publish expired).
 */
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import type { NormalizedEvent } from '../../functions/events/schema';
import { createConsumerHandler } from '../../functions/consume/createConsumerHandler';
import { createStatusStore, type StatusStore } from '../../functions/store';
import { METRICS } from '../../lib/pipeline-settings';
import { dynamoEngines } from '../support/dynamodb';
import {
  asMessage,
  CapturedMetrics,
  freshTable,
  injectFaults,
  loadEvents,
  sqsEventOf,
  sqsRecordOf,
  useConsumerEngines,
} from '../functions/consume/support';

const throttling = () =>
  Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException', $fault: 'client' });

/**
 * Which write of the victim message fails: the state update (first: nothing of it is stored), or the history put
 * (last: the state moved, the event is not finished until the retry).
 */
const WRITES = [
  [
    'history put',
    (command: { input: Record<string, unknown> }, pk: string) => command instanceof PutCommand && (command.input.Item as { pk: string }).pk === pk,
    'delivered',
  ],
  [
    'state update',
    (command: { input: Record<string, unknown> }, pk: string) => command instanceof UpdateCommand && (command.input.Key as { pk: string }).pk === pk,
    undefined,
  ],
] as const;

const NOW = new Date('2026-03-02T09:00:00.000Z');

describe.each(dynamoEngines)('RELIABILITY 11 on %s: one record of a batch fails to write', (engine) => {
  const engines = useConsumerEngines(engine, { withQueues: false });

  describe.each(WRITES)('when its %s is throttled', (_write, matches, victimStatus) => {
    let store: StatusStore;
    let consume: ReturnType<typeof createConsumerHandler>;
    let metrics: CapturedMetrics;
    let messages: NormalizedEvent[][];
    let clock: Date;

    beforeEach(async () => {
      const tableName = await freshTable(engines.dynamo.client, 'r11');
      metrics = new CapturedMetrics();
      clock = NOW;
      consume = createConsumerHandler({ dynamodb: engines.dynamo.client, tableName, metrics, now: () => clock });
      store = createStatusStore({ dynamodb: engines.dynamo.client, tableName });
      // Five messages, each with its final status: the third is the victim.
      messages = ['a', 'b', 'c', 'd', 'e'].map((suffix) => asMessage(loadEvents('smsgateway24-every-step'), suffix));
    });

    it('reports only that record, applies the others, and applies it on retry', async () => {
      const records = messages.map((events) => sqsRecordOf(events[4]));
      const victim = messages[2][4];
      const victimKey = `MSG#smsgateway24#${victim.messageId}`;
      let response: SQSBatchResponse;
      const faults = injectFaults(DynamoDBDocumentClient, (command) => (matches(command, victimKey) ? throttling() : undefined));
      try {
        response = await consume(sqsEventOf(...records));
      } finally {
        faults.restore();
      }
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[2].messageId }]);
      for (const [index, events] of messages.entries()) {
        const state = await store.readState('smsgateway24', events[0].messageId!);
        expect([index, state?.status]).toEqual([index, index === 2 ? victimStatus : 'delivered']);
      }
      expect(await store.readMessage('smsgateway24', victim.messageId!)).toEqual(victimStatus ? expect.objectContaining({ history: [] }) : undefined);
      expect(metrics.totals().smsgateway24).toEqual({ [METRICS.statusesApplied]: 4, [METRICS.recordFailures]: 1 });

      clock = new Date(NOW.getTime() + 181_000);
      expect(await consume(sqsEventOf({ ...records[2], attributes: { ...records[2].attributes, ApproximateReceiveCount: '2' } }))).toEqual({
        batchItemFailures: [],
      });
      expect((await store.readMessage('smsgateway24', victim.messageId!))?.history.map((entry) => entry.eventId)).toEqual([victim.eventId]);
      expect((await store.readState('smsgateway24', victim.messageId!))?.status).toBe('delivered');
    });
  });
});
