import { count, createMetricsRecorder, metricsDisabled, newRequestMetrics } from '../../../functions/ingest/metrics';

describe('createMetricsRecorder', () => {
  test('turns the counts into an EMF record under the provider dimension alone', () => {
    const metrics = newRequestMetrics();
    count(metrics, 'EventsQueued', 2);
    count(metrics, 'UnknownEvents');
    expect(createMetricsRecorder('webcom', {})(metrics, 1_700_000_000_000)).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'WebhookIngestion',
            Dimensions: [['provider']],
            Metrics: [
              { Name: 'EventsQueued', Unit: 'Count' },
              { Name: 'UnknownEvents', Unit: 'Count' },
            ],
          },
        ],
      },
      provider: 'webcom',
      EventsQueued: 2,
      UnknownEvents: 1,
    });
  });

  test("the namespace is the deployment's (POWERTOOLS_METRICS_NAMESPACE), where the alarms look", () => {
    const metrics = newRequestMetrics();
    count(metrics, 'Pings');
    const record = createMetricsRecorder('webcom', { POWERTOOLS_METRICS_NAMESPACE: 'Acme/Webhooks' })(metrics, 0) as {
      _aws: { CloudWatchMetrics: Array<{ Namespace: string }> };
    };
    expect(record._aws.CloudWatchMetrics[0].Namespace).toBe('Acme/Webhooks');
  });

  test('metadata rides along as plain members, and the dimension cannot be overwritten by it', () => {
    const metrics = newRequestMetrics();
    count(metrics, 'AuthFailures');
    metrics.metadata.reason = 'header_mismatch';
    metrics.metadata.provider = 'spoofed';
    expect(createMetricsRecorder('nhncloud-sms', {})(metrics, 0)).toMatchObject({
      reason: 'header_mismatch',
      provider: 'nhncloud-sms',
      AuthFailures: 1,
    });
  });

  test('nothing counted, or counts of zero, make no record', () => {
    const metrics = newRequestMetrics();
    count(metrics, 'EnqueueFailures', 0);
    expect(createMetricsRecorder('webcom', {})(metrics, 0)).toBeUndefined();
  });

  test('disabled metrics make no record', () => {
    const metrics = newRequestMetrics();
    count(metrics, 'Pings');
    expect(createMetricsRecorder('webcom', { POWERTOOLS_METRICS_DISABLED: 'true' })(metrics, 0)).toBeUndefined();
  });
});

describe('metricsDisabled', () => {
  test('POWERTOOLS_METRICS_DISABLED decides, else POWERTOOLS_DEV, else enabled', () => {
    expect(metricsDisabled({})).toBe(false);
    expect(metricsDisabled({ POWERTOOLS_DEV: 'true' })).toBe(true);
    expect(metricsDisabled({ POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' })).toBe(false);
    expect(metricsDisabled({ POWERTOOLS_METRICS_DISABLED: 'TRUE' })).toBe(true);
  });
});
