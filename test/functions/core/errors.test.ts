import {
  AuthenticationError,
  BadRequestError,
  ConfigurationError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  QueueUnavailableError,
  UnknownProviderError,
  ValidationError,
  WebhookError,
  toErrorResponse,
} from '../../../functions/core/errors';

const bodyOf = (error: unknown) => JSON.parse(toErrorResponse(error).body);

describe('toErrorResponse', () => {
  test.each([
    [new AuthenticationError('signature mismatch'), 401, 'unauthorized'],
    [new ValidationError('expected string', 'hooks.1.requestId'), 400, 'invalid_body'],
    [new BadRequestError('not a message id', 'messageId'), 400, 'invalid_request'],
    [new PayloadTooLargeError(262_144), 413, 'payload_too_large'],
    [new UnknownProviderError('acme'), 404, 'unknown_provider'],
    [new NotFoundError('no such message'), 404, 'not_found'],
    [new MethodNotAllowedError(['POST']), 405, 'method_not_allowed'],
    [new QueueUnavailableError(), 503, 'queue_unavailable'],
  ])('%s is answered %i with code %s as JSON', (error, statusCode, code) => {
    const response = toErrorResponse(error);
    expect(response.statusCode).toBe(statusCode);
    expect(response.headers['content-type']).toBe('application/json');
    expect(bodyOf(error).error).toBe(code);
  });

  test('a configuration mistake is not an answer: should it reach the edge, it is a bare 500 that says nothing', () => {
    const error = new ConfigurationError('TABLE_NAME is not set', { cause: new Error('unset') });
    expect(error).not.toBeInstanceOf(WebhookError);
    expect(toErrorResponse(error)).toMatchObject({ statusCode: 500 });
    expect(bodyOf(error)).toEqual({ error: 'internal_error', message: 'internal error' });
  });

  test('a validation error names the field in the body', () => {
    expect(bodyOf(new ValidationError('expected string', 'hooks.1.requestId'))).toEqual({
      error: 'invalid_body',
      message: 'hooks.1.requestId: expected string',
      field: 'hooks.1.requestId',
    });
    expect(bodyOf(new ValidationError('body is not valid JSON'))).toEqual({ error: 'invalid_body', message: 'body is not valid JSON' });
  });

  test('a malformed path or query names its field the same way', () => {
    expect(bodyOf(new BadRequestError('not a message id', 'messageId'))).toEqual({
      error: 'invalid_request',
      message: 'messageId: not a message id',
      field: 'messageId',
    });
  });

  test('an authentication failure does not say why', () => {
    const body = toErrorResponse(new AuthenticationError('header X-Toast-Webhook-Signature did not match')).body;
    expect(body).not.toContain('X-Toast');
    expect(JSON.parse(body).message).toBe('missing or invalid credentials');
  });

  test('405 carries the allowed methods', () => {
    expect(toErrorResponse(new MethodNotAllowedError(['GET', 'POST'])).headers.allow).toBe('GET, POST');
  });

  test('an unexpected error is a bare 500 that reveals nothing', () => {
    const response = toErrorResponse(new Error('secret=hunter2 at /var/task/index.js'));
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: 'internal_error', message: 'internal error' });
    expect(toErrorResponse('thrown string').statusCode).toBe(500);
  });
});

describe('the error classes', () => {
  test('each is a WebhookError named after its class, carrying its data and cause', () => {
    const cause = new Error('SendMessageBatch throttled');
    const error = new QueueUnavailableError({ cause });
    expect(error).toBeInstanceOf(WebhookError);
    expect(error.name).toBe('QueueUnavailableError');
    expect(error.cause).toBe(cause);
    expect(new PayloadTooLargeError(1024).limitBytes).toBe(1024);
    expect(new AuthenticationError('no credentials configured').reason).toBe('no credentials configured');
    expect(new ValidationError('too long', 'hooks.0.hookId').field).toBe('hooks.0.hookId');
  });
});
