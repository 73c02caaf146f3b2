/**
 * `GET /messages/{provider}/{messageId}`: the current status of an outbound message and its history, read in one
 * strongly consistent Query of the message's partition (`functions/store/keys.ts`). IAM-authorized on AWS.
 *
 * ```
 * 200 { provider, messageId, status, final, providerStatus, occurredAt, updatedAt,
 *       history: [{ eventId, status, providerStatus, occurredAt, receivedAt }, …],   oldest first
 *       parts: [{ index, total, messageId, status, final, providerStatus, occurredAt }, …] }   multipart only
 * 400 a provider or message id that cannot be one      404 nothing stored      405 not GET
 * ```
 *
 * Every stored message id is addressable. API Gateway decodes the path before it routes it, so an id holding `/`
 * (`%2F` becomes a second segment: 404), `?` or `#` (the path ends there), `%`, whitespace or control characters
 * cannot be sent percent-encoded; such an id goes as `~` followed by the base64url of its UTF-8 bytes
 * ({@link messageIdSegment} builds the segment; `~` never needs encoding and base64url survives any decoding).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MAX_FIELD_LENGTH, PROVIDER_ID_PATTERN } from '../events/schema';
import { BadRequestError, MethodNotAllowedError, NotFoundError, toErrorResponse, WebhookError } from '../core/errors';
import { logger } from '../core/logger';
import { createStatusStore, type StoredMessage } from '../store/createStatusStore';
import { decodeIdSegment, ENCODED_ID_PREFIX } from './messageId';

export { ENCODED_ID_PREFIX, messageIdSegment } from './messageId';

export interface LookupDependencies {
  dynamodb: DynamoDBClient;
  tableName: string;
}

/** The 200 body. */
export interface MessageView {
  readonly provider: string;
  readonly messageId: string;
  readonly status: string;
  readonly final: boolean;
  readonly providerStatus: string | null;
  /** The provider's time of the event that set the status. */
  readonly occurredAt: string;
  /** When the status was last written. */
  readonly updatedAt: string;
  readonly history: ReadonlyArray<{
    readonly eventId: string;
    readonly status: string | null;
    readonly providerStatus: string | null;
    readonly occurredAt: string;
    readonly receivedAt: string;
  }>;
  /**
   * Present for a multipart message whose provider reports each part: each part's own status, by index. The
   * message's `status` is their roll-up (functions/consume/multipart.ts); `history` holds every part's reports too.
   */
  readonly parts?: StoredMessage['parts'];
}

/**
 * The route's path parameters, checked: 400 naming the parameter otherwise. A `{messageId}` starting with `~` is
 * decoded ({@link messageIdSegment}); any other is the id as the gateway decoded it. Control characters are not
 * refused: the ingest stores what the provider sent, and a stored id must stay addressable.
 */
export function messagePathOf(event: Pick<APIGatewayProxyEventV2, 'pathParameters'>): { provider: string; messageId: string } {
  const provider = event.pathParameters?.provider ?? '';
  const segment = event.pathParameters?.messageId ?? '';
  if (!PROVIDER_ID_PATTERN.test(provider)) throw new BadRequestError('not a provider id', 'provider');
  if (segment === '') throw new BadRequestError('missing', 'messageId');
  const messageId = segment.startsWith(ENCODED_ID_PREFIX) ? decodeIdSegment(segment.slice(ENCODED_ID_PREFIX.length)) : segment;
  if (messageId === '') throw new BadRequestError('missing', 'messageId');
  if (messageId.length > MAX_FIELD_LENGTH) throw new BadRequestError(`longer than ${MAX_FIELD_LENGTH} characters`, 'messageId');
  return { provider, messageId };
}

/** The stored message as the route shows it. */
export function toMessageView({ state, history, parts }: StoredMessage): MessageView {
  return {
    provider: state.provider,
    messageId: state.messageId,
    status: state.status,
    final: state.final,
    providerStatus: state.providerStatus ?? null,
    occurredAt: state.occurredAt,
    updatedAt: state.updatedAt,
    history: history.map((entry) => ({
      eventId: entry.eventId,
      status: entry.status ?? null,
      providerStatus: entry.providerStatus ?? null,
      occurredAt: entry.occurredAt,
      receivedAt: entry.receivedAt,
    })),
    ...(parts.length > 0 ? { parts } : {}),
  };
}

/**
 * Builds the lookup handler.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * export const handler = createLookupHandler({ dynamodb: new DynamoDBClient({}), tableName: 'webhook-messages-prod' });
 * ```
 */
export function createLookupHandler(deps: LookupDependencies): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  const store = createStatusStore({ dynamodb: deps.dynamodb, tableName: deps.tableName });
  return async (event) => {
    try {
      const method = event.requestContext?.http?.method ?? 'GET';
      if (method !== 'GET') throw new MethodNotAllowedError(['GET']);
      const { provider, messageId } = messagePathOf(event);
      const stored = await store.readMessage(provider, messageId);
      if (!stored) throw new NotFoundError('no status is stored for this message');
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify(toMessageView(stored)),
      };
    } catch (error) {
      if (!(error instanceof WebhookError)) logger.error('lookup failed', { error: error as Error });
      return toErrorResponse(error);
    }
  };
}
