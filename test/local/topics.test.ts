import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { NormalizedEvent } from '../../functions/events/schema';
import { publishInputOf, toAppliedEvent } from '../../functions/publish/appliedEvent';
import { localSnsClient } from '../../local/engines/clients';
import { createTopicAndSubscribers } from '../../local/engines/topics';
import { QUEUE } from '../../lib/pipeline-settings';
import { loadEvents } from '../functions/consume/support';
import { receiveAll, startSqs, type TestSqs } from '../support/sqs';

const FINALS = { type: ['message.status'], final: ['true'], statusChanged: ['true'] };

describe('topic of applied events on the embedded engine', () => {
  let sqs: TestSqs;
  let sns: SNSClient;
  let run = 0;
  const prefix = () => `topics-${++run}-`;

  const publish = async (topicArn: string, event: NormalizedEvent, statusChanged = true) => {
    const { rawOmitted: _r, dataOmitted: _d, ...input } = publishInputOf(topicArn, toAppliedEvent(event, { statusChanged, previousStatus: null }));
    await sns.send(new PublishCommand(input));
    return input.Message!;
  };
  const bodies = async (queueUrl: string, expected: number) =>
    (await receiveAll(sqs.client, queueUrl, expected + 1, 1_000)).map((message) => message.Body);

  beforeAll(async () => {
    sqs = await startSqs();
    sns = localSnsClient(sqs.endpoint);
  });
  afterAll(async () => {
    sns?.destroy();
    await sqs?.stop();
  });

  it('delivers the applied event JSON itself, with its attributes (raw message delivery)', async () => {
    const { topicArn, subscriberQueueUrls } = await createTopicAndSubscribers(sns, sqs.client, [{ name: 'all' }], { prefix: prefix() });
    const [event] = loadEvents('smsgateway24-every-step');
    const message = await publish(topicArn, event);
    const [received] = await receiveAll(sqs.client, subscriberQueueUrls.all, 1, 2_000);
    expect(received.Body).toBe(message);
    expect(received.MessageAttributes?.statusChanged).toEqual(expect.objectContaining({ DataType: 'String', StringValue: 'true' }));
  });

  it('gives each subscriber exactly the events its filter policy matches', async () => {
    const { topicArn, subscriberQueueUrls } = await createTopicAndSubscribers(
      sns,
      sqs.client,
      [
        { name: 'finals', filterPolicy: FINALS },
        { name: 'opt-outs', filterPolicy: { type: ['recipient.unsubscribed'] } },
        { name: 'webcom', filterPolicy: { provider: ['webcom'] } },
      ],
      { prefix: prefix() },
    );
    const statuses = loadEvents('smsgateway24-every-step');
    const optOut = loadEvents('other-types').find((event) => event.type === 'recipient.unsubscribed')!;
    const published = [];
    for (const event of [...statuses, optOut]) published.push(await publish(topicArn, event));
    await publish(topicArn, statuses[4], false);
    expect(await bodies(subscriberQueueUrls.finals, 1)).toEqual([published[4]]);
    expect(await bodies(subscriberQueueUrls['opt-outs'], 1)).toEqual([published[5]]);
    expect(await bodies(subscriberQueueUrls.webcom, 0)).toEqual([]);
  });

  it('gives every subscriber queue its own dead-letter queue after maxReceiveCount', async () => {
    const { subscriberQueueUrls } = await createTopicAndSubscribers(sns, sqs.client, [{ name: 'dlq' }], { prefix: prefix() });
    const { Attributes } = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: subscriberQueueUrls.dlq, AttributeNames: ['RedrivePolicy'] }),
    );
    const redrive = JSON.parse(Attributes!.RedrivePolicy!);
    expect(redrive.maxReceiveCount).toBe(QUEUE.maxReceiveCount);
    expect(redrive.deadLetterTargetArn).toMatch(/webhook-sub-dlq-dlq$/);
  });

  it('can run again: one subscription per queue, with the new filter policy', async () => {
    const shared = prefix();
    await createTopicAndSubscribers(sns, sqs.client, [{ name: 'again', filterPolicy: { provider: ['webcom'] } }], { prefix: shared });
    const { topicArn, subscriberQueueUrls } = await createTopicAndSubscribers(sns, sqs.client, [{ name: 'again', filterPolicy: FINALS }], {
      prefix: shared,
    });
    const [, , , , delivered] = loadEvents('smsgateway24-every-step');
    const message = await publish(topicArn, delivered);
    expect(await bodies(subscriberQueueUrls.again, 1)).toEqual([message]);
  });

  it('refuses subscribers the stack would refuse', async () => {
    await expect(createTopicAndSubscribers(sns, sqs.client, [{ name: 'Bad Name' }], { prefix: prefix() })).rejects.toThrow(/Bad Name/);
    await expect(createTopicAndSubscribers(sns, sqs.client, [{ name: 'a' }, { name: 'a' }], { prefix: prefix() })).rejects.toThrow(/twice/);
    await expect(
      createTopicAndSubscribers(sns, sqs.client, [{ name: 'typo', filterPolicy: { stauts: ['failed'] } }], { prefix: prefix() }),
    ).rejects.toThrow(/stauts/);
  });
});
