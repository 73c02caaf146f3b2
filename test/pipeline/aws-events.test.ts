/**
 * `npm start`'s local entry point for providers AWS delivers through EventBridge or SNS: the records reach the same
 * record handler the stack deploys, then the events queue, the consumer and the store, read back through the lookup
 * route; the simulator sends them there. Real engines: fauxqs and dynalite.
 */
import { recordProviderIds } from '../../functions/providers';
import type { LocalPipeline } from '../../local/pipeline';
import { allFixtures, loadFixtures } from '../../local/fixtures';
import { simulate } from '../../local/simulate';
import { startDynamo, type TestDynamo } from '../support/dynamodb';
import { startSqs, type TestSqs } from '../support/sqs';
import { lookup, post, startTestPipeline } from './support';

const quiet = () => undefined;

describe('local entry point for EventBridge and SNS records (POST /aws-events/{provider})', () => {
  let sqs: TestSqs;
  let dynamo: TestDynamo;
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    sqs = await startSqs();
    dynamo = await startDynamo('dynalite');
    pipeline = await startTestPipeline(sqs, { dynamoEndpoint: dynamo.endpoint });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await dynamo?.stop();
    await sqs?.stop();
  });

  it('gives the AWS providers a local entry point and no webhook route', async () => {
    for (const provider of recordProviderIds) {
      expect(pipeline.routes.find((route) => route.provider === provider)?.url).toBe(`${pipeline.url}/aws-events/${provider}`);
      const webhook = await fetch(`${pipeline.url}/webhooks/${provider}`, { method: 'POST', body: '{}' });
      expect([provider, webhook.status]).toEqual([provider, 404]);
    }
  });

  it.each(recordProviderIds)('%s: every fixture is accepted (200) and invalid ones are refused (400)', async (provider) => {
    for (const fixture of allFixtures(provider)) {
      const reply = await post(pipeline, provider, fixture.body, fixture.contentType);
      expect([fixture.name, reply.status]).toEqual([fixture.name, fixture.name.startsWith('invalid-') ? 400 : 200]);
    }
  });

  it('stores the statuses the records say: an EventBridge event and an SNS notification of AWS End User Messaging SMS', async () => {
    const eventBridge = loadFixtures('aws-eum-sms').find((fixture) => fixture.name === 'eventbridge-text-successful.json')!;
    const notification = loadFixtures('aws-eum-sms').find((fixture) => fixture.name === 'sns-text-multipart-millicents.json')!;
    expect((await post(pipeline, 'aws-eum-sms', eventBridge.body, eventBridge.contentType)).status).toBe(200);
    expect((await post(pipeline, 'aws-eum-sms', notification.body, notification.contentType)).status).toBe(200);
    await pipeline.drain();
    expect(await lookup(pipeline.url, 'aws-eum-sms', 'ed23196c-75ce-4727-93ee-7bf72b64998f')).toMatchObject({
      status: 'delivered',
      final: true,
      providerStatus: 'TEXT_SUCCESSFUL',
    });
    expect(await lookup(pipeline.url, 'aws-eum-sms', '3f1b8a6e-0c6e-4c38-9b7e-2d1f0example')).toMatchObject({
      status: 'delivered',
      final: true,
      providerStatus: 'TEXT_DELIVERED',
    });
  });

  it('brings both providers through the simulator scenarios to the expected statuses', async () => {
    const results = await Promise.all(recordProviderIds.map((provider) => simulate({ provider, scenario: 'all', url: pipeline.url, print: quiet })));
    for (const result of results) {
      expect(result.sent.filter((item) => item.statusCode !== 200)).toEqual([]);
      expect(result.messages.filter((message) => message.storedStatus !== message.expectedStatus)).toEqual([]);
      expect(result.ok).toBe(true);
    }
  });
});
