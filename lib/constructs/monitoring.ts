import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_DEFAULTS } from '../defaults';
import { METRICS } from '../pipeline-settings';

export interface MonitoredIngest {
  readonly providerId: string;
  readonly function: lambda.IFunction;
}

export interface MonitoringProps {
  readonly stage: string;
  /** Namespace of the functions' Powertools metrics. */
  readonly metricsNamespace: string;
  /** Customer managed key of the alarm topic; CloudWatch is granted its use here. */
  readonly key: kms.IKey;
  readonly alarmEmails: readonly string[];
  readonly authFailureThreshold: number;
  readonly apiStage: apigw.HttpStage;
  /** The API's JSON access log (`ACCESS_LOG_FIELDS`): the per-route answers are counted from it. */
  readonly accessLogs: logs.ILogGroup;
  /** Route keys of each provider's webhook routes (`ANY /webhooks/<provider>`, and its `/{token}` form). */
  readonly webhookRouteKeys: (providerId: string) => readonly string[];
  readonly ingests: readonly MonitoredIngest[];
  /** Record ingests (EventBridge/SNS) and their dead-letter queues. @default none */
  readonly recordIngests?: ReadonlyArray<MonitoredIngest & { readonly deadLetterQueue: sqs.IQueue }>;
  readonly consumer: lambda.IFunction;
  /** The sweeper of due timers (functions/timers). @default none */
  readonly sweeper?: lambda.IFunction;
  readonly eventsQueue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly rejectedQueue: sqs.IQueue;
  readonly subscriberDeadLetterQueues: ReadonlyArray<{ readonly name: string; readonly queue: sqs.IQueue }>;
}

/**
 * A Metrics Insights query over one of the functions' metrics. Powertools adds its own `service` dimension to
 * every metric it emits, so the exact dimension set is the functions' business; a query filtered on `provider`
 * finds the metric whatever else it carries, and still yields one time series, which an alarm needs.
 */
export function providerMetricQuery(namespace: string, metricName: string, providerId: string): string {
  return `SELECT SUM(${metricName}) FROM "${namespace}" WHERE provider = '${providerId}'`;
}

/**
 * Metrics the stack derives from the API's access log, one time series per route key (dimension `route`): every
 * webhook request, and those answered 5xx whoever answered them (our function, or API Gateway itself when the
 * function crashed, timed out, was throttled or the request exceeded Lambda's payload limit).
 */
export const ACCESS_LOG_METRICS = {
  requests: 'WebhookRequests',
  serverErrors: 'Webhook5xx',
  /** Dimension holding `$context.routeKey`. */
  routeDimension: 'route',
} as const;

/** When an alarm fires, judged on one period's value. */
type Trigger = Pick<cloudwatch.AlarmProps, 'threshold' | 'comparisonOperator'>;

/** At the first occurrence: one dead letter, one failed invocation, one rejected body. */
const AT_LEAST_ONE: Trigger = { threshold: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD };

/** Past `threshold` (a rate, an age, a count of refusals; 0 for counts where any is too many). */
const moreThan = (threshold: number): Trigger => ({ threshold, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD });

/**
 * The first look of each alarm: the `npm run ops` command (or log) to start from, named in the alarm's description
 * and in docs/deploy.md's alarm table (a test keeps the two the same). `<stack>` is `WebhookIngestion-<stage>`.
 */
export const FIRST_LOOKS = {
  eventsDlq: 'npm run ops -- dlq list --stack <stack>',
  subscriberDlq: 'npm run ops -- dlq list --subscriber <name> --stack <stack>',
  oldestEvent: 'npm run ops -- queues --stack <stack>',
  api5xx: 'npm run ops -- queues --stack <stack>',
  provider5xx: 'npm run ops -- queues --stack <stack>',
  enqueueFailures: 'npm run ops -- queues --stack <stack>',
  consumerErrors: 'npm run ops -- queues --stack <stack>',
  recordFailures: 'npm run ops -- queues --stack <stack>',
  authFailures: 'npm run ops -- stats --provider <provider> --stack <stack>',
  rejectedBodies: 'npm run ops -- rejected list --stack <stack>',
  recordIngestDlq: 'npm run ops -- queues --stack <stack>',
  sweeperErrors: 'npm run ops -- sweep --dry-run --stack <stack>',
} as const;

