/**
 * `POST /aws-events/{provider}`: how `npm start` receives the events of providers that AWS delivers through
 * EventBridge or SNS (AWS End User Messaging), which have no HTTP route. The body is what AWS would hand the record
 * ingest: an EventBridge event, an SNS notification (as `Records[].Sns` holds it, or as SNS posts to HTTPS), or a
 * whole SNS-to-Lambda event. It runs the very record handler the stack deploys.
 *
 * This route exists on the local gateway only: on AWS nothing but EventBridge and SNS may invoke the record ingest.
 *
 * Answers: 200 `{ ok, accepted }` when every event is queued; 400 naming the problem for a body that is not such an
 * event; 503 when anything could not be queued (where AWS would retry the invocation).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RecordIngestResult } from '../functions/ingest/createRecordIngestHandler';
import { parseJson } from '../functions/providers/common';
import { ValidationError, toErrorResponse } from '../functions/core/errors';

/** The local path of a provider's record entry point. */
export const awsEventsPath = (provider: string): string => `/aws-events/${provider}`;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What AWS would invoke the function with for `body`: an SNS notification is wrapped as SNS wraps it for Lambda;
 * an EventBridge event or an SNS-to-Lambda event is passed as is.
 */
export function invocationOf(body: unknown): unknown {
  if (isObject(body) && !('Records' in body) && !('detail-type' in body) && 'MessageId' in body) {
    return { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: `${String(body.TopicArn)}:local`, Sns: body }] };
  }
  return body;
}

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * The gateway handler of one provider's `POST /aws-events/{provider}` over its record handler.
 *
 * @example
 * ```ts
 * import type { SQSClient } from '@aws-sdk/client-sqs';
 * import { createRecordIngestHandler } from '../functions/ingest/createRecordIngestHandler';
 * import type { ProviderAdapter } from '../functions/providers/types';
 * import type { GatewayRoute } from './gateway';
 * declare const adapter: ProviderAdapter;
 * declare const sqs: SQSClient;
 * declare const eventsQueueUrl: string;
 * const route: GatewayRoute = {
 *   method: 'POST',
 *   path: awsEventsPath('aws-eum-sms'),
 *   handler: awsEventsHandler(createRecordIngestHandler({ adapter, sqs, eventsQueueUrl })),
 * };
 * ```
 */
export function awsEventsHandler(
  recordHandler: (event: unknown) => Promise<RecordIngestResult>,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    try {
      const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
      const result = await recordHandler(invocationOf(parseJson(text)));
      return json(200, { ok: true, accepted: result.events });
    } catch (error) {
      if (error instanceof ValidationError) return toErrorResponse(error);
      // The record handler throws for anything it could not queue: on AWS the invocation is retried.
      return json(503, { error: 'queue_unavailable', message: 'events could not be queued; retry later' });
    }
  };
}
