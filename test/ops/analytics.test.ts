import { deliveryStats, formatStats, percentile, refusalStats, type MessageFacts } from '../../ops/analytics';
import { countryOf } from '../../functions/core/countries';
import { encodeEvent } from '../../functions/store/eventCodec';
import { messageFactsOf } from '../../ops/table';
import { findSubscriber, handlesFromOutputs, refusalQueries } from '../../ops/target';

const message = (overrides: Partial<MessageFacts>): MessageFacts => ({
  provider: 'webcom',
  channel: 'sms',
  country: 'DE',
  status: 'delivered',
  final: true,
  firstAt: '2024-01-01T00:00:00.000Z',
  statusAt: '2024-01-01T00:00:10.000Z',
  ...overrides,
});

describe('countryOf', () => {
  it.each([
    ['+4915752982212', 'DE'],
    ['+821012341234', 'KR'],
    ['+12025550123', 'US'],
    ['+35312345678', 'IE'],
    ['+99912345678', 'other'],
    [undefined, 'unknown'],
    ['01012341234', 'unknown'],
  ])('%s is %s', (e164, country) => expect(countryOf(e164)).toBe(country));
});

describe('deliveryStats', () => {
  it('counts delivery rate over finals, unknown and missing over all, and time to final by nearest rank', () => {
    const rows = deliveryStats([
      message({ statusAt: '2024-01-01T00:00:01.000Z' }),
      message({ status: 'read', statusAt: '2024-01-01T00:00:02.000Z' }),
      message({ status: 'failed', statusAt: '2024-01-01T00:00:03.000Z' }),
      message({ status: 'unknown', statusAt: '2024-01-01T00:01:40.000Z' }),
      message({ status: 'sent', final: false }),
      message({ country: 'KR' }),
    ]);
    expect(rows.map((row) => row.country)).toEqual(['DE', 'KR']);
    expect(rows[0]).toMatchObject({
      messages: 5,
      final: 4,
      delivered: 2,
      failed: 1,
      unknown: 1,
      missing: 1,
      deliveryRate: 0.5,
      unknownShare: 0.2,
      missingShare: 0.2,
    });
    expect(rows[0].p50Ms).toBe(2000);
    expect(rows[0].p95Ms).toBe(100_000);
    expect(rows[1]).toMatchObject({ messages: 1, deliveryRate: 1, p50Ms: 10_000 });
  });

  it('has no rate or percentile without a final message', () => {
    expect(deliveryStats([message({ status: 'sent', final: false })])[0]).toMatchObject({ deliveryRate: null, p50Ms: null, missingShare: 1 });
    expect(percentile([], 0.5)).toBeNull();
  });

  it('refusal rate per provider; the table says where refusals are when they are not known', () => {
    expect(refusalStats({ webcom: { requests: 4, refused: 1 }, 'nhncloud-sms': { requests: 0, refused: 0 } })).toEqual([
      { provider: 'nhncloud-sms', requests: 0, refused: 0, refusalRate: null },
      { provider: 'webcom', requests: 4, refused: 1, refusalRate: 0.25 },
    ]);
    expect(formatStats([], undefined).join('\n')).toMatch(/no outbound message[\s\S]*refusal rate: not known here/);
  });
});

