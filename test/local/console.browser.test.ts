/**
 * The operator console in a real browser: Debian's chromium driven by playwright-core, against a local pipeline on
 * the embedded engines. Skipped, saying why, when /usr/bin/chromium is absent (`.ci/run` installs it with apt).
 */
import { webhookRequest } from '../../functions/providers/common';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { providers } from '../../functions/providers';
import type { LocalPipeline } from '../../local/pipeline';
import { simulate } from '../../local/simulate';
import { lookup, post, startTestPipeline } from '../pipeline/support';
import { queueDepth, startSqs, type TestSqs } from '../support/sqs';

/** The page's `document`, as far as the callbacks run in the browser use it (this project compiles without the DOM lib). */
interface PageNode {
  readonly textContent: string | null;
  readonly options?: { readonly length: number };
}
declare const document: {
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode> & Iterable<PageNode>;
};

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Every credential value of the dev file: none may ever be on the page. */
const DEV_SECRETS = [
  'dev-innopaas-otp-secret',
  'dev-innopaas-wa-secret',
  'dev-webcom-token-0123456789abcdef',
  'dev-smsgateway24-token-0123456789abcdef',
  'dev-nhn-signature-0123456789',
];

const available = existsSync(CHROMIUM);
if (!available) {
  // eslint-disable-next-line no-console
  console.warn(`console browser tests SKIPPED: ${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does it)`);
}
const describeWithBrowser = available ? describe : describe.skip;