/** A dashboard search returning one line per dimension combination (per provider) of one of our metrics. */
function metricSearch(namespace: string, metricName: string, label: string): cloudwatch.IMetric {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('Namespace="${namespace}" MetricName="${metricName}"', 'Sum', 300)`,
    label,
    period: Duration.minutes(5),
  });
}

/**
 * Alarms and the dashboard: dead-letter depth (events and every subscriber), age of the oldest queued event, the
 * API's 5xx rate and each provider's, enqueue failures per provider, consumer errors and record failures (before
 * they reach the dead-letter queue), auth-failure spikes per provider, and new rejected bodies; every alarm notifies
 * (and clears on) one encrypted SNS topic, and its description names its first look ({@link FIRST_LOOKS}).
 */
export class Monitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const prefix = `webhook-ingestion-${props.stage}`;
    const period = ALARM_DEFAULTS.period;

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-alarms`,
      displayName: `Webhook ingestion alarms (${props.stage})`,
      masterKey: props.key,
      enforceSSL: true,
    });
    // CloudWatch publishes alarm notifications as itself; an encrypted topic needs it to be able to use the key.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopics',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    // `enforceSSL` gives the topic a policy of its own, which replaces SNS's default policy (the one that lets
    // principals of the account publish). Without this statement CloudWatch is refused `SNS:Publish` and every
    // alarm fires into nothing. Only this stack's alarms, in this account, may publish.
    const { account, region, partition } = Stack.of(this);
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStackPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:${prefix}-*` },
          StringEquals: { 'aws:SourceAccount': account },
        },
      }),
    );
    for (const email of props.alarmEmails) this.alarmTopic.addSubscription(new EmailSubscription(email));
    const action = new SnsAction(this.alarmTopic);

    const stackName = Stack.of(this).stackName;
    const alarm = (alarmId: string, description: string, firstLook: string, options: { metric: cloudwatch.IMetric } & Trigger) => {
      const look = firstLook.replace('<stack>', stackName);
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${prefix}-${alarmId}`,
        alarmDescription: `${description} First look: ${look}`,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        evaluationPeriods: 1,
        ...options,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };
    const depthOf = (queue: sqs.IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM });

    /* Dead letters: any record here was retried maxReceiveCount times and is not applied. */
    alarm('events-dlq-depth', 'Events the consumer could not apply are in the dead-letter queue: inspect and redrive.', FIRST_LOOKS.eventsDlq, {
      metric: depthOf(props.deadLetterQueue),
      ...AT_LEAST_ONE,
    });
    for (const { name, queue } of props.subscriberDeadLetterQueues) {
      alarm(
        `subscriber-${name}-dlq-depth`,
        `Subscriber "${name}" has undelivered or unprocessed events in its dead-letter queue.`,
        FIRST_LOOKS.subscriberDlq.replace('<name>', name),
        {
          metric: depthOf(queue),
          ...AT_LEAST_ONE,
        },
      );
    }

    /* Record ingests: an event AWS delivered that could not be queued after every retry is on this queue. */
    for (const { providerId, deadLetterQueue } of props.recordIngests ?? []) {
      alarm(
        `record-ingest-${providerId}-dlq-depth`,
        `${providerId} events from EventBridge or SNS could not be queued after retries: inspect and replay.`,
        FIRST_LOOKS.recordIngestDlq,
        {
          metric: depthOf(deadLetterQueue),
          ...AT_LEAST_ONE,
        },
      );
    }

    /* Backlog: the consumer is down, throttled or far behind. */
    alarm(
      'oldest-event-age',
      `An event has waited more than ${ALARM_DEFAULTS.oldestEventAgeSeconds} s on the events queue.`,
      FIRST_LOOKS.oldestEvent,
      {
        metric: props.eventsQueue.metricApproximateAgeOfOldestMessage({ period, statistic: cloudwatch.Stats.MAXIMUM }),
        ...moreThan(ALARM_DEFAULTS.oldestEventAgeSeconds),
      },
    );

    /* Ingest: share of requests answered 5xx (enqueue failures, crashes, timeouts). */
    alarm('api-5xx-rate', `More than ${ALARM_DEFAULTS.server5xxPercent}% of webhook requests were answered 5xx.`, FIRST_LOOKS.api5xx, {
      metric: new cloudwatch.MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: {
          errors: props.apiStage.metricServerError({ period, statistic: cloudwatch.Stats.SUM }),
          requests: props.apiStage.metricCount({ period, statistic: cloudwatch.Stats.SUM }),
        },
        period,
        label: '5xx %',
      }),
      ...moreThan(ALARM_DEFAULTS.server5xxPercent),
    });

    /* Consumer: an invocation that threw fails its whole batch (record failures are reported, not thrown). */
    alarm('consumer-errors', 'The consumer function failed invocations (whole batches retried).', FIRST_LOOKS.consumerErrors, {
      metric: props.consumer.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
      ...AT_LEAST_ONE,
    });

    /* Sweeper: a sweep that left due timers unhandled throws; the next one retries them. */
    if (props.sweeper) {
      alarm('sweeper-errors', 'The sweeper failed (due timers left unhandled, retried by the next sweep).', FIRST_LOOKS.sweeperErrors, {
        metric: props.sweeper.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        ...AT_LEAST_ONE,
      });
    }

    /*
     * One provider's 5xx rate, from the access log rather than the function: API Gateway's own answers (a crash, a
     * timeout, a throttled function, a body over Lambda's 6 MB payload) never reach the function's metrics, and
     * API Gateway's per-route metrics would need detailed metrics on the whole stage, billed per route and metric.
     */
    const routeMetric = (metricName: string, routeKey: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { [ACCESS_LOG_METRICS.routeDimension]: routeKey },
        statistic: cloudwatch.Stats.SUM,
        period,
      });
    const webhookRoutes = '$.routeKey = "ANY /webhooks/*"';
    new logs.MetricFilter(this, 'WebhookRequests', {
      logGroup: props.accessLogs,
      filterPattern: logs.FilterPattern.literal(`{ ${webhookRoutes} }`),
      metricNamespace: props.metricsNamespace,
      metricName: ACCESS_LOG_METRICS.requests,
      metricValue: '1',
      dimensions: { [ACCESS_LOG_METRICS.routeDimension]: '$.routeKey' },
    });
    new logs.MetricFilter(this, 'Webhook5xx', {
      logGroup: props.accessLogs,
      // The access log writes the status as a string: a wildcard match, not a numeric comparison.
      filterPattern: logs.FilterPattern.literal(`{ ${webhookRoutes} && $.status = "5*" }`),
      metricNamespace: props.metricsNamespace,
      metricName: ACCESS_LOG_METRICS.serverErrors,
      metricValue: '1',
      dimensions: { [ACCESS_LOG_METRICS.routeDimension]: '$.routeKey' },
    });
    props.ingests.forEach(({ providerId }, index) => {
      const routes = props.webhookRouteKeys(providerId);
      const usingMetrics: Record<string, cloudwatch.IMetric> = {};
      routes.forEach((routeKey, r) => {
        usingMetrics[`errors${index}r${r}`] = routeMetric(ACCESS_LOG_METRICS.serverErrors, routeKey);
        usingMetrics[`requests${index}r${r}`] = routeMetric(ACCESS_LOG_METRICS.requests, routeKey);
      });
      // A route nobody called has no data at all: FILL makes it 0 instead of leaving the sum without data.
      const sum = (kind: string) => routes.map((_, r) => `FILL(${kind}${index}r${r}, 0)`).join(' + ');
      alarm(
        `provider-5xx-rate-${providerId}`,
        `More than ${ALARM_DEFAULTS.server5xxPercent}% of ${providerId} webhook requests in 5 minutes were answered 5xx (by the function or by API Gateway; the access log's integrationError says which).`,
        FIRST_LOOKS.provider5xx.replace('<provider>', providerId),
        {
          metric: new cloudwatch.MathExpression({
            expression: `IF((${sum('requests')}) > 0, 100 * (${sum('errors')}) / (${sum('requests')}), 0)`,
            usingMetrics,
            period,
            label: `${providerId} 5xx %`,
          }),
          ...moreThan(ALARM_DEFAULTS.server5xxPercent),
        },
      );
    });

    /* Enqueue: any event the queue did not take was answered 5xx (the provider may retry) or left out of an ack. */
    for (const { providerId } of props.ingests) {
      alarm(
        `enqueue-failures-${providerId}`,
        `${providerId} events could not be queued (EnqueueFailures > 0): the provider got a 5xx or a partial ack.`,
        FIRST_LOOKS.enqueueFailures,
        {
          metric: new cloudwatch.MathExpression({
            expression: providerMetricQuery(props.metricsNamespace, METRICS.enqueueFailures, providerId),
            period,
            label: `${METRICS.enqueueFailures} ${providerId}`,
          }),
          ...moreThan(0),
        },
      );
    }

    /*
     * Consumer records: a failed record is retried, and dead-lettered only after maxReceiveCount receipts; this
     * fires at the first failure, long before the dead-letter alarm, while the cause is still in the logs.
     */
    alarm(
      'record-failures',
      'The consumer failed records (RecordFailures > 0); they are retried and reach the dead-letter queue if they keep failing.',
      FIRST_LOOKS.recordFailures,
      {
        metric: new cloudwatch.MathExpression({
          expression: `SELECT SUM(${METRICS.recordFailures}) FROM "${props.metricsNamespace}"`,
          period,
          label: METRICS.recordFailures,
        }),
        ...moreThan(0),
      },
    );

    /* Authentication: a spike of 401s is a bad rotation or someone probing the URL. */
    for (const { providerId } of props.ingests) {
      alarm(
        `auth-failures-${providerId}`,
        `More than ${props.authFailureThreshold} refused ${providerId} webhooks in 5 minutes.`,
        FIRST_LOOKS.authFailures.replace('<provider>', providerId),
        {
          metric: new cloudwatch.MathExpression({
            expression: providerMetricQuery(props.metricsNamespace, METRICS.authFailures, providerId),
            period,
            label: `${METRICS.authFailures} ${providerId}`,
          }),
          ...moreThan(props.authFailureThreshold),
        },
      );
    }

    /* Validation: an authenticated provider sent bodies we refused; its format may have changed. */
    alarm('rejected-bodies', 'Authenticated webhooks failed validation and were kept on the rejected queue.', FIRST_LOOKS.rejectedBodies, {
      metric: props.rejectedQueue.metricNumberOfMessagesSent({ period, statistic: cloudwatch.Stats.SUM }),
      ...AT_LEAST_ONE,
    });

    this.dashboard = this.buildDashboard(prefix, props);
  }

  private buildDashboard(name: string, props: MonitoringProps): cloudwatch.Dashboard {
    const period = Duration.minutes(5);
    const perProvider = (metric: (fn: lambda.IFunction) => cloudwatch.Metric) =>
      props.ingests.map(({ providerId, function: fn }) => metric(fn).with({ label: providerId }));
    const depth = (queue: sqs.IQueue, label: string) =>
      queue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM, label });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: name,
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Requests per provider',
        left: perProvider((fn) => fn.metricInvocations({ period, statistic: cloudwatch.Stats.SUM })),
        right: [props.apiStage.metricCount({ period, statistic: cloudwatch.Stats.SUM, label: 'API requests (all routes)' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Latency (p99)',
        left: [
          props.apiStage.metricLatency({ period, statistic: cloudwatch.Stats.p(99), label: 'API' }),
          ...perProvider((fn) => fn.metricDuration({ period, statistic: cloudwatch.Stats.p(99) })),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: [
          depth(props.eventsQueue, 'events waiting'),
          depth(props.deadLetterQueue, 'dead letters'),
          depth(props.rejectedQueue, 'rejected bodies'),
          ...props.subscriberDeadLetterQueues.map(({ name: subscriber, queue }) => depth(queue, `${subscriber} dead letters`)),
        ],
        right: [props.eventsQueue.metricApproximateAgeOfOldestMessage({ period, statistic: cloudwatch.Stats.MAXIMUM, label: 'oldest event (s)' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Consumer',
        left: [
          props.consumer.metricInvocations({ period, statistic: cloudwatch.Stats.SUM, label: 'invocations' }),
          props.consumer.metricErrors({ period, statistic: cloudwatch.Stats.SUM, label: 'errors' }),
          props.consumer.metricThrottles({ period, statistic: cloudwatch.Stats.SUM, label: 'throttles' }),
        ],
        right: [props.consumer.metricDuration({ period, statistic: cloudwatch.Stats.p(99), label: 'duration p99' })],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Statuses applied',
        left: [metricSearch(props.metricsNamespace, METRICS.statusesApplied, METRICS.statusesApplied)],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Unknown statuses',
        left: [metricSearch(props.metricsNamespace, METRICS.unknownStatuses, METRICS.unknownStatuses)],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Auth failures',
        left: [metricSearch(props.metricsNamespace, METRICS.authFailures, METRICS.authFailures)],
        width: 8,
      }),
    );
    this.addDeliveryWidgets(dashboard, props);
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
    return dashboard;
  }

  /**
   * Delivery analytics (functions/consume/delivery.ts): delivery rate and unknown share per provider from the
   * consumer's `FinalStatuses` (provider, channel, country, outcome), every combination's counts, and the refusal
   * rate per provider from the ingest metrics. Hourly: a rate over five minutes of a few messages says little.
   */
  private addDeliveryWidgets(dashboard: cloudwatch.Dashboard, props: MonitoringProps): void {
    const hour = Duration.hours(1);
    const finals = (filter: string) =>
      `SUM(SEARCH('{${props.metricsNamespace},channel,country,outcome,provider} MetricName="${METRICS.finalStatuses}"${filter}', 'Sum', 3600))`;
    const shareOf = (outcome: string) =>
      props.ingests.map(
        ({ providerId }) =>
          new cloudwatch.MathExpression({
            expression: `100 * ${finals(` provider="${providerId}" outcome="${outcome}"`)} / ${finals(` provider="${providerId}"`)}`,
            label: providerId,
            period: hour,
          }),
      );
    const ingestMetric = (metricName: string, providerId: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { provider: providerId },
        statistic: cloudwatch.Stats.SUM,
        period: hour,
      });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Delivery rate per provider (% of final statuses)',
        left: shareOf('delivered'),
        width: 8,
        leftYAxis: { min: 0, max: 100 },
      }),
      new cloudwatch.GraphWidget({ title: 'Unknown final statuses per provider (%)', left: shareOf('unknown'), width: 8, leftYAxis: { min: 0 } }),
      new cloudwatch.GraphWidget({
        title: 'Refusal rate per provider (% of requests: 401 + 400)',
        // Metric ids are per graph: numbered per provider (ids cannot hold the `-` of provider ids).
        left: props.ingests.map(
          ({ providerId, function: fn }, index) =>
            new cloudwatch.MathExpression({
              expression: `IF(requests${index} > 0, 100 * (auth${index} + invalid${index}) / requests${index}, 0)`,
              usingMetrics: {
                [`requests${index}`]: fn.metricInvocations({ period: hour, statistic: cloudwatch.Stats.SUM }),
                [`auth${index}`]: ingestMetric(METRICS.authFailures, providerId),
                [`invalid${index}`]: ingestMetric(METRICS.invalidBodies, providerId),
              },
              label: providerId,
              period: hour,
            }),
        ),
        width: 8,
        leftYAxis: { min: 0 },
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Final statuses by provider, channel, country and outcome',
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${props.metricsNamespace},channel,country,outcome,provider} MetricName="${METRICS.finalStatuses}"', 'Sum', 3600)`,
            label: '',
            period: hour,
          }),
        ],
        width: 16,
      }),
      new cloudwatch.TextWidget({
        markdown: [
          '**Time to final status (p50/p95), missing receipts, per country**',
          '',
          'From the table: `npm run ops -- stats --stack <this stack>`.',
          '',
          'Dead letters: `npm run ops -- dlq list --stack …`, then `dlq redrive`. Rejected bodies: `rejected list`.',
        ].join('\n'),
        width: 8,
      }),
    );
  }
}
