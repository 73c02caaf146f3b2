/**
 * Every stored message id is addressable through `GET /messages/{provider}/{messageId}`, on the local gateway as on
 * API Gateway. Percent-encoding is enough locally, but API Gateway decodes the path before routing it (`%2F` turns
 * into a second segment, a decoded `?` or `#` ends the path), so the documented form for any id that is not
 * letters, digits, `.`, `_` and `-` is `~` + base64url of its UTF-8 bytes (`messageIdSegment`), which no decoding
 * changes. Both are tested here through the real gateway, on a dynalite table written by the real consumer.
 */
import { request as httpRequest } from 'node:http';
import { createConsumerHandler } from '../../functions/consume/createConsumerHandler';
import type { NormalizedEvent } from '../../functions/events/schema';
import { createLookupHandler, messageIdSegment } from '../../functions/lookup/createLookupHandler';
import { logger } from '../../functions/core/logger';
import { startGateway, type Gateway } from '../../local/gateway';
import { startDynamo, type TestDynamo } from '../support/dynamodb';
import { CapturedMetrics, freshTable, loadEvents, sqsEventOf, sqsRecordOf } from '../functions/consume/support';

/** Ids real senders could use that a URL path does not carry as they are. */
const AWKWARD_IDS: ReadonlyArray<readonly [string, string]> = [
  ['a slash', 'batch/2024/0001'],
  ['a percent sign', '100%-done'],
  ['a question mark', 'msg?id=7'],
  ['a hash', 'order#42'],
  ['whitespace', ' id with  spaces '],
  ['a tab and a newline', 'line1\tx\nline2'],
  ['other control characters', 'a\u0001b\u007fc'],
  ['a plus and a tilde first', '~+1 555'],
  ['non-ASCII text', 'сообщение-€-😀'],
  ['the longest id an event may carry (1024 characters, 3 bytes each)', '€'.repeat(1024)],
];

/** GET with `path` sent byte for byte (no client-side normalisation). */
function get(gateway: Gateway, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: gateway.port, method: 'GET', path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

let dynamo: TestDynamo;
let gateway: Gateway;
const template = loadEvents('innopaas-whatsapp-statuses')[0];

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  dynamo = await startDynamo('dynalite');
  const tableName = await freshTable(dynamo.client, 'ids');
  const consume = createConsumerHandler({
    dynamodb: dynamo.client,
    tableName,
    now: () => new Date('2026-03-02T09:00:00.000Z'),
    metrics: new CapturedMetrics(),
  });
  const events: NormalizedEvent[] = AWKWARD_IDS.map(([, messageId], index) => ({
    ...template,
    messageId,
    eventId: `${'0'.repeat(30)}${String(index).padStart(2, '0')}`,
  }));
  await consume(sqsEventOf(...[template, ...events].map((event) => sqsRecordOf(event))));
  const lookup = createLookupHandler({ dynamodb: dynamo.client, tableName });
  gateway = await startGateway({ routes: [{ method: 'GET', path: '/messages/{provider}/{messageId}', handler: lookup }], maxBodyBytes: 1024 });
});
afterAll(async () => {
  await gateway?.stop();
  await dynamo?.stop();
});

describe('message ids in the lookup URL', () => {
  it.each(AWKWARD_IDS)('an id with %s is found through its ~base64url segment', async (_, messageId) => {
    const segment = messageIdSegment(messageId);
    expect(segment).toMatch(/^~[A-Za-z0-9_-]+$/);
    const response = await get(gateway, `/messages/${template.provider}/${segment}`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ provider: template.provider, messageId });
  });

  // An id starting with `~` is the one exception: percent-encoded or not, its segment starts with `~`.
  const percentEncodable = AWKWARD_IDS.filter(([, messageId]) => !messageId.startsWith('~'));
  it.each(percentEncodable)('an id with %s is found percent-encoded too on the local gateway', async (_, messageId) => {
    const response = await get(gateway, `/messages/${template.provider}/${encodeURIComponent(messageId)}`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ messageId });
  });

  it('a plain id is its own segment, so the everyday URL stays readable', async () => {
    expect(messageIdSegment(template.messageId!)).toBe(template.messageId);
    expect((await get(gateway, `/messages/${template.provider}/${template.messageId}`)).status).toBe(200);
  });

  it('what breaks without encoding: a raw slash is another route, a raw ? or # ends the id', async () => {
    expect((await get(gateway, `/messages/${template.provider}/batch/2024/0001`)).status).toBe(404);
    const query = await get(gateway, `/messages/${template.provider}/msg?id=7`);
    expect([query.status, JSON.parse(query.body).messageId]).not.toEqual([200, 'msg?id=7']);
  });

  it('a ~ segment that is not base64url of UTF-8 text is a 400 naming messageId', async () => {
    for (const segment of ['~a%2Fb', `~${Buffer.from([0xc3]).toString('base64url')}`, '~YQ==']) {
      const response = await get(gateway, `/messages/${template.provider}/${segment}`);
      expect([response.status, JSON.parse(response.body)]).toEqual([400, expect.objectContaining({ field: 'messageId' })]);
    }
  });
});