describeWithBrowser('operator console in chromium', () => {
  let sqs: TestSqs;
  let pipeline: LocalPipeline;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    sqs = await startSqs();
    pipeline = await startTestPipeline(sqs, { subscribers: [{ name: 'changes', filterPolicy: { statusChanged: ['true'] } }] });
    // A new, empty profile: nothing from another run, no first-run or sync traffic.
    profile = mkdtempSync(path.join(tmpdir(), 'console-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${pipeline.url}/console`);
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await pipeline?.stop();
    await sqs?.stop();
  });

  const tab = (name: string) => page.click(`#tabs button[data-tab="${name}"]`);
  const pageHtml = () => page.content();

  it('shows the traffic the simulator sends as it arrives, URL tokens masked', async () => {
    await tab('requests');
    const result = await simulate({ provider: 'smsgateway24', url: pipeline.url, seed: 11, verify: false, print: () => undefined });
    expect(result.sent.length).toBeGreaterThan(0);
    const rows = page.locator('#requests-body tr[data-testid="request-row"]');
    await page.waitForFunction((count) => document.querySelectorAll('#requests-body tr').length >= count, result.sent.length);
    expect(await rows.count()).toBe(result.sent.length);
    const first = await rows.first().innerText();
    expect(first).toContain('smsgateway24');
    expect(first).toContain('/webhooks/smsgateway24/***');
    const html = await pageHtml();
    for (const secret of DEV_SECRETS) expect(html).not.toContain(secret);
  });

  it('shows why a request was refused, and no secret', async () => {
    await tab('requests');
    const nhn = pipeline.routes.find((route) => route.provider === 'nhncloud-sms')!;
    // The right signature header on a body NHN never sends: refused after authentication, with a reason.
    const refused = await post(pipeline, 'nhncloud-sms', '{"hooks": 7}', 'application/json');
    expect(refused.status).toBe(400);
    // A wrong signature: refused before.
    const unauthorized = await fetch(nhn.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-toast-webhook-signature': 'guessed-signature-value',
        authorization: 'Bearer some-token-value',
      },
      body: '{}',
    });
    expect(unauthorized.status).toBe(401);

    await page.waitForFunction(() =>
      [...document.querySelectorAll('#requests-body td[data-testid="answer"]')].some((td) => td.textContent === '401'),
    );
    const invalidRow = page.locator('#requests-body tr', { has: page.locator('td[data-testid="answer"]', { hasText: '400' }) }).first();
    expect(await invalidRow.locator('td[data-testid="reason"]').innerText()).toMatch(/^invalid_body: .+ \(hooks\)$/);
    await invalidRow.click();
    expect(await page.locator('[data-testid="detail-reason"]').innerText()).toContain('invalid_body');
    expect(await page.locator('[data-testid="headers"]').innerText()).toMatch(/x-toast-webhook-signature\s+\*\*\*/);

    const unauthorizedRow = page.locator('#requests-body tr', { has: page.locator('td[data-testid="answer"]', { hasText: '401' }) }).first();
    expect(await unauthorizedRow.locator('td[data-testid="reason"]').innerText()).toMatch(/^unauthorized: /);
    await unauthorizedRow.click();
    const headers = await page.locator('[data-testid="headers"]').innerText();
    expect(headers).toMatch(/authorization\s+\*\*\*/);
    const html = await pageHtml();
    for (const secret of [...DEV_SECRETS, 'guessed-signature-value', 'some-token-value']) expect(html).not.toContain(secret);
  });

  it('redrives the dead-letter queue until it is empty, and the events are applied', async () => {
    const event = providers.smsgateway24.normalize(
      webhookRequest({
        body: JSON.stringify({ sms_id: 7001, status_id: 7, sendto: '+4915752982212', senttime: '2024-12-12 14:38:05' }),
        contentType: 'application/json',
      }),
      { receivedAt: new Date().toISOString(), timeZone: 'UTC' },
    ).events[0];
    await sqs.client.send(new SendMessageCommand({ QueueUrl: pipeline.resources.deadLetterQueueUrl, MessageBody: JSON.stringify(event) }));
    await tab('queues');
    await page.waitForFunction(() => document.querySelectorAll('#dlq-body tr[data-testid="dlq-row"]').length === 1);
    expect(await page.locator('#dlq-body').innerText()).toContain(event.eventId);

    // A POST that is not the page's own (another site's form, a script without the console header) changes nothing.
    const forged = await fetch(`${pipeline.url}/console/api/dlq/redrive`, { method: 'POST' });
    expect(forged.status).toBe(403);
    expect(await queueDepth(sqs.client, pipeline.resources.deadLetterQueueUrl)).toBe(1);

    await page.click('[data-testid="redrive"]');
    await page.waitForFunction(() => document.querySelector('#redrive-result')?.textContent?.startsWith('1 moved'));
    await page.waitForFunction(() => document.querySelector('#dlq-count')?.textContent === '(0)');
    expect(await queueDepth(sqs.client, pipeline.resources.deadLetterQueueUrl)).toBe(0);
    await pipeline.drain();
    expect((await lookup(pipeline.url, 'smsgateway24', '7001'))?.status).toBe('delivered');
  });

  it('replays a captured request: the same event id, and no second effect', async () => {
    await tab('send');
    await page.waitForFunction(() => document.querySelector('#fixture')?.options?.length);
    await page.selectOption('#fixture', 'smsgateway24/status-sim.json');
    await page.click('#send-fixture');
    await page.waitForFunction(() => document.querySelector('[data-testid="send-status"]')?.textContent === '200');
    await pipeline.drain();
    const before = await lookup(pipeline.url, 'smsgateway24', '84561234');
    expect(before?.status).toBe('delivered');
    const changesBefore = await queueDepth(sqs.client, pipeline.resources.subscriberQueueUrls.changes);

    await tab('requests');
    await page.waitForFunction(() => document.querySelectorAll('#requests-body tr').length > 0);
    // The newest row is the fixture just sent.
    await page.locator('#requests-body tr').first().click();
    const original = await page.locator('#request-detail [data-testid="event-id"]').allInnerTexts();
    expect(original).toHaveLength(1);
    await page.click('[data-testid="replay"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="replay-events"]') !== null);
    expect(await page.locator('[data-testid="replay-result"]').innerText()).toMatch(/^replayed as #\d+: 200; events /);
    expect(await page.locator('[data-testid="replay-events"]').innerText()).toBe(original[0]);

    await pipeline.drain();
    const after = await lookup(pipeline.url, 'smsgateway24', '84561234');
    expect(after).toEqual(before);
    expect(await queueDepth(sqs.client, pipeline.resources.subscriberQueueUrls.changes)).toBe(changesBefore);
    // The replay is listed as such.
    await page.waitForFunction(() => document.querySelector('#requests-body tr')?.textContent?.includes('replay of #'));
  });

  it('finds a message by id and shows its status timeline, lists inbound records, and shows the delivery figures', async () => {
    await tab('messages');
    await page.fill('#message-search', '84561234');
    await page.click('#message-search-go');
    await page.waitForFunction(() => document.querySelectorAll('#messages-body tr[data-testid="message-row"]').length === 1);
    await page.locator('#messages-body tr').first().click();
    await page.waitForFunction(() => document.querySelectorAll('#message-timeline tr[data-testid="timeline-entry"]').length > 0);
    expect(await page.locator('#message-timeline h2').innerText()).toBe('smsgateway24 84561234: delivered (final)');

    // An inbound message sent as a fixture is listed among the records, not the messages.
    await tab('send');
    await page.selectOption('#fixture', 'smsgateway24/incoming-text.json');
    await page.click('#send-fixture');
    await page.waitForFunction(() => document.querySelector('[data-testid="send-status"]')?.textContent === '200');
    await pipeline.drain();
    await tab('records');
    await page.waitForFunction(() => document.querySelectorAll('#records-body tr[data-testid="record-row"]').length === 1);
    expect(await page.locator('#records-body').innerText()).toMatch(/smsgateway24\s+message\.inbound/);

    await tab('stats');
    await page.waitForFunction(() => document.querySelectorAll('#stats-body tr[data-testid="stats-row"]').length > 0);
    expect(await page.locator('#stats-body').innerText()).toMatch(/smsgateway24\s+sms\s+DE/);
    expect(await page.locator('#refusals-body').innerText()).toMatch(/nhncloud-sms\s+2\s+2\s+100\.0%/);
  });
});
