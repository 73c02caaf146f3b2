import type { NormalizedEvent } from '../../../functions/events/schema';
import { countFinal, createDeliveryMetricsSink, firstFinalOf, type FinalCounts } from '../../../functions/consume/delivery';
import { createConsumerHandler } from '../../../functions/consume/createConsumerHandler';
import { METRICS } from '../../../lib/pipeline-settings';
import { asMessage, CapturedMetrics, freshTable, loadEvents, sqsEventOf, sqsRecordOf, useConsumerEngines } from './support';

const event = (overrides: Partial<NormalizedEvent>): NormalizedEvent =>
  ({
    schemaVersion: 1,
    eventId: '0'.repeat(32),
    provider: 'webcom',
    channel: 'viber',
    type: 'message.status',
    messageId: 'm1',
    status: 'delivered',
    final: true,
    recipient: { raw: '79161234567', e164: '+79161234567' },
    occurredAt: '2024-01-01T00:00:00.000Z',
    receivedAt: '2024-01-01T00:00:00.000Z',
    raw: null,
    ...overrides,
  }) as NormalizedEvent;

describe('firstFinalOf', () => {
  it('counts a message reaching its first final status, by provider, channel, country and outcome', () => {
    expect(firstFinalOf(event({}), { applied: true, previousStatus: 'sent' })).toEqual({
      provider: 'webcom',
      channel: 'viber',
      country: 'RU',
      outcome: 'delivered',
    });
    expect(firstFinalOf(event({ status: 'read' }), { applied: true, previousStatus: null })?.outcome).toBe('delivered');
    expect(firstFinalOf(event({ status: 'expired' }), { applied: true, previousStatus: 'sent' })?.outcome).toBe('failed');
    expect(firstFinalOf(event({ status: 'unknown', recipient: undefined }), { applied: true, previousStatus: 'sent' })).toMatchObject({
      outcome: 'unknown',
      country: 'unknown',
    });
  });

  it('does not count a second final, a status that did not apply, a non-final or another type', () => {
    expect(firstFinalOf(event({ status: 'read' }), { applied: true, previousStatus: 'delivered' })).toBeUndefined();
    expect(firstFinalOf(event({}), { applied: false })).toBeUndefined();
    expect(firstFinalOf(event({ status: 'sent', final: false }), { applied: true, previousStatus: null })).toBeUndefined();
    expect(firstFinalOf(event({ type: 'message.inbound' }), { applied: true, previousStatus: null })).toBeUndefined();
  });

  it('publishes one EMF document per dimension combination with the count', () => {
    const metrics = new CapturedMetrics();
    const counts: FinalCounts = new Map();
    const final = firstFinalOf(event({}), { applied: true, previousStatus: 'sent' });
    countFinal(counts, final);
    countFinal(counts, final);
    countFinal(counts, firstFinalOf(event({ status: 'failed' }), { applied: true, previousStatus: null }));
    createDeliveryMetricsSink(metrics)(counts);
    expect(metrics.documents.map(({ _aws, ...fields }) => [_aws.CloudWatchMetrics[0].Dimensions, fields])).toEqual([
      [
        [['provider', 'channel', 'country', 'outcome']],
        { provider: 'webcom', channel: 'viber', country: 'RU', outcome: 'delivered', [METRICS.finalStatuses]: 2 },
      ],
      [
        [['provider', 'channel', 'country', 'outcome']],
        { provider: 'webcom', channel: 'viber', country: 'RU', outcome: 'failed', [METRICS.finalStatuses]: 1 },
      ],
    ]);
  });
});

describe('consumer delivery metrics', () => {
  const engines = useConsumerEngines('dynalite', { withQueues: false });

  it('counts each message once when it reaches a final status, whatever the duplicates', async () => {
    const delivery = new CapturedMetrics();
    const consume = createConsumerHandler({
      dynamodb: engines.dynamo.client,
      tableName: await freshTable(engines.dynamo.client, 'delivery'),
      metrics: new CapturedMetrics(),
      deliveryMetrics: delivery,
    });
    const events = asMessage(loadEvents('smsgateway24-every-step'), 'analytics');
    for (const item of [...events, ...events]) await consume(sqsEventOf(sqsRecordOf(item)));
    const finals = delivery.documents.map((document) => [document.outcome, document[METRICS.finalStatuses]]);
    expect(finals).toEqual([['delivered', 1]]);
  });
});
