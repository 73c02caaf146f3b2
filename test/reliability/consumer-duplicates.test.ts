/**
 * reliability case 12: the same event delivered twice (as two SQS messages), one after the other and at the
 * same time (in one batch, whose records run in parallel, and in two invocations at once). It is applied once,
 * every delivery is a success, and the topic gets it once, so a subscriber of `statusChanged: true` never sees a
 * status change twice.
 */
import { AppliedEventSchema, type AppliedEvent } from '../../functions/events/applied';
import { createConsumerHandler, type ConsumerDependencies } from '../../functions/consume/createConsumerHandler';
import { createStatusStore } from '../../functions/store';
import { createTopicAndSubscribers } from '../../local/engines/topics';
import { METRICS } from '../../lib/pipeline-settings';
import { dynamoEngines } from '../support/dynamodb';
import { receiveAll } from '../support/sqs';
import { asMessage, CapturedMetrics, freshTable, loadEvents, sqsEventOf, sqsRecordOf, useConsumerEngines } from '../functions/consume/support';

describe.each(dynamoEngines)('RELIABILITY 12 on %s: the same event twice', (engine) => {
  const engines = useConsumerEngines(engine);
  let deps: ConsumerDependencies & { metrics: CapturedMetrics };
  let queueUrl: string;
  let run = 0;

  const published = async (expected: number): Promise<AppliedEvent[]> =>
    (await receiveAll(engines.sqs.client, queueUrl, expected + 1, 1_000)).map((message) => AppliedEventSchema.parse(JSON.parse(message.Body!)));

  beforeEach(async () => {
    const topic = await createTopicAndSubscribers(engines.sns, engines.sqs.client, [{ name: 'changes', filterPolicy: { statusChanged: ['true'] } }], {
      prefix: `r12-${engine}-${++run}-`,
    });
    queueUrl = topic.subscriberQueueUrls.changes;
    deps = {
      dynamodb: engines.dynamo.client,
      tableName: await freshTable(engines.dynamo.client, 'r12'),
      sns: engines.sns,
      topicArn: topic.topicArn,
      metrics: new CapturedMetrics(),
    };
  });

  const expectAppliedOnce = async (messageId: string, eventId: string) => {
    const stored = await createStatusStore(deps).readMessage('webcom', messageId);
    expect(stored?.state.eventId).toBe(eventId);
    expect(stored?.history.map((entry) => entry.eventId)).toEqual([eventId]);
    expect((await published(1)).map((event) => [event.eventId, event.statusChanged])).toEqual([[eventId, true]]);
  };

  it('applies it once when the copies come one after the other', async () => {
    const consume = createConsumerHandler(deps);
    const [event] = asMessage(loadEvents('webcom-viber-cascade'), 'sequential');
    expect(await consume(sqsEventOf(sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
    expect(await consume(sqsEventOf(sqsRecordOf(event)))).toEqual({ batchItemFailures: [] });
    await expectAppliedOnce(event.messageId!, event.eventId);
    expect(deps.metrics.totals().webcom).toEqual({ [METRICS.statusesApplied]: 1, [METRICS.duplicateEvents]: 1 });
  });

  it('applies it once when the copies are in one batch', async () => {
    const [event] = asMessage(loadEvents('webcom-viber-cascade'), 'one-batch');
    const copies = Array.from({ length: 6 }, () => sqsRecordOf(event));
    expect(await createConsumerHandler(deps)(sqsEventOf(...copies))).toEqual({ batchItemFailures: [] });
    await expectAppliedOnce(event.messageId!, event.eventId);
    expect(deps.metrics.totals().webcom).toEqual({ [METRICS.statusesApplied]: 1, [METRICS.duplicateEvents]: 5 });
  });

  it('applies it once when two invocations deliver it at the same time', async () => {
    const [event] = asMessage(loadEvents('webcom-viber-cascade'), 'two-invocations');
    const consumers = [createConsumerHandler(deps), createConsumerHandler(deps)];
    const responses = await Promise.all([0, 1, 2, 3].map((index) => consumers[index % 2](sqsEventOf(sqsRecordOf(event), sqsRecordOf(event)))));
    expect(responses).toEqual(Array.from({ length: 4 }, () => ({ batchItemFailures: [] })));
    await expectAppliedOnce(event.messageId!, event.eventId);
  });

  it('publishes each status change of a whole sequence once, however often and concurrently it is delivered', async () => {
    const events = asMessage(loadEvents('smsgateway24-every-step'), 'sequence');
    const consume = createConsumerHandler(deps);
    // In order, each event in three copies spread over concurrent batches.
    for (const event of events) {
      await Promise.all([consume(sqsEventOf(sqsRecordOf(event), sqsRecordOf(event))), consume(sqsEventOf(sqsRecordOf(event)))]);
    }
    const changes = await published(events.length);
    expect(changes.map((event) => event.status)).toEqual(['accepted', 'queued', 'sending', 'sent', 'delivered']);
    expect(changes.map((event) => event.previousStatus)).toEqual([null, 'accepted', 'queued', 'sending', 'sent']);
  });
});
