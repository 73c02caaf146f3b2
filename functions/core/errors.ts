/**
 * The errors the functions answer requests with, under one root (`WebhookError`), and the one place they become HTTP
 * answers (`toErrorResponse`): handlers throw, the edge maps. Messages name the problem and never carry a secret or
 * the body. Configuration mistakes are not answers and have their own class. Other layers keep their own roots: the
 * store (`store/errors.ts`), the consumer's records (`consume/errors.ts`), the credentials document
 * (`ingest/credentials.ts`).
 */

export abstract class WebhookError extends Error {
  abstract readonly statusCode: number;
  /** Stable, machine-readable code for the JSON error body and for metrics. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Missing or wrong credentials, or none configured (fail closed). */
export class AuthenticationError extends WebhookError {
  readonly statusCode = 401;
  readonly code = 'unauthorized';
  /**
   * Why, for logs and metrics only; the answer to the caller stays generic.
   * @param refusal - the header that failed and more detail, for the log line (names, never values).
   */
  constructor(
    readonly reason: string,
    readonly refusal: { readonly header?: string; readonly detail?: string } = {},
  ) {
    super('missing or invalid credentials');
  }
}

/** A 400 about one part of the request: its message starts with the offending field's name when there is one. */
export abstract class FieldError extends WebhookError {
  readonly statusCode = 400;
  constructor(
    message: string,
    /** The offending field: a dotted body path (`hooks.1.requestId`), a path parameter or a query field. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(field ? `${field}: ${message}` : message, options);
  }
}

/** A body that cannot be parsed or does not satisfy the provider's documented shape. */
export class ValidationError extends FieldError {
  readonly code = 'invalid_body';
}

/** A request whose path or query is malformed (e.g. the lookup route's ids), as opposed to its body. */
export class BadRequestError extends FieldError {
  readonly code = 'invalid_request';
}

export class PayloadTooLargeError extends WebhookError {
  readonly statusCode = 413;
  readonly code = 'payload_too_large';
  constructor(readonly limitBytes: number) {
    super(`body is larger than ${limitBytes} bytes`);
  }
}

/** A batch with more items than a provider may send in one request (each provider has a cap). */
export class TooManyItemsError extends WebhookError {
  readonly statusCode = 413;
  readonly code = 'too_many_items';
  constructor(
    readonly count: number,
    readonly limit: number,
    /** Where the items are (`hooks`, `results`), when the body names them. */
    readonly field?: string,
  ) {
    super(`${field ? `${field}: ` : ''}${count} items in one request; at most ${limit} are accepted`);
  }
}

export class UnknownProviderError extends WebhookError {
  readonly statusCode = 404;
  readonly code = 'unknown_provider';
  constructor(readonly provider: string) {
    super('unknown provider');
  }
}

export class NotFoundError extends WebhookError {
  readonly statusCode = 404;
  readonly code = 'not_found';
}

export class MethodNotAllowedError extends WebhookError {
  readonly statusCode = 405;
  readonly code = 'method_not_allowed';
  constructor(readonly allowed: readonly string[]) {
    super(`method not allowed; use ${allowed.join(', ')}`);
  }
}

/** The events queue did not take every event: the provider must retry. */
export class QueueUnavailableError extends WebhookError {
  readonly statusCode = 503;
  readonly code = 'queue_unavailable';
  constructor(options?: { cause?: unknown }) {
    super('events could not be queued; retry later', options);
  }
}

/**
 * A deployment or environment mistake (a missing variable, an unreadable credentials file). Not an answer to a
 * request: it stops a cold start or `npm start` with its message, so it stands apart from the HTTP errors above;
 * should one ever reach the edge, it is an unexpected error, a bare 500.
 */
export class ConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface ErrorResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The one place an error becomes an HTTP answer. Unexpected errors become a bare 500. */
export function toErrorResponse(error: unknown): ErrorResponse {
  const known = error instanceof WebhookError;
  const statusCode = known ? error.statusCode : 500;
  const payload = known
    ? {
        error: error.code,
        message: error.message,
        ...(error instanceof FieldError && error.field ? { field: error.field } : {}),
      }
    : { error: 'internal_error', message: 'internal error' };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(', ');
  return { statusCode, headers, body: JSON.stringify(payload) };
}
