import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createConsumerHandler } from '../../../functions/consume/createConsumerHandler';
import { createLookupHandler } from '../../../functions/lookup/createLookupHandler';
import { logger } from '../../../functions/core/logger';
import { dynamoEngines, startDynamo, type TestDynamo } from '../../support/dynamodb';
import { CapturedMetrics, freshTable, injectFaults, loadEvents, sqsEventOf, sqsRecordOf } from '../consume/support';

const NOW = new Date('2026-03-02T09:00:00.000Z');

/** An API Gateway HTTP API (payload 2.0) request for the route. */
function request(provider: string | undefined, messageId: string | undefined, method = 'GET'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /messages/{provider}/{messageId}',
    rawPath: `/messages/${provider}/${encodeURIComponent(messageId ?? '')}`,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    pathParameters: { ...(provider === undefined ? {} : { provider }), ...(messageId === undefined ? {} : { messageId }) },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: `/messages/${provider}/${messageId}`, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'request',
      routeKey: 'GET /messages/{provider}/{messageId}',
      stage: '$default',
      time: '02/Mar/2026:09:00:00 +0000',
      timeEpoch: NOW.getTime(),
    },
  };
}

describe.each(dynamoEngines)('lookup route on %s', (engine) => {
  let dynamo: TestDynamo;
  let tableName: string;
  let lookup: ReturnType<typeof createLookupHandler>;

  beforeAll(async () => {
    logger.setLogLevel('SILENT');
    dynamo = await startDynamo(engine);
    tableName = await freshTable(dynamo.client, 'lookup');
    lookup = createLookupHandler({ dynamodb: dynamo.client, tableName });
    const consume = createConsumerHandler({ dynamodb: dynamo.client, tableName, now: () => NOW, metrics: new CapturedMetrics() });
    // Arrival order: newest first, then everything again.
    const events = [...loadEvents('innopaas-whatsapp-statuses')].reverse();
    for (const event of [...events, ...events]) await consume(sqsEventOf(sqsRecordOf(event)));
    await consume(sqsEventOf(...loadEvents('other-types').map((event) => sqsRecordOf(event))));
  });
  afterAll(async () => {
    await dynamo?.stop();
  });

  it('answers the stored status and every distinct event, oldest first', async () => {
    const events = loadEvents('innopaas-whatsapp-statuses');
    const response = await lookup(request('innopaas-whatsapp', '1713260697000123456'));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    const read = events[4];
    expect(JSON.parse(response.body!)).toEqual({
      provider: 'innopaas-whatsapp',
      messageId: '1713260697000123456',
      status: 'read',
      final: true,
      providerStatus: 'read',
      occurredAt: read.occurredAt,
      updatedAt: NOW.toISOString(),
      history: events.map((event) => ({
        eventId: event.eventId,
        status: event.status,
        providerStatus: event.providerStatus,
        occurredAt: event.occurredAt,
        receivedAt: event.receivedAt,
      })),
    });
  });

  it('answers 404 for a message nothing is stored for, also when only an inbound message has that id', async () => {
    for (const [provider, messageId] of [
      ['webcom', '999999'],
      ['innopaas-whatsapp', '1628054473920003072'],
      ['nope', '1'],
    ]) {
      const response = await lookup(request(provider, messageId));
      expect([response.statusCode, JSON.parse(response.body!).error]).toEqual([404, 'not_found']);
    }
  });

  it('answers 400 naming the parameter for a path that cannot name a message', async () => {
    const cases: Array<[string | undefined, string | undefined, string]> = [
      ['Not_A_Provider', '1', 'provider'],
      [undefined, '1', 'provider'],
      ['webcom', undefined, 'messageId'],
      ['webcom', 'x'.repeat(1025), 'messageId'],
      ['webcom', '~not base64', 'messageId'],
      ['webcom', `~${Buffer.from([0xff, 0xfe]).toString('base64url')}`, 'messageId'],
      ['webcom', `~${Buffer.from('x'.repeat(1025)).toString('base64url')}`, 'messageId'],
    ];
    for (const [provider, messageId, field] of cases) {
      const response = await lookup(request(provider, messageId));
      expect([response.statusCode, JSON.parse(response.body!)]).toEqual([400, expect.objectContaining({ error: 'invalid_request', field })]);
    }
  });

  it('answers 405 to anything but GET', async () => {
    const response = await lookup(request('webcom', '1', 'DELETE'));
    expect([response.statusCode, response.headers?.allow]).toEqual([405, 'GET']);
  });

  it('answers a bare 500 when the table cannot be read', async () => {
    const faults = injectFaults(DynamoDBDocumentClient, () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    try {
      const response = await lookup(request('innopaas-whatsapp', '1713260697000123456'));
      expect([response.statusCode, JSON.parse(response.body!)]).toEqual([500, { error: 'internal_error', message: 'internal error' }]);
    } finally {
      faults.restore();
    }
  });
});
