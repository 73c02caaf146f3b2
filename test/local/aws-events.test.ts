import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { RecordEnqueueError, type RecordIngestResult } from '../../functions/ingest/createRecordIngestHandler';
import { ValidationError } from '../../functions/core/errors';
import { awsEventsHandler, awsEventsPath, invocationOf } from '../../local/aws-events';

const request = (body: string, isBase64Encoded = false) => ({ body, isBase64Encoded }) as unknown as APIGatewayProxyEventV2;
const accepted: RecordIngestResult = { records: 1, events: 2, queued: 2, eventIds: ['a', 'b'] };

describe('local /aws-events/{provider} entry point', () => {
  it('is a path of its own, never a webhook route', () => {
    expect(awsEventsPath('aws-eum-sms')).toBe('/aws-events/aws-eum-sms');
  });

  it('wraps an SNS notification as SNS invokes Lambda, and passes EventBridge and SNS-to-Lambda events as they are', () => {
    const notification = {
      Type: 'Notification',
      MessageId: 'm-1',
      TopicArn: 'arn:aws:sns:us-east-1:111122223333:t',
      Message: '{}',
      Timestamp: '2025-01-01T00:00:00.000Z',
    };
    expect(invocationOf(notification)).toEqual({
      Records: [
        { EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:t:local', Sns: notification },
      ],
    });
    const eventBridge = { 'detail-type': 'x', source: 'aws.sms-voice', detail: {} };
    expect(invocationOf(eventBridge)).toBe(eventBridge);
    const lambdaEvent = { Records: [] };
    expect(invocationOf(lambdaEvent)).toBe(lambdaEvent);
  });

  it('answers 200 with the number of events once the record handler returns', async () => {
    const seen: unknown[] = [];
    const handler = awsEventsHandler(async (event) => {
      seen.push(event);
      return accepted;
    });
    const response = await handler(request(Buffer.from('{"detail-type":"x"}').toString('base64'), true));
    expect(response).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(response.body!)).toEqual({ ok: true, accepted: 2 });
    expect(seen).toEqual([{ 'detail-type': 'x' }]);
  });

  it('answers 400 naming the problem for a body that is not JSON or not such an event', async () => {
    const notJson = await awsEventsHandler(async () => accepted)(request('not json'));
    expect(notJson.statusCode).toBe(400);
    expect(JSON.parse(notJson.body!)).toMatchObject({ message: 'body is not valid JSON' });
    const refused = await awsEventsHandler(async () => {
      throw new ValidationError('expected an EventBridge event (detail-type, detail) or an SNS notification (MessageId, Message)');
    })(request('{}'));
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body!).message).toContain('expected an EventBridge event');
  });

  it('answers 503 when the record handler throws because events were not queued (AWS would retry)', async () => {
    const response = await awsEventsHandler(async () => {
      throw new RecordEnqueueError(1, 2);
    })(request('{}'));
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body!)).toMatchObject({ error: 'queue_unavailable' });
  });
});
