/**
 * The CloudFront Function of the optional edge (lib/constructs/body-guard.ts), run as the text that is deployed, in a
 * bare `vm` context: no require, process, Buffer, timers or console, as in CloudFront's restricted runtime. Events
 * are shaped as CloudFront Functions passes them (CloudFront guide, "CloudFront Functions event structure": lower-case
 * header names, each header `{ value }`, duplicates in `multiValue`, cookies apart).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import ts from 'typescript';
import { PayloadTooLargeError, toErrorResponse } from '../../functions/core/errors';
import { bodyGuardSource } from '../../lib/constructs/body-guard';
import { INGEST } from '../../lib/pipeline-settings';

type Headers = Record<string, { value: string; multiValue?: Array<{ value: string }> }>;
interface CloudFrontRequest {
  method: string;
  uri: string;
  querystring: Record<string, { value: string }>;
  headers: Headers;
  cookies: Record<string, { value: string }>;
}

const LIMIT = INGEST.maxBodyBytes;

/** The deployed text's `handler`, from a context holding nothing but the language's own globals. */
function loadHandler(source = bodyGuardSource(LIMIT)): (event: unknown) => unknown {
  const context = createContext({});
  runInContext(source, context, { filename: 'body-guard.js' });
  return context.handler as (event: unknown) => unknown;
}

function viewerRequest(headers: Headers, method = 'POST'): { version: string; context: object; viewer: object; request: CloudFrontRequest } {
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: 'r-1',
    },
    viewer: { ip: '198.51.100.11' },
    request: {
      method,
      uri: '/webhooks/twilio',
      querystring: { token: { value: 'abc' } },
      headers: {
        host: { value: 'd111111abcdef8.cloudfront.net' },
        'content-type': { value: 'application/x-www-form-urlencoded' },
        'x-twilio-signature': { value: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' },
        ...headers,
      },
      cookies: {},
    },
  };
}

const length = (value: string): Headers => ({ 'content-length': { value } });

describe('body guard (CloudFront Function)', () => {
  const handler = loadHandler();
  const ingest413 = toErrorResponse(new PayloadTooLargeError(LIMIT));

  it('answers the ingest 413 itself, JSON naming the limit, for a Content-Length over the cap', () => {
    const answer = handler(viewerRequest(length(String(LIMIT + 1)))) as Record<string, any>;
    expect(answer.statusCode).toBe(413);
    expect(answer.statusDescription).toBe('Payload Too Large');
    expect(answer.headers).toEqual({ 'content-type': { value: ingest413.headers['content-type'] } });
    expect(answer.body).toEqual({ encoding: 'text', data: ingest413.body });
    expect(JSON.parse(answer.body.data)).toEqual({ error: 'payload_too_large', message: `body is larger than ${LIMIT} bytes` });
  });

  it.each([
    ['between the cap and Lambda 6 MB', 4 * 1024 * 1024],
    ['between Lambda 6 MB and API Gateway 10 MB', 8 * 1024 * 1024],
    ['above API Gateway 10 MB', 20 * 1024 * 1024],
    ['too large for a safe integer', '99999999999999999999999'],
  ])('refuses a body %s', (_, size) => {
    expect(handler(viewerRequest(length(String(size))))).toMatchObject({ statusCode: 413 });
  });

  it('passes a body at the cap, or under it, on as the very request it was given, untouched', () => {
    for (const size of [LIMIT, LIMIT - 1, 0, 512]) {
      const event = viewerRequest(length(String(size)));
      const before = structuredClone(event.request);
      const forwarded = handler(event);
      expect(forwarded).toBe(event.request);
      expect(forwarded).toEqual(before);
    }
  });

  it('passes on a request with no Content-Length (a GET, a chunked body, an HTTP/2 body without the header): it cannot count it', () => {
    for (const event of [
      viewerRequest({}, 'GET'),
      viewerRequest({ 'transfer-encoding': { value: 'chunked' } }),
      viewerRequest({ 'transfer-encoding': { value: 'chunked' }, 'content-length': { value: '' } }),
    ]) {
      expect(handler(event)).toBe(event.request);
    }
  });

  it('refuses whatever the method and passes every other header, query string and cookie on as it came', () => {
    expect(handler(viewerRequest(length(String(LIMIT + 1)), 'PUT'))).toMatchObject({ statusCode: 413 });
    const event = viewerRequest({ ...length('10'), authorization: { value: 'Basic dXNlcjpwYXNz' } });
    event.request.cookies = { session: { value: 'x' } };
    const before = structuredClone(event.request);
    expect(handler(event)).toEqual(before);
  });

  it('reads a value padded with spaces as the number it is, and leaves a value that is not a number to CloudFront and the API', () => {
    expect(handler(viewerRequest(length(` ${LIMIT + 1} `)))).toMatchObject({ statusCode: 413 });
    for (const value of ['-1', '1e9', '0x7fffffff', 'abc', '12 34']) {
      const event = viewerRequest(length(value));
      expect(handler(event)).toBe(event.request);
    }
  });

  it('takes its limit from the argument, so one number (INGEST.maxBodyBytes) sets both caps', () => {
    const small = loadHandler(bodyGuardSource(100));
    expect(small(viewerRequest(length('101')))).toMatchObject({
      statusCode: 413,
      body: { data: toErrorResponse(new PayloadTooLargeError(100)).body },
    });
    expect(small(viewerRequest(length('100')))).toMatchObject({ method: 'POST' });
    expect(() => bodyGuardSource(0)).toThrow(/positive integer/);
    expect(() => bodyGuardSource(1.5)).toThrow(/positive integer/);
  });

  it('gives the answer docs/deploy.md shows operators, body for body', () => {
    const doc = readFileSync(join(__dirname, '../../docs/deploy.md'), 'utf8');
    expect(doc).toContain(`\n${ingest413.body}\n`);
  });

  describe('fits the restricted runtime (cloudfront-js-2.0)', () => {
    const source = bodyGuardSource(LIMIT);

    it('is under the 10 KB function size quota', () => {
      expect(Buffer.byteLength(source)).toBeLessThan(10 * 1024);
    });

    it('declares a top-level handler and is plain ES5: no modules, classes, arrows, templates, let/const or dynamic code', () => {
      const file = ts.createSourceFile('body-guard.js', source, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
      const found: string[] = [];
      const visit = (node: ts.Node): void => {
        if (
          ts.isImportDeclaration(node) ||
          ts.isExportDeclaration(node) ||
          ts.isClassLike(node) ||
          ts.isArrowFunction(node) ||
          ts.isTemplateExpression(node) ||
          ts.isNoSubstitutionTemplateLiteral(node) ||
          ts.isSpreadElement(node) ||
          ts.isForOfStatement(node) ||
          ts.isAwaitExpression(node) ||
          (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) !== 0) ||
          (ts.isIdentifier(node) && ['eval', 'Function', 'require', 'setTimeout', 'setInterval', 'process', 'Buffer'].includes(node.text))
        ) {
          found.push(`${ts.SyntaxKind[node.kind]} ${node.getText(file)}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
      expect(found).toEqual([]);
      expect(file.statements.some((s) => ts.isFunctionDeclaration(s) && s.name?.text === 'handler' && s.parameters.length === 1)).toBe(true);
    });
  });
});
