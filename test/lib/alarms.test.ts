/**
 * The alarms of issue 10 (enqueue failures, each provider's 5xx rate, consumer record failures before the
 * dead-letter queue) and the promise every alarm makes: its description names its first look, an `npm run ops`
 * command that exists, the same one docs/deploy.md's alarm table gives.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { httpProviderIds } from '../../functions/providers';
import { ACCESS_LOG_METRICS } from '../../lib/constructs/monitoring';
import { METRICS } from '../../lib/pipeline-settings';
import { USAGE } from '../../ops/cli';
import { logicalIdOf, resourcesOf, synth, type Synthesized } from './support/synth';

/** Providers with an HTTP route: the ones with an ingest function, its routes and its alarms. */
const registryIds = httpProviderIds;
const alarms = (template: Template) => Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
const alarmNamed = (template: Template, name: string) => alarms(template).find((a) => a.AlarmName === name);

let dev: Synthesized;
beforeAll(() => {
  dev = synth();
});

describe('enqueue failures', () => {
  it("one event a provider sent that the queue did not take raises that provider's alarm", () => {
    for (const id of registryIds) {
      const alarm = alarmNamed(dev.template, `webhook-ingestion-dev-enqueue-failures-${id}`);
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
      expect(alarm?.Metrics[0].Expression).toBe(`SELECT SUM(${METRICS.enqueueFailures}) FROM "${METRICS.namespace}" WHERE provider = '${id}'`);
    }
  });
});

describe('5xx rate per provider', () => {
  it('counts every answer of the webhook routes from the access log, 5xx ones apart, per route key', () => {
    const accessLogs = logicalIdOf(dev.template, 'AWS::Logs::LogGroup', 'HttpAccessLogs');
    const filters = Object.values(resourcesOf(dev.template, 'AWS::Logs::MetricFilter')).map((f) => f.Properties);
    const byMetric = Object.fromEntries(filters.map((f) => [f.MetricTransformations[0].MetricName, f]));
    for (const name of [ACCESS_LOG_METRICS.requests, ACCESS_LOG_METRICS.serverErrors]) {
      expect(byMetric[name]).toMatchObject({ LogGroupName: { Ref: accessLogs } });
      expect(byMetric[name].MetricTransformations[0]).toMatchObject({
        MetricNamespace: METRICS.namespace,
        MetricValue: '1',
        Dimensions: [{ Key: ACCESS_LOG_METRICS.routeDimension, Value: '$.routeKey' }],
      });
    }
    expect(byMetric[ACCESS_LOG_METRICS.requests].FilterPattern).toBe('{ $.routeKey = "ANY /webhooks/*" }');
    expect(byMetric[ACCESS_LOG_METRICS.serverErrors].FilterPattern).toBe('{ $.routeKey = "ANY /webhooks/*" && $.status = "5*" }');
  });

  it("each provider's alarm reads exactly the route keys of its own routes, with and without a token", () => {
    const routeKeys = Object.values(resourcesOf(dev.template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey as string);
    for (const id of registryIds) {
      const alarm = alarmNamed(dev.template, `webhook-ingestion-dev-provider-5xx-rate-${id}`);
      expect(alarm).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold' });
      const read = ((alarm?.Metrics ?? []) as Array<Record<string, any>>)
        .filter((m) => m.MetricStat)
        .map((m) => ({ name: m.MetricStat.Metric.MetricName, route: m.MetricStat.Metric.Dimensions[0].Value }));
      const own = routeKeys.filter((key) => key === `ANY /webhooks/${id}` || key === `ANY /webhooks/${id}/{token}`);
      expect(own).toHaveLength(2);
      expect(
        read
          .filter((m) => m.name === ACCESS_LOG_METRICS.serverErrors)
          .map((m) => m.route)
          .sort(),
      ).toEqual([...own].sort());
      expect(
        read
          .filter((m) => m.name === ACCESS_LOG_METRICS.requests)
          .map((m) => m.route)
          .sort(),
      ).toEqual([...own].sort());
      // A route nobody called has no data: filled with 0, so the other route's errors still count.
      const metrics = alarm?.Metrics as Array<Record<string, any>>;
      const expression = metrics.find((m) => m.Expression)?.Expression as string;
      for (const { Id } of metrics.filter((m) => m.MetricStat)) expect(expression).toContain(`FILL(${Id}, 0)`);
    }
  });
});

describe('consumer record failures', () => {
  it('alarm at the first failed record, long before it reaches the dead-letter queue', () => {
    const alarm = alarmNamed(dev.template, 'webhook-ingestion-dev-record-failures');
    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
    expect(alarm?.Metrics[0].Expression).toBe(`SELECT SUM(${METRICS.recordFailures}) FROM "${METRICS.namespace}"`);
  });
});

describe('first looks', () => {
  const commands = new Set([...USAGE.split('Commands:')[1].matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]));
  const table = readFileSync(join(__dirname, '../../docs/deploy.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `…-'))
    .map((line) => {
      const [, name, , look] = line.split('|').map((cell) => cell.trim());
      const pattern = new RegExp(`^webhook-ingestion-dev-${name.slice(3, -1).replace(/<[a-z]+>/g, '.+')}$`);
      return { pattern, look };
    });

  it('every alarm names an `npm run ops` command that exists, the one docs/deploy.md gives for it', () => {
    const subscribers = new Set(['final-statuses']);
    const all = alarms(dev.template);
    expect(all.length).toBeGreaterThan(10);
    for (const alarm of all) {
      const look = /First look: (npm run ops -- .+)$/.exec(alarm.AlarmDescription as string)?.[1];
      expect({ alarm: alarm.AlarmName, look }).toEqual({ alarm: alarm.AlarmName, look: expect.any(String) });
      expect(commands).toContain(look!.split(' ')[4]);
      const generic = look!
        .replace('WebhookIngestion-dev', '<stack>')
        .replace(new RegExp(`--provider (${registryIds.join('|')})`), '--provider <provider>')
        .replace(new RegExp(`--subscriber (${[...subscribers].join('|')})`), '--subscriber <name>');
      const rows = table.filter((row) => row.pattern.test(alarm.AlarmName as string));
      expect({ alarm: alarm.AlarmName, rows: rows.length }).toEqual({ alarm: alarm.AlarmName, rows: 1 });
      expect(rows[0].look).toContain(`\`${generic}\``);
    }
  });
});
