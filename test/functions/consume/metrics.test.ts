import { countFailure, countResult, createMetricsSink, type BatchCounts } from '../../../functions/consume/metrics';
import { METRICS } from '../../../lib/pipeline-settings';

const result = { eventId: 'a'.repeat(32), duplicate: false, applied: true, unmappedStatus: false, published: true };

/** What the default sink prints (EMF, one JSON document per line), with the environment set for its construction. */
function printed(env: Record<string, string | undefined>, counts: BatchCounts): Array<Record<string, unknown>> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    Object.assign(process.env, env);
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete process.env[name];
    createMetricsSink()(counts);
  } finally {
    write.mockRestore();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return lines
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

describe('consumer metrics', () => {
  it('count each fact of a delivery under its provider, and failures apart', () => {
    const counts: BatchCounts = new Map();
    countResult(counts, { ...result, provider: 'webcom' });
    countResult(counts, { ...result, provider: 'webcom', applied: false, duplicate: true });
    countResult(counts, { ...result, provider: 'nhncloud-sms', unmappedStatus: true });
    countFailure(counts, 'unknown');
    expect(Object.fromEntries(counts)).toEqual({
      webcom: { [METRICS.statusesApplied]: 1, [METRICS.duplicateEvents]: 1 },
      'nhncloud-sms': { [METRICS.statusesApplied]: 1, [METRICS.unknownStatuses]: 1 },
      unknown: { [METRICS.recordFailures]: 1 },
    });
  });

  it('print one EMF document per provider, in the deployment’s namespace, with provider as the only dimension', () => {
    const counts: BatchCounts = new Map([
      ['webcom', { [METRICS.statusesApplied]: 2 }],
      ['smsgateway24', { [METRICS.duplicateEvents]: 1 }],
    ]);
    const documents = printed(
      { POWERTOOLS_METRICS_NAMESPACE: 'WebhookIngestionStaging', POWERTOOLS_METRICS_DISABLED: undefined, POWERTOOLS_DEV: undefined },
      counts,
    );
    expect(documents.map((document) => [document.provider, document[METRICS.statusesApplied], document[METRICS.duplicateEvents]])).toEqual([
      ['webcom', 2, undefined],
      ['smsgateway24', undefined, 1],
    ]);
    for (const document of documents) {
      const [directive] = (document._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }).CloudWatchMetrics;
      expect([directive.Namespace, directive.Dimensions]).toEqual(['WebhookIngestionStaging', [['provider']]]);
    }
  });

  it('fall back to the METRICS namespace, and print nothing when disabled', () => {
    const counts: BatchCounts = new Map([['webcom', { [METRICS.statusesApplied]: 1 }]]);
    const [document] = printed(
      { POWERTOOLS_METRICS_NAMESPACE: undefined, POWERTOOLS_METRICS_DISABLED: undefined, POWERTOOLS_DEV: undefined },
      counts,
    );
    expect((document._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics[0].Namespace).toBe(METRICS.namespace);
    expect(printed({ POWERTOOLS_METRICS_DISABLED: 'true' }, counts)).toEqual([]);
  });
});
