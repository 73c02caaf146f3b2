/**
 * The ops commands against a local pipeline on the embedded engines (fauxqs, and each DynamoDB engine the run
 * selects): listing without consuming, redrive, re-normalize (a changed mapping repairs a status, a second run
 * changes nothing), export and stats.
 */
import { providerRequest, sendRequest, signingMaterial } from '../../local/provider-requests';
import { webhookRequest } from '../../functions/providers/common';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { providers } from '../../functions/providers';
import type { ProviderAdapter } from '../../functions/providers/types';
import type { LocalPipeline } from '../../local/pipeline';
import { parseArgs, runCommand, UsageError } from '../../ops/cli';
import { PART_REASON, renormalize } from '../../ops/renormalize';
import { localTarget, type OpsTarget } from '../../ops/target';
import { dynamoEngines, startDynamo, type TestDynamo } from '../support/dynamodb';
import { queueDepth, receiveAll, startSqs, type TestSqs } from '../support/sqs';
import { lookup, post, startTestPipeline } from '../pipeline/support';
import { loadFixtures } from '../../local/scenarios';
import { adapterRequestOf } from '../../local/fixtures';
import type { NormalizedEvent } from '../../functions/events/schema';
import { simulate } from '../../local/simulate';

const real = providers.smsgateway24;

/** SmsGateway24 as if its table said `7` (Delivered) means `failed`: the "wrong mapping" of the repair tests. */
const mappingSevenToFailed: ProviderAdapter = {
  ...real,
  statusOf: (event) => (event.providerStatus === '7' ? { status: 'failed', final: true } : real.statusOf(event)),
};

/** `delivered (final)`, as the renormalize report prints a status. */
const shown = (value: { status?: string; final?: boolean }) => `${value.status}${value.final ? ' (final)' : ''}`;

const statusBody = (smsId: number, statusId: number) =>
  JSON.stringify({ sms_id: smsId, status_id: statusId, sendto: '+4915752982212', senttime: '2024-12-12 14:38:05', device_id: 1 });