describe('messageFactsOf', () => {
  it('takes the first event time and the recipient country from the history, the status from the state', () => {
    const facts = messageFactsOf([
      {
        pk: 'MSG#webcom#1',
        sk: 'EVENT#b',
        occurredAt: '2024-01-01T00:00:05.000Z',
        event: JSON.stringify({ recipient: { raw: '491', e164: '+4915752982212' } }),
      },
      { pk: 'MSG#webcom#1', sk: 'EVENT#a', occurredAt: '2024-01-01T00:00:01.000Z', event: '{' },
      {
        pk: 'MSG#webcom#1',
        sk: 'STATE',
        provider: 'webcom',
        channel: 'sms',
        status: 'delivered',
        final: true,
        occurredAt: '2024-01-01T00:00:05.000Z',
      },
      { pk: 'MSG#webcom#2', sk: 'EVENT#c', occurredAt: '2024-01-01T00:00:01.000Z', event: '{}' },
      // The compressed form items are written in now, beside the JSON text of items written before.
      {
        pk: 'MSG#webcom#3',
        sk: 'EVENT#d',
        occurredAt: '2024-01-01T00:00:02.000Z',
        event: encodeEvent(JSON.stringify({ recipient: { raw: '336', e164: '+33612345678' } })),
      },
      { pk: 'MSG#webcom#3', sk: 'STATE', provider: 'webcom', channel: 'sms', status: 'sent', final: false, occurredAt: '2024-01-01T00:00:02.000Z' },
    ]);
    expect(facts).toEqual([
      {
        provider: 'webcom',
        channel: 'sms',
        country: 'DE',
        status: 'delivered',
        final: true,
        firstAt: '2024-01-01T00:00:01.000Z',
        statusAt: '2024-01-01T00:00:05.000Z',
      },
      {
        provider: 'webcom',
        channel: 'sms',
        country: 'FR',
        status: 'sent',
        final: false,
        firstAt: '2024-01-01T00:00:02.000Z',
        statusAt: '2024-01-01T00:00:02.000Z',
      },
    ]);
  });
});

describe('handlesFromOutputs', () => {
  /** The outputs every stack has; each test adds what it is about. */
  const REQUIRED = { TableName: 't', EventsQueueUrl: 'e', DeadLetterQueueUrl: 'd', RejectedQueueUrl: 'r', EventsTopicArn: 'a' };

  it('names the outputs a stack lacks', () => {
    expect(() => handlesFromOutputs('S', { TableName: 't' })).toThrow(
      'stack S has no output EventsQueueUrl, DeadLetterQueueUrl, RejectedQueueUrl, EventsTopicArn',
    );
    expect(handlesFromOutputs('S', { ...REQUIRED, SubscriberQueueUrlFinalStatuses: 'sq', SubscriberDeadLetterQueueUrlFinalStatuses: 'sd' })).toEqual({
      tableName: 't',
      eventsQueueUrl: 'e',
      deadLetterQueueUrl: 'd',
      rejectedQueueUrl: 'r',
      topicArn: 'a',
      subscribers: { FinalStatuses: { queueUrl: 'sq', deadLetterQueueUrl: 'sd' } },
      ingestFunctions: {},
    });
    expect(handlesFromOutputs('S', { ...REQUIRED, IngestFunctionNhncloudSms: 'fn-nhn' }).ingestFunctions).toEqual({ 'nhncloud-sms': 'fn-nhn' });
    expect(findSubscriber({ FinalStatuses: 1 }, 'final-statuses')).toBe(1);
  });
});

describe('refusalQueries', () => {
  it("asks CloudWatch for each ingest function's invocations and its provider's AuthFailures and InvalidBodies, summed over the period", () => {
    const queries = refusalQueries({ webcom: 'fn-webcom' }, 86_400, 'Acme/Webhooks');
    expect(
      queries.map((query) => [
        query.Id,
        query.Label,
        query.MetricStat?.Metric?.Namespace,
        query.MetricStat?.Metric?.MetricName,
        query.MetricStat?.Metric?.Dimensions,
      ]),
    ).toEqual([
      ['requests0', 'webcom', 'AWS/Lambda', 'Invocations', [{ Name: 'FunctionName', Value: 'fn-webcom' }]],
      ['refused0_0', 'webcom', 'Acme/Webhooks', 'AuthFailures', [{ Name: 'provider', Value: 'webcom' }]],
      ['refused0_1', 'webcom', 'Acme/Webhooks', 'InvalidBodies', [{ Name: 'provider', Value: 'webcom' }]],
    ]);
    expect(queries.every((query) => query.MetricStat?.Period === 86_400 && query.MetricStat.Stat === 'Sum')).toBe(true);
  });
});
