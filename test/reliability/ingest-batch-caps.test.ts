/**
 * Reliability case 23 (docs/design.md): a batch over its item cap is refused with a clear answer, and nothing of it
 * is queued; the body, which passed verification, is kept on the rejected queue for inspection.
 */
import { MAX_BATCH_ITEMS } from '../../functions/providers/common';
import { ingestHarness, useIngestSuite } from '../functions/ingest/harness';
import { webhookEvent } from '../support/requests';

const suite = useIngestSuite();

const webcomXml = (count: number) =>
  `<?xml version="1.0" encoding="utf-8"?><response>${Array.from({ length: count }, (_, i) => `<state id_sms="${7000 + i}" time="" sms="send">send</state>`).join('')}</response>`;

const otpReports = (count: number) =>
  JSON.stringify(
    Array.from({ length: count }, (_, i) => ({ messageId: `9100${i}`, status: 2, reportTime: '2025-01-01 10:00:00', mobile: '8613800000000' })),
  );

describe('case 23: batches with bounds', () => {
  it.each([
    ['webcom', () => webcomXml(MAX_BATCH_ITEMS + 1), 'text/xml'],
    ['innopaas-otp', () => otpReports(MAX_BATCH_ITEMS + 1), 'application/json'],
  ])('%s: one item over the cap is a 413 naming both numbers, nothing queued, the body kept', async (provider, body, contentType) => {
    const { handler, eventsDepth, rejected } = await ingestHarness(suite.sqs.client, provider, { maxBodyBytes: 1024 * 1024 });
    const response = await handler(webhookEvent(provider, { body: body(), contentType }));
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body!)).toMatchObject({
      error: 'too_many_items',
      message: expect.stringContaining(`${MAX_BATCH_ITEMS + 1} items in one request; at most ${MAX_BATCH_ITEMS}`),
    });
    expect(await eventsDepth()).toBe(0);
    const [kept] = await rejected(1);
    expect(JSON.parse(kept.Body!)).toMatchObject({ provider, error: { code: 'too_many_items' } });
  });

  it('a batch at the cap is taken whole', async () => {
    const { handler, eventsDepth } = await ingestHarness(suite.sqs.client, 'webcom', { maxBodyBytes: 1024 * 1024 });
    const response = await handler(webhookEvent('webcom', { body: webcomXml(MAX_BATCH_ITEMS), contentType: 'text/xml' }));
    expect(response.statusCode).toBe(200);
    expect(await eventsDepth()).toBe(MAX_BATCH_ITEMS);
  });
});