describe.each(dynamoEngines)('ops commands on %s', (engine) => {
  let sqs: TestSqs;
  let dynamo: TestDynamo;
  let pipeline: LocalPipeline;
  let target: OpsTarget;
  const run = async (...argv: string[]): Promise<string[]> => {
    const lines: string[] = [];
    await runCommand(target, parseArgs(argv), { print: (line) => lines.push(line) });
    return lines;
  };

  beforeAll(async () => {
    sqs = await startSqs();
    dynamo = await startDynamo(engine);
    pipeline = await startTestPipeline(sqs, {
      dynamoEndpoint: dynamo.endpoint,
      subscribers: [{ name: 'changes', filterPolicy: { statusChanged: ['true'] } }],
    });
    target = localTarget(pipeline);
  });
  afterAll(async () => {
    target?.close();
    await pipeline?.stop();
    await dynamo?.stop();
    await sqs?.stop();
  });

  it('re-normalize: a changed mapping repairs the stored status, a dry run writes nothing, a second run changes nothing', async () => {
    expect((await post(pipeline, 'smsgateway24', statusBody(9001, 2), 'application/json')).status).toBe(200);
    expect((await post(pipeline, 'smsgateway24', statusBody(9001, 7), 'application/json')).status).toBe(200);
    await pipeline.drain();
    expect((await lookup(pipeline.url, 'smsgateway24', '9001'))?.status).toBe('delivered');
    const changes = pipeline.resources.subscriberQueueUrls.changes;
    await receiveAll(sqs.client, changes, 2).then(async () => {
      // Start the repair checks from an empty subscriber queue.
      const { PurgeQueueCommand } = await import('@aws-sdk/client-sqs');
      await sqs.client.send(new PurgeQueueCommand({ QueueUrl: changes }));
    });
    const common = {
      dynamodb: target.dynamodb,
      tableName: target.tableName,
      sns: target.sns,
      topicArn: target.topicArn,
      provider: 'smsgateway24',
      messageId: '9001',
    };

    const dry = await renormalize({ ...common, dryRun: true, adapters: { smsgateway24: mappingSevenToFailed } });
    expect(dry.events).toEqual([
      expect.objectContaining({ from: { status: 'delivered', final: true }, to: { status: 'failed', final: true }, written: false }),
    ]);
    expect(dry.states).toEqual([
      expect.objectContaining({
        from: expect.objectContaining({ status: 'delivered' }),
        to: expect.objectContaining({ status: 'failed' }),
        written: false,
      }),
    ]);
    expect((await lookup(pipeline.url, 'smsgateway24', '9001'))?.status).toBe('delivered');

    const changed = await renormalize({ ...common, dryRun: false, adapters: { smsgateway24: mappingSevenToFailed } });
    expect(changed.events).toHaveLength(1);
    expect(changed.states).toEqual([expect.objectContaining({ written: true, published: true })]);
    expect((await lookup(pipeline.url, 'smsgateway24', '9001'))?.status).toBe('failed');
    const again = await renormalize({ ...common, dryRun: false, adapters: { smsgateway24: mappingSevenToFailed } });
    expect(again.events).toEqual([]);
    expect(again.states).toEqual([]);

    // The real mapping repairs it back, through the command, and says so once.
    const repaired = await run('renormalize', '--provider', 'smsgateway24');
    expect(repaired.join('\n')).toMatch(/state {2}smsgateway24 9001: failed \(final\) -> delivered \(final\)/);
    const stored = await lookup(pipeline.url, 'smsgateway24', '9001');
    expect(stored).toMatchObject({ status: 'delivered', final: true });
    expect(stored?.history.map((entry) => entry.status)).toEqual(['sending', 'delivered']);
    expect((await run('renormalize', '--dry-run')).at(-1)).toMatch(/; 0 event\(s\) and 0 state\(s\) would change/);
    expect((await run('renormalize')).at(-1)).toMatch(/; 0 event\(s\) and 0 state\(s\) changed/);

    // Subscribers learned of each repair, as a status change with the wrong status as previousStatus.
    const published = (await receiveAll(sqs.client, changes, 2)).map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>);
    expect(published.map((event) => [event.previousStatus, event.status])).toEqual(
      expect.arrayContaining([
        ['delivered', 'failed'],
        ['failed', 'delivered'],
      ]),
    );
  });

  it('export prints the state and the whole history as JSON; an unknown message is an error', async () => {
    const exported = JSON.parse((await run('export', 'smsgateway24', '9001')).join('\n')) as {
      state: { status: string };
      history: Array<{ event: { eventId: string; raw: unknown }; mappedBefore?: unknown; publication?: unknown }>;
    };
    expect(exported.state.status).toBe('delivered');
    expect(exported.history).toHaveLength(2);
    expect(exported.history[1].event.raw).toMatchObject({ sms_id: 9001, status_id: 7 });
    expect(exported.history[1].mappedBefore).toEqual({ status: 'delivered', final: true });
    await expect(run('export', 'smsgateway24', 'nope')).rejects.toThrow('no message smsgateway24/nope');
    await expect(run('export', 'smsgateway24')).rejects.toThrow(UsageError);
  });

  it('rejected list and show leave the bodies on the queue', async () => {
    const refused = await post(pipeline, 'smsgateway24', '{"sms_id": 1, "status_id": "seven"}', 'application/json');
    expect(refused.status).toBe(400);
    const listed = await run('rejected', 'list');
    expect(listed.at(-1)).toBe(`1 rejected body on ${target.name}`);
    const requestId = listed[0].split('  ')[2];
    const shown = (await run('rejected', 'show', requestId)).join('\n');
    expect(shown).toContain('"provider": "smsgateway24"');
    expect(shown).toContain('{"sms_id": 1, "status_id": "seven"}');
    expect((await run('rejected')).at(-1)).toBe(`1 rejected body on ${target.name}`);
  });

  it('dlq list shows a dead letter without consuming it, redrive moves it back and the consumer applies it', async () => {
    const event = real.normalize(webhookRequest({ body: statusBody(9002, 7), contentType: 'application/json' }), {
      receivedAt: new Date().toISOString(),
      timeZone: 'UTC',
    }).events[0];
    await sqs.client.send(new SendMessageCommand({ QueueUrl: pipeline.resources.deadLetterQueueUrl, MessageBody: JSON.stringify(event) }));
    const listed = await run('dlq');
    expect(listed.join('\n')).toContain(event.eventId);
    expect(listed.at(-1)).toBe(`1 dead letter(s) on ${target.name}`);
    expect((await run('dlq', 'show', event.eventId)).join('\n')).toContain('"messageId": "9002"');
    expect(await queueDepth(sqs.client, pipeline.resources.deadLetterQueueUrl)).toBe(1);

    expect(await run('dlq', 'redrive')).toEqual(['1 dead letter(s) moved back to the events queue']);
    expect(await queueDepth(sqs.client, pipeline.resources.deadLetterQueueUrl)).toBe(0);
    await pipeline.drain();
    expect((await lookup(pipeline.url, 'smsgateway24', '9002'))?.status).toBe('delivered');
  });

  it("queues lists every queue's depth; a subscriber's dead letters are listed and redriven to its own queue", async () => {
    const subscriber = pipeline.resources.subscriberQueueUrls.changes;
    const { GetQueueUrlCommand } = await import('@aws-sdk/client-sqs');
    const { QueueUrl: subscriberDlq } = await sqs.client.send(new GetQueueUrlCommand({ QueueName: `${subscriber.split('/').pop()}-dlq` }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: subscriberDlq, MessageBody: '{"eventId":"feedfacefeedfacefeedfacefeedface"}' }));
    const depths = await run('queues');
    expect(depths.map((line) => line.replace(/\s+/g, ' '))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^events dead letters 0 waiting/),
        expect.stringMatching(/^subscriber changes dead letters 1 waiting 0 in flight$/),
      ]),
    );
    expect((await run('dlq', 'list', '--subscriber', 'changes')).join('\n')).toContain('feedfacefeedfacefeedfacefeedface');
    const before = await queueDepth(sqs.client, subscriber);
    expect(await run('dlq', 'redrive', '--subscriber', 'changes')).toEqual(['1 dead letter(s) moved back to the queue of subscriber changes']);
    expect(await queueDepth(sqs.client, subscriberDlq!)).toBe(0);
    expect(await queueDepth(sqs.client, subscriber)).toBe(before + 1);
    await expect(run('dlq', '--subscriber', 'nobody')).rejects.toThrow('no subscriber nobody (changes)');
  });

  it('stats gives the delivery figures per provider, channel and country', async () => {
    await post(pipeline, 'smsgateway24', statusBody(9003, 2), 'application/json');
    await pipeline.drain();
    const output = JSON.parse((await run('stats', '--json')).join('\n')) as {
      delivery: Array<Record<string, unknown>>;
      refusals: Array<Record<string, unknown>>;
    };
    // The refusals come from the console's counts: two statuses of 9001, the refused body, and 9003's status.
    expect(output.refusals).toEqual([{ provider: 'smsgateway24', requests: 4, refused: 1, refusalRate: 0.25 }]);
    expect(output.delivery).toEqual([
      expect.objectContaining({
        provider: 'smsgateway24',
        channel: 'sms',
        country: 'DE',
        messages: 3,
        final: 2,
        delivered: 2,
        missing: 1,
        deliveryRate: 1,
      }),
    ]);
    const table = await run('stats');
    expect(table[0]).toMatch(/^provider\s+channel\s+country\s+messages\s+delivered\s+p50\s+p95\s+unknown\s+missing$/);
    expect(table[1]).toMatch(/^smsgateway24\s+sms\s+DE\s+3\s+100\.0%/);
  });

  it('a mapping fixed after the fact repairs stored statuses of every body format; --dry-run only prints; a second run changes nothing', async () => {
    // What an older mapping stored: delivery reports of a JSON body (NHN), a form (Twilio), one status of a Meta
    // entry, AWS End User Messaging records, and the SMPP gateways' form (Jasmin) and query (Kannel), each with the
    // wrong status, as that adapter would have queued them.
    const cases = [
      ['nhncloud-sms', 'message-result.json'],
      ['twilio', 'status-delivered.form'],
      ['meta-whatsapp', 'status-delivered.json'],
      ['aws-eum-sms', 'eventbridge-text-delivered.json'],
      ['aws-eum-whatsapp', 'eventbridge-delivered.json'],
      ['jasmin', 'dlr-delivered.form'],
      ['kannel', 'dlr-delivered.query'],
    ] as const;
    const right = cases.flatMap(([provider, name]) => {
      const adapter = providers[provider];
      const fixture = loadFixtures(provider).find((candidate) => candidate.name === name);
      if (!fixture) throw new Error(`no fixture ${provider}/${name}`);
      const context = { receivedAt: new Date().toISOString(), timeZone: adapter.defaultTimeZone };
      return adapter.normalize(adapterRequestOf(fixture), context).events.filter((event) => event.type === 'message.status');
    });
    expect([...new Set(right.map((event) => event.provider))]).toEqual(cases.map(([provider]) => provider));
    const wrongOf = (event: NormalizedEvent) =>
      event.status === 'failed' ? { status: 'delivered', final: true } : { status: 'failed', final: true };
    for (const event of right) {
      const body = JSON.stringify({ ...event, ...wrongOf(event) });
      await sqs.client.send(new SendMessageCommand({ QueueUrl: pipeline.resources.eventsQueueUrl, MessageBody: body }));
    }
    await pipeline.drain();
    const storedStatuses = async () =>
      Promise.all(right.map(async (event) => (await lookup(pipeline.url, event.provider, event.messageId ?? ''))?.status));
    expect(await storedStatuses()).toEqual(right.map((event) => wrongOf(event).status));

    const changes = right.flatMap((event) => [
      `event  ${event.provider} ${event.messageId} ${event.eventId} "${event.providerStatus}": ${shown(wrongOf(event))} -> ${shown(event)}`,
      `state  ${event.provider} ${event.messageId}: ${shown(wrongOf(event))} -> ${shown(event)}`,
    ]);
    const dry = await run('renormalize', '--dry-run');
    expect(dry.slice(0, -1).sort()).toEqual([...changes].sort());
    expect(dry.at(-1)).toMatch(new RegExp(`; ${right.length} event\\(s\\) and ${right.length} state\\(s\\) would change$`));
    expect(await storedStatuses()).toEqual(right.map((event) => wrongOf(event).status));

    const repaired = await run('renormalize');
    expect(
      repaired
        .slice(0, -1)
        .map((line) => line.replace(/ {2}published$/, ''))
        .sort(),
    ).toEqual([...changes].sort());
    expect(repaired.at(-1)).toMatch(new RegExp(`; ${right.length} event\\(s\\) and ${right.length} state\\(s\\) changed$`));
    expect(await storedStatuses()).toEqual(right.map((event) => event.status));
    expect(await run('renormalize')).toEqual([expect.stringMatching(/; 0 event\(s\) and 0 state\(s\) changed$/)]);

    // What was printed names messages, events and statuses: no phone number, whole or in part of the body.
    const printed = [...dry, ...repaired, ...(await run('renormalize', '--dry-run', '--json', '--verbose'))].join('\n');
    const numbers = right.flatMap((event) => [event.recipient?.e164, event.sender?.e164]).filter((number) => number !== undefined);
    expect(numbers.length).toBeGreaterThan(0);
    for (const number of numbers) expect(printed).not.toContain(number.slice(-8));
  });

  it('derives every status the providers send again, unchanged (no false repair)', async () => {
    await simulate({ provider: 'all', scenario: 'all', url: pipeline.url, seed: 3, verify: false, print: () => undefined });
    for (const route of pipeline.routes) {
      for (const fixture of loadFixtures(route.provider)) {
        const call = { provider: route.provider, method: fixture.method, contentType: fixture.contentType, body: fixture.body };
        await (await sendRequest(await providerRequest(call, { baseUrl: pipeline.url, material: signingMaterial(route.provider) }))).arrayBuffer();
      }
    }
    await pipeline.drain();
    const report = await renormalize({ dynamodb: target.dynamodb, tableName: target.tableName, dryRun: true });
    expect(report.examined).toBeGreaterThan(50);
    // Nothing is repaired that was right, and every provider's events are derived again, whatever their format.
    expect(report.events).toEqual([]);
    expect(report.states).toEqual([]);
    // Only reports on one part of a multipart message (Plivo's) are said to be left as they are.
    expect(report.undetermined.length).toBeGreaterThan(0);
    expect(new Set(report.undetermined.map((entry) => `${entry.provider}: ${entry.reason}`))).toEqual(new Set([`plivo: ${PART_REASON}`]));
  });

  it('a command line that makes no sense is a usage error', async () => {
    await expect(run('frobnicate')).rejects.toThrow('unknown command frobnicate');
    expect(() => parseArgs(['stats', '--provider'])).toThrow('--provider needs a value');
    await expect(run('renormalize', '--message', '1')).rejects.toThrow('--message needs --provider');
  });
});
