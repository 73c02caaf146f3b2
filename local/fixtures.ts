/**
 * The provider fixtures (`test/events/<provider>/<variant>.<format>`, `invalid-*` beside the valid ones) and the one
 * table of what each file format is on the wire. The simulator, the bench, the chaos run, the docs generator and the
 * tests all load fixtures through here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { webhookRequest } from '../functions/providers/common';
import type { WebhookRequest } from '../functions/providers/types';

const REPO_ROOT = path.resolve(__dirname, '..');

/** Where each provider's recorded bodies live. */
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'events');

/** How a fixture file is sent: its method and media type, by file extension. */
export interface FixtureFormat {
  readonly method: 'GET' | 'POST';
  /** Absent for a GET, whose fixture is the query string. */
  readonly contentType?: string;
}

export const FIXTURE_FORMATS: Readonly<Record<string, FixtureFormat>> = {
  '.json': { method: 'POST', contentType: 'application/json; charset=utf-8' },
  // Senders of XML rarely say more; text/xml is what most of them use.
  '.xml': { method: 'POST', contentType: 'text/xml; charset=utf-8' },
  '.form': { method: 'POST', contentType: 'application/x-www-form-urlencoded' },
  // A callback made as a GET with a query string (Kannel, Jasmin, Plivo, Vonage SMS): the file is the query string.
  '.query': { method: 'GET' },
};

export interface Fixture {
  readonly provider: string;
  /** File name, e.g. `status.xml`. */
  readonly name: string;
  readonly method: 'GET' | 'POST';
  /** Media type with its charset; absent for a GET. */
  readonly contentType?: string;
  /** The body as sent, or for a GET the query string. */
  readonly body: string;
}

/** Every fixture of a provider, valid and invalid, sorted by name; none when it has no folder. */
export function allFixtures(provider: string, dir: string = FIXTURES_DIR): Fixture[] {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, provider));
  } catch {
    return [];
  }
  return names
    .filter((name) => FIXTURE_FORMATS[path.extname(name)] !== undefined)
    .sort()
    .map((name) => {
      const format = FIXTURE_FORMATS[path.extname(name)];
      const body = readFileSync(path.join(dir, provider, name), 'utf8');
      // A query fixture is one line; an editor's final newline is not part of it.
      return { provider, name, ...format, body: format.method === 'GET' ? body.trim() : body };
    });
}

/**
 * Each provider's typical request, a plain delivery report (the kind that makes up almost all of the traffic): what
 * the tests send when they do not choose a body, and what the bench measures the warm CPU on.
 */
export const DELIVERY_REPORT_FIXTURES: Readonly<Record<string, string>> = {
  'innopaas-otp': 'status-delivered.json',
  'innopaas-whatsapp': 'message-status-delivered.json',
  // Two <state> elements: Webcom batches statuses, and a one-state body would flatter the XML parser.
  webcom: 'status.xml',
  smsgateway24: 'status-sim.json',
  'nhncloud-sms': 'message-result.json',
  telnyx: 'message-finalized-delivered.json',
  messagebird: 'status-delivered-json.json',
  'vonage-sms': 'dlr-delivered.json',
  'vonage-messages': 'status-sms-delivered.json',
  'sinch-sms': 'recipient-delivered.json',
  'infobip-sms': 'delivery-report-delivered.json',
  jasmin: 'dlr-delivered.form',
  // A GET: the file is the query string.
  kannel: 'dlr-delivered.query',
  // Carries the dev receiver/pswd in its body, as InnoPaaS does.
  'innopaas-sms': 'status-delivered.json',
  twilio: 'status-delivered.form',
  'meta-whatsapp': 'status-delivered.json',
};

/** The valid fixtures of a provider (names not starting with `invalid-`). */
export const loadFixtures = (provider: string, dir: string = FIXTURES_DIR): Fixture[] =>
  allFixtures(provider, dir).filter((fixture) => !fixture.name.startsWith('invalid-'));

/** The media type of a fixture without its parameters, as the ingest reads it (`application/json`). */
export const mediaTypeOf = (fixture: Pick<Fixture, 'contentType'>): string | undefined => fixture.contentType?.split(';')[0].trim().toLowerCase();

/**
 * The request an adapter sees for a fixture or a scripted callback, as the ingest would hand it over (no signature
 * headers): for tools and tests that normalize without sending.
 */
export function adapterRequestOf(call: Pick<Fixture, 'body' | 'contentType'> & { readonly method?: 'GET' | 'POST' }): WebhookRequest {
  const get = call.method === 'GET';
  return webhookRequest({
    method: call.method ?? 'POST',
    body: get ? '' : call.body,
    rawQuery: get ? call.body : '',
    query: get ? Object.fromEntries(new URLSearchParams(call.body)) : {},
    headers: call.contentType ? { 'content-type': call.contentType } : {},
    contentType: mediaTypeOf(call),
  });
}
