/**
 * The body the handler sees is exactly what API Gateway delivers: HTTP API payload-2.0 events written as AWS
 * documents them (test/events/apigateway/, each naming its documentation page in its "//" field), through the
 * whole ingest on a real SQS engine. API Gateway base64-encodes every body whose type is not application/json or
 * text/*, so form and XML bodies arrive as bytes in base64, and a declared charset is the only way to read them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseForm } from '../../../functions/origin/form';
import { EVENTS_DIR } from '../../support/requests';
import { ingestHarness, jsonBody, useIngestSuite } from './harness';

const suite = useIngestSuite();

function recorded(name: string): APIGatewayProxyEventV2 {
  return JSON.parse(readFileSync(path.join(EVENTS_DIR, 'apigateway', name), 'utf8')) as APIGatewayProxyEventV2;
}

async function ingest(provider: string, name: string) {
  const harness = await ingestHarness(suite.sqs.client, provider);
  const response = await harness.handler(recorded(name));
  return { response, harness };
}

const bodiesOf = (messages: Array<{ Body?: string }>) => messages.map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>);

describe('parseForm in the declared charset', () => {
  it('reads escapes as bytes of the charset, UTF-8 by default, and keeps escapes invalid in it as written', () => {
    expect(parseForm('t=Caf%E9', 'iso-8859-1')).toEqual([['t', 'Café']]);
    expect(parseForm('t=Caf%C3%A9+ok')).toEqual([['t', 'Café ok']]);
    expect(parseForm('t=Caf%E9+ok')).toEqual([['t', 'Caf%E9 ok']]);
    expect(parseForm('t=100%+sure', 'x-unknown')).toEqual([['t', '100% sure']]);
  });
});

describe('API Gateway HTTP API events as delivered', () => {
  it('a JSON body starting with a UTF-8 BOM (delivered as text, U+FEFF first) is accepted and queued', async () => {
    const event = recorded('innopaas-otp-json-utf8-bom.json');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body?.charCodeAt(0)).toBe(0xfeff);
    const { response, harness } = await ingest('innopaas-otp', 'innopaas-otp-json-utf8-bom.json');
    expect(response.statusCode).toBe(200);
    const [queued] = bodiesOf(await harness.events(1));
    expect(queued).toMatchObject({ provider: 'innopaas-otp', messageId: '8618912123456', status: 'delivered' });
    expect(await harness.rejectedDepth()).toBe(0);
  });

  it('a form body API Gateway base64-encoded is decoded to its fields, a + in the number kept', async () => {
    const { response, harness } = await ingest('smsgateway24', 'smsgateway24-form-base64.json');
    expect(response.statusCode).toBe(200);
    const [queued] = bodiesOf(await harness.events(1));
    expect(queued).toMatchObject({ provider: 'smsgateway24', messageId: '84561234', status: 'delivered' });
    expect(JSON.stringify(queued)).toContain('+4915752982212');
  });

  it('a form declared ISO-8859-1 is read in that charset: %E9 %FC %DF are é ü ß, not kept as escapes', async () => {
    const { response, harness } = await ingest('smsgateway24', 'smsgateway24-form-iso-8859-1.json');
    expect(response.statusCode).toBe(200);
    const [queued] = bodiesOf(await harness.events(1));
    const text = JSON.stringify(queued);
    expect(text).toContain('Café grüßt');
    expect(text).not.toContain('%E9');
  });

  it('an XML body base64-encoded with a UTF-8 BOM before its declaration is parsed', async () => {
    const { response, harness } = await ingest('webcom', 'webcom-xml-utf8-bom-base64.json');
    expect(response.statusCode).toBe(200);
    const [queued] = bodiesOf(await harness.events(1));
    expect(queued).toMatchObject({ provider: 'webcom', messageId: '4101', status: 'delivered' });
  });

  it('bytes that are not valid in the declared charset are a 400 naming the charset, kept on the rejected queue', async () => {
    const event = recorded('innopaas-otp-json-utf8-bom.json');
    const invalid = {
      ...event,
      headers: { ...event.headers, 'content-type': 'application/octet-stream; charset=utf-8' },
      isBase64Encoded: true,
      body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'),
    };
    const harness = await ingestHarness(suite.sqs.client, 'innopaas-otp');
    const response = await harness.handler(invalid);
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(jsonBody(response))).toContain('utf-8');
    expect(await harness.eventsDepth()).toBe(0);
  });
});
