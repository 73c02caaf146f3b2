/**
 * reliability case 10: SendMessageBatch fails for some entries. The fault is injected into an SQS client
 * that talks to the real embedded engine (fauxqs): the failed entries never reach the queue, the others do,
 * and the answer never acknowledges an event that is not on the queue.
 */
import type { NormalizedEvent } from '../../functions/events/schema';
import { type FaultPlan, faultyClient, type IngestHarness, ingestHarness, useIngestSuite } from '../functions/ingest/harness';
import { validFixtures, webhookEvent } from '../support/requests';

const suite = useIngestSuite();

/** A harness whose handler sends through a client with `plan` injected; queues are read with the plain client. */
async function withFaults(provider: string, plan: FaultPlan) {
  const client = faultyClient(suite.sqs.endpoint, plan);
  const harness = await ingestHarness(suite.sqs.client, provider, { sqs: client });
  return { ...harness, done: () => client.destroy() };
}

/** Every event on the harness's queue (its depth first, so nothing waits for messages that will not come). */
async function queuedEvents(harness: IngestHarness): Promise<NormalizedEvent[]> {
  const depth = await harness.eventsDepth();
  return (await harness.events(depth)).map((message) => JSON.parse(message.Body!) as NormalizedEvent);
}

/** Webcom XML with `count` delivered states, id_sms 5000, 5001, … */
function webcomXml(count: number): string {
  const states = Array.from({ length: count }, (_, i) => `<state id_sms="${5000 + i}" time="2024-05-14 10:21:07" sms="deliver">deliver</state>`);
  return `<?xml version="1.0" encoding="utf-8"?><response>${states.join('')}</response>`;
}

const ackedXmlIds = (body: string) => [...body.matchAll(/<id_sms>(\d+)<\/id_sms>/g)].map((match) => match[1]);

describe('case 10: the queue takes only some of the events', () => {
  it('answers 503 to a header-authenticated provider and queues only the entries that succeeded', async () => {
    const fixture = validFixtures('nhncloud-sms').find((f) => f.name === 'dlr-every-status.json')!;
    let failedEventId = '';
    const harness = await withFaults('nhncloud-sms', ({ eventId, body }) => {
      if ((body.providerStatus as string) !== 'DELIVERED') return 'ok';
      failedEventId = eventId;
      return 'fail';
    });
    const response = await harness.handler(webhookEvent('nhncloud-sms', { body: fixture.body }));
    harness.done();
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBeDefined();
    const queued = await queuedEvents(harness);
    expect(queued).toHaveLength(6);
    expect(queued.map((event) => event.eventId)).not.toContain(failedEventId);
    expect(suite.output.metrics().find((record) => record.EnqueueFailures !== undefined)).toMatchObject({ EnqueueFailures: 1, EventsQueued: 6 });
    expect(suite.output.logs().find((log) => log.outcome === 'queue_unavailable')).toMatchObject({
      level: 'ERROR',
      enqueueFailures: [{ eventId: failedEventId, code: 'InternalError' }],
    });
  });

  it('acknowledges to Webcom (XML) exactly the id_sms values that were queued', async () => {
    const harness = await withFaults('webcom', ({ messageId }) => (messageId === '5003' || messageId === '5011' ? 'fail' : 'ok'));
    const response = await harness.handler(webhookEvent('webcom', { body: webcomXml(15) }));
    harness.done();
    expect(response.statusCode).toBe(200);
    const acked = ackedXmlIds(response.body!);
    const queuedIds = (await queuedEvents(harness)).map((event) => event.messageId!);
    expect(acked).toHaveLength(13);
    expect(acked).not.toContain('5003');
    expect(acked).not.toContain('5011');
    expect([...queuedIds].sort()).toEqual([...acked].sort());
  });

  it('acknowledges to Webcom (JSON) exactly the id_sms values that were queued', async () => {
    const body = validFixtures('webcom').find((f) => f.name === 'status.json')!.body;
    const harness = await withFaults('webcom', ({ messageId }) => (messageId === '3237' ? 'fail' : 'ok'));
    const response = await harness.handler(webhookEvent('webcom', { body, contentType: 'application/json' }));
    harness.done();
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual([{ id_sms: 3234 }]);
    expect((await queuedEvents(harness)).map((event) => event.messageId)).toEqual(['3234']);
  });

  it('leaves a whole failed batch out of the Webcom ack when its call throws', async () => {
    const harness = await withFaults('webcom', ({ messageId }) => (messageId === '5012' ? 'throw' : 'ok'));
    const response = await harness.handler(webhookEvent('webcom', { body: webcomXml(25) }));
    harness.done();
    const acked = ackedXmlIds(response.body!);
    const secondBatch = Array.from({ length: 10 }, (_, i) => String(5010 + i));
    expect(acked).toHaveLength(15);
    expect(acked.filter((id) => secondBatch.includes(id))).toEqual([]);
    expect((await queuedEvents(harness)).map((event) => event.messageId).sort()).toEqual([...acked].sort());
  });

  it('answers Webcom 503, not an empty ack, when nothing could be queued', async () => {
    const harness = await withFaults('webcom', () => 'fail');
    const response = await harness.handler(webhookEvent('webcom'));
    harness.done();
    expect(response.statusCode).toBe(503);
    expect(await harness.eventsDepth()).toBe(0);
  });

  it('answers 200 after a transient failure is retried, with every event queued once', async () => {
    const harness = await withFaults('webcom', ({ messageId }, attempt) => (attempt === 1 && Number(messageId) % 2 === 0 ? 'fail' : 'ok'));
    const response = await harness.handler(webhookEvent('webcom', { body: webcomXml(12) }));
    harness.done();
    expect(response.statusCode).toBe(200);
    expect(ackedXmlIds(response.body!)).toHaveLength(12);
    const queued = await queuedEvents(harness);
    expect(queued).toHaveLength(12);
    expect(new Set(queued.map((event) => event.eventId)).size).toBe(12);
  });
});
