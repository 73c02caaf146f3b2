import path from 'node:path';
import { build } from 'esbuild';
import {
  BUNDLED_PROVIDER_DEFINE,
  bundledProviderDefine,
  httpProviderIds,
  providerIds,
  providers,
  recordProviderIds,
} from '../../../functions/providers';
import { isValidTimeZone } from '../../../functions/core/time';

const REGISTRY = path.resolve(__dirname, '../../../functions/providers/index.ts');

/** The source files esbuild puts in a minified bundle of the registry built with `define`. */
async function bundledInputs(define: Record<string, string>): Promise<string[]> {
  const result = await build({
    entryPoints: [REGISTRY],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    minify: true,
    mainFields: ['module', 'main'],
    metafile: true,
    define,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0];
  return Object.keys(output.inputs).filter((input) => output.inputs[input].bytesInOutput > 0);
}

describe('provider registry', () => {
  test('unbundled, every provider is registered', () => {
    expect(providerIds).toEqual([
      'innopaas-otp',
      'innopaas-whatsapp',
      'webcom',
      'smsgateway24',
      'nhncloud-sms',
      'telnyx',
      'plivo',
      'messagebird',
      'aws-eum-sms',
      'aws-eum-whatsapp',
      'vonage-sms',
      'vonage-messages',
      'sinch-sms',
      'infobip-sms',
      'jasmin',
      'kannel',
      'innopaas-sms',
      'twilio',
      'meta-whatsapp',
    ]);
    for (const id of providerIds) expect(providers[id].id).toBe(id);
  });

  test('providers AWS delivers through EventBridge or SNS have no HTTP route; every other one has', () => {
    expect(recordProviderIds).toEqual(['aws-eum-sms', 'aws-eum-whatsapp']);
    expect(httpProviderIds).toEqual(providerIds.filter((id) => !recordProviderIds.includes(id)));
    for (const id of recordProviderIds) expect(providers[id]).toMatchObject({ authentication: 'iam', eventPattern: expect.any(Object) });
  });

  test("every adapter's own time zone is one the runtime knows (the ingest does not check it at cold start)", () => {
    for (const id of providerIds) expect(isValidTimeZone(providers[id].defaultTimeZone)).toBe(true);
  });

  test('the define names the expression the registry reads', () => {
    expect(bundledProviderDefine('webcom')).toEqual({ [BUNDLED_PROVIDER_DEFINE]: '"webcom"' });
  });

  test.each([['innopaas-otp'], ['nhncloud-sms']])('a bundle built for %s carries its adapter alone, and no XML parser', async (id) => {
    const inputs = await bundledInputs(bundledProviderDefine(id));
    const adapters = inputs.filter((input) => /functions\/providers\/(?!index|common|types|innopaas\.ts)/.test(input));
    expect(adapters).toEqual([`functions/providers/${id}.ts`]);
    expect(inputs.some((input) => input.includes('fast-xml-parser'))).toBe(false);
  });

  test.each([['telnyx'], ['messagebird']])('a bundle built for %s carries its adapter and the per-recipient ids alone', async (id) => {
    const inputs = await bundledInputs(bundledProviderDefine(id));
    const adapters = inputs.filter((input) => /functions\/providers\/(?!index|common|types)/.test(input));
    expect(adapters.sort()).toEqual([`functions/providers/${id}.ts`, 'functions/providers/recipients.ts'].sort());
  });

  test('a bundle built for webcom carries webcom and its XML parser', async () => {
    const inputs = await bundledInputs(bundledProviderDefine('webcom'));
    expect(inputs.filter((input) => /functions\/providers\/(?!index|common|types)/.test(input))).toEqual(['functions/providers/webcom.ts']);
    expect(inputs.some((input) => input.includes('fast-xml-parser'))).toBe(true);
  });

  test('a bundle built for one provider leaves the signing half of its schemes out, and says so if called', async () => {
    const text = async (define: Record<string, string>) => {
      const result = await build({
        entryPoints: [REGISTRY],
        bundle: true,
        write: false,
        platform: 'node',
        format: 'cjs',
        minify: true,
        define,
        logLevel: 'silent',
      });
      return result.outputFiles[0].text;
    };
    // `fixedHeaders` and `prepare` are read by the HMAC scheme's sign alone; Meta signs with HMAC.
    const bundled = await text(bundledProviderDefine('meta-whatsapp'));
    expect(bundled).not.toMatch(/fixedHeaders|\.prepare\b/);
    expect(bundled).toContain('signing is not bundled');
    expect(await text({})).toMatch(/fixedHeaders/);
  });

  test('a bundle built without the define carries every adapter', async () => {
    const inputs = await bundledInputs({});
    for (const id of providerIds) expect(inputs).toContain(`functions/providers/${id}.ts`);
  });
});
