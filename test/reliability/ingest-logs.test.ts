/**
 * reliability case 15: logs captured (stdout and stderr, where the structured logger and EMF metrics write) while
 * the ingest handler processes every fixture of every provider, valid and invalid, with the right credentials
 * and with wrong ones: no whole phone number, no secret, no raw body in any line.
 */
import type { NormalizedEvent } from '../../functions/events/schema';
import { adapterFor, httpProviderIds as providerIds } from '../../functions/providers';
import { ingestHarness, useIngestSuite } from '../functions/ingest/harness';
import { readFileSync } from 'node:fs';
import { adapterRequestOf } from '../../local/fixtures';
import { DEV_CREDENTIALS_FILE, devCredentialHeaders, devToken, fixtures, signedWebhookEvent, webhookEvent, type Fixture } from '../support/requests';

const suite = useIngestSuite();

/** Keys under which providers put phone numbers. */
const PHONE_KEYS = /^(mobile|sendPhone|from|to|recipientNo|sendNo|sendto|address|unsubscribeNo|wa_id|phone|msisdn)$/i;

/** Phone numbers in a body: values under phone keys, anywhere in the JSON, and whatever the adapter read as a party. */
function phonesIn(fixture: Fixture): string[] {
  const phones = new Set<string>();
  const walk = (node: unknown, key?: string) => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node !== null && typeof node === 'object') for (const [name, item] of Object.entries(node)) walk(item, name);
    else if (key && PHONE_KEYS.test(key) && /\d{6,}/.test(String(node))) phones.add(String(node));
  };
  try {
    walk(JSON.parse(fixture.body));
  } catch {
    // XML or broken JSON: the adapter's parties below still cover what it understood.
  }
  let events: NormalizedEvent[] = [];
  try {
    const adapter = adapterFor(fixture.provider);
    events = adapter.normalize(adapterRequestOf(fixture), { receivedAt: new Date().toISOString(), timeZone: 'UTC' }).events;
  } catch {
    // Invalid fixture.
  }
  for (const event of events) {
    for (const party of [event.recipient, event.sender]) {
      if (party && /\d{6,}/.test(party.raw)) phones.add(party.raw);
      if (party?.e164) phones.add(party.e164);
    }
  }
  // Also the bare digits, so "+4915752982212" is not logged as "4915752982212" either.
  return [...phones].flatMap((phone) => [phone, phone.replace(/\D/g, '')]).filter((phone) => phone.length >= 6);
}

/** Message texts and other free text of a body, long enough to be recognisable. */
function textsIn(fixture: Fixture): string[] {
  const texts: string[] = [];
  const walk = (node: unknown, key?: string) => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node !== null && typeof node === 'object') for (const [name, item] of Object.entries(node)) walk(item, name);
    else if (typeof node === 'string' && /^(body|text|caption|status_message|errMessage|emoji|name|reason)$/i.test(key ?? '') && node.length >= 8) {
      texts.push(node);
    }
  };
  try {
    walk(JSON.parse(fixture.body));
  } catch {
    // Not JSON.
  }
  return texts;
}

/** The dev signing keys (HMAC secrets, auth tokens, JWT keys; Ed25519 public keys are harmless but listed too). */
const SIGNING_KEYS = Object.values(JSON.parse(readFileSync(DEV_CREDENTIALS_FILE, 'utf8')) as Record<string, { signingKeys?: string[] }>).flatMap(
  (entry) => (typeof entry === 'object' && entry.signingKeys) || [],
);
const SECRETS = [
  ...providerIds.flatMap((provider) => [...Object.values(devCredentialHeaders(provider)), ...(devToken(provider) ? [devToken(provider)!] : [])]),
  ...SIGNING_KEYS,
];
const WRONG_SECRET = 'wrong-secret-presented-by-a-caller-0001';

describe('case 15: no phone number, secret or body in the logs', () => {
  it.each(providerIds)('%s: every fixture, with right and wrong credentials', async (provider) => {
    const { handler } = await ingestHarness(suite.sqs.client, provider);
    const all = fixtures(provider);
    const wrongCredentials = {
      headers: Object.fromEntries(Object.keys(devCredentialHeaders(provider)).map((name) => [name, WRONG_SECRET])),
      ...(devToken(provider) ? { token: WRONG_SECRET } : {}),
    };
    let requests = 0;
    for (const fixture of all) {
      // Right credentials: signed as the provider signs (a GET for a .query fixture).
      await handler(await signedWebhookEvent({ provider, method: fixture.method, contentType: fixture.contentType, body: fixture.body }));
      await handler(webhookEvent(provider, { body: fixture.body, contentType: fixture.contentType, ...wrongCredentials }));
      requests += 2;
    }
    // The capture works: at least one line per request (the outcome line).
    expect(suite.output.logs().filter((log) => log.provider === provider && typeof log.outcome === 'string')).toHaveLength(requests);

    const forbidden = new Set<string>([...SECRETS, WRONG_SECRET]);
    for (const fixture of all) {
      for (const phone of phonesIn(fixture)) forbidden.add(phone);
      for (const text of textsIn(fixture)) forbidden.add(text);
      if (fixture.body.trim().length >= 8) forbidden.add(fixture.body.trim());
    }
    const leaks = suite.output.lines.flatMap((line) => [...forbidden].filter((value) => line.includes(value)).map((value) => ({ value, line })));
    expect(leaks).toEqual([]);
  });

  it('finds the phone numbers it looks for (the check can fail)', () => {
    const status = fixtures('smsgateway24').find((fixture) => fixture.name === 'status-sim.json')!;
    expect(phonesIn(status)).toContain('+4915752982212');
    const nhn = fixtures('nhncloud-sms').find((fixture) => fixture.name === 'message-result.json')!;
    expect(phonesIn(nhn)).toEqual(expect.arrayContaining(['01012341234', '15446859']));
    const plivo = fixtures('plivo').find((fixture) => fixture.name === 'status-delivered.form')!;
    expect(phonesIn(plivo)).toEqual(expect.arrayContaining(['+14155550002', '14155550001']));
  });
});
