/**
 * The source of the CloudFront Function the optional edge distribution runs on every viewer request
 * (lib/constructs/webhook-edge.ts), kept apart from CDK so its tests run it without building a stack.
 */
import { STATUS_CODES } from 'node:http';
import { PayloadTooLargeError, toErrorResponse } from '../../functions/core/errors';

/** The answer the guard gives: the ingest's own 413 (`toErrorResponse`), so a provider sees one shape whoever refused. */
export interface BodyGuardAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The ingest's 413 for a body over `limitBytes`, word for word. */
export function payloadTooLargeAnswer(limitBytes: number): BodyGuardAnswer {
  return toErrorResponse(new PayloadTooLargeError(limitBytes));
}

/**
 * The viewer-request CloudFront Function (runtime cloudfront-js-2.0) that refuses a body over `limitBytes` by its
 * `Content-Length` and passes every other request on untouched. CloudFront Functions cannot read the body, but
 * `Content-Length` is a read-only header a viewer-request function may read (CloudFront guide, "Restrictions on all
 * edge functions"). Without it (chunked, or HTTP/2 without the header) the request goes on: nothing here can count it.
 *
 * Kept to ES5 (`var`, `function`, a regular expression, `Number`): the restricted runtime has no modules, timers or
 * Node globals, and the code is deployed as this text, so the unit tests run this exact text in a bare `vm` context.
 */
export function bodyGuardSource(limitBytes: number, answer: BodyGuardAnswer = payloadTooLargeAnswer(limitBytes)): string {
  if (!Number.isSafeInteger(limitBytes) || limitBytes < 1) throw new Error(`body guard: limit ${limitBytes} must be a positive integer`);
  const headers = Object.fromEntries(Object.entries(answer.headers).map(([name, value]) => [name.toLowerCase(), { value }]));
  const response = {
    statusCode: answer.statusCode,
    statusDescription: STATUS_CODES[answer.statusCode],
    headers,
    body: { encoding: 'text', data: answer.body },
  };
  return [
    `// Webhook ingestion body guard: a body over ${limitBytes} bytes (by its Content-Length) gets the ingest's own 413 here.`,
    `var LIMIT = ${limitBytes};`,
    `var TOO_LARGE = ${JSON.stringify(response)};`,
    'function handler(event) {',
    '  var request = event.request;',
    "  var length = request.headers['content-length'];",
    '  var text = length ? String(length.value).trim() : "";',
    '  if (/^[0-9]+$/.test(text) && Number(text) > LIMIT) {',
    '    return TOO_LARGE;',
    '  }',
    '  return request;',
    '}',
    '',
  ].join('\n');
}
