import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { pascalCase, type PipelineConfig } from './config';
import { AppliedEvents } from './constructs/applied-events';
import { EventQueues } from './constructs/event-queues';
import { Monitoring } from './constructs/monitoring';
import { requireParamsAndSecretsRegion } from './constructs/params-and-secrets-region';
import { PipelineFunction } from './constructs/pipeline-function';
import { ProviderIngest } from './constructs/provider-ingest';
import { RecordIngest } from './constructs/record-ingest';
import { hasHttpRoute } from '../functions/providers';
import { StatusTable } from './constructs/status-table';
import { ROUTE_PATHS, WebhookApi } from './constructs/webhook-api';
import { WebhookEdge } from './constructs/webhook-edge';
import { CONSUMER_EVENT_SOURCE, ENTRIES, FUNCTION_SIZING } from './defaults';
import { ENV, INGEST, QUEUE } from './pipeline-settings';

export interface WebhookIngestionStackProps extends StackProps {
  /** The validated deployment configuration (`readPipelineConfig`). */
  readonly config: PipelineConfig;
}

/** Powertools service names of the two shared functions. */
export const SERVICE_NAMES = { consume: 'webhook-consume', lookup: 'webhook-lookup' } as const;

/** Settings the stack relies on, checked before anything is built. */
function checkSharedSettings(): void {
  const problems: string[] = [];
  if (QUEUE.visibilityTimeoutSeconds < 6 * QUEUE.consumerTimeoutSeconds) {
    problems.push('QUEUE.visibilityTimeoutSeconds must be at least 6× QUEUE.consumerTimeoutSeconds (AWS Lambda guide)');
  }
  if (!(QUEUE.maxReceiveCount >= 1 && QUEUE.maxReceiveCount <= 1000)) problems.push('QUEUE.maxReceiveCount must be 1-1000');
  if (problems.length > 0) throw new Error(`lib/pipeline-settings.ts: ${problems.join('; ')}`);
}

/**
 * The whole pipeline on AWS (docs/design.md "Shape"): HTTP API → one ingest function per provider → events queue →
 * consumer → status table and topic of applied events → one queue per downstream subscriber; plus alarms and a
 * dashboard. Everything is driven by the `config`; the providers come from the registry, so a new provider needs
 * no change here.
 */
export class WebhookIngestionStack extends Stack {
  readonly api: WebhookApi;
  readonly queues: EventQueues;
  readonly table: StatusTable;
  readonly appliedEvents: AppliedEvents;
  readonly ingests: readonly ProviderIngest[];
  readonly recordIngests: readonly RecordIngest[];
  readonly consumer: PipelineFunction;
  readonly lookup: PipelineFunction;
  readonly monitoring: Monitoring;
  /** The CloudFront distribution in front of the API, when `edge.enabled`. */
  readonly edge?: WebhookEdge;

  constructor(scope: Construct, id: string, props: WebhookIngestionStackProps) {
    super(scope, id, {
      description: `Webhook ingestion for messaging providers (${props.config.stage})`,
      ...props,
    });
    checkSharedSettings();
    // Before any ingest function asks for the extension's layer in a region that has none.
    requireParamsAndSecretsRegion(this);
    const { config } = props;
    const retain = config.deletionProtection;
    const logRetentionDays = config.logRetentionDays as logs.RetentionDays;
    const logRemovalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    /*
     * Storage and buffers: the events queue with its dead-letter and rejected queues, and the status table.
     */
    // Queues hold events that are acknowledged but not yet applied (or not yet read by a subscriber): on a retained
    // stage they outlive the stack like the table does.
    const queueRemovalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.queues = new EventQueues(this, 'Queues', { stage: config.stage, removalPolicy: queueRemovalPolicy });
    this.table = new StatusTable(this, 'Status', { stage: config.stage, deletionProtection: config.deletionProtection });

    /*
     * One key for the two topics: SNS server-side encryption with a customer managed key, the only kind that
     * can be granted to the consumer (publish) and to CloudWatch (alarm notifications).
     */
    const topicKey = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the applied-events and alarm topics of webhook ingestion (${config.stage})`,
      enableKeyRotation: true,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    /*
     * Fan-out of applied events to downstream subscribers (issue 5).
     */
    this.appliedEvents = new AppliedEvents(this, 'AppliedEvents', {
      stage: config.stage,
      key: topicKey,
      subscribers: config.subscribers,
      removalPolicy: queueRemovalPolicy,
    });

    /*
     * Ingest: per provider with an HTTP route, a credentials secret and a function that may read only that secret.
     */
    const httpProviders = config.providers.filter(hasHttpRoute);
    this.ingests = httpProviders.map(
      (provider) =>
        new ProviderIngest(this, `Ingest-${provider.id}`, {
          provider,
          eventsQueue: this.queues.eventsQueue,
          rejectedQueue: this.queues.rejectedQueue,
          metricsNamespace: config.metricsNamespace,
          logRetentionDays,
          retain,
          publicBaseUrl: config.publicBaseUrl,
          signatureToleranceSeconds: config.signatureToleranceSeconds,
        }),
    );

    /*
     * Record ingest: per provider AWS delivers (AWS End User Messaging), an EventBridge rule and/or SNS subscriptions
     * to its own function, as `recordSources` says; no route, no secret.
     */
    this.recordIngests = config.recordSources.map(
      (source) =>
        new RecordIngest(this, `RecordIngest-${source.provider.id}`, {
          source,
          eventsQueue: this.queues.eventsQueue,
          metricsNamespace: config.metricsNamespace,
          logRetentionDays,
          retain,
        }),
    );

    /*
     * Consumer: drains the events queue in batches, reports failed records only, writes the table, publishes.
     */
    this.consumer = new PipelineFunction(this, 'Consumer', {
      entry: ENTRIES.consume,
      sizing: FUNCTION_SIZING.consume,
      serviceName: SERVICE_NAMES.consume,
      metricsNamespace: config.metricsNamespace,
      logRetentionDays,
      logRemovalPolicy,
      environment: {
        [ENV.tableName]: this.table.table.tableName,
        [ENV.eventsTopicArn]: this.appliedEvents.topic.topicArn,
        [ENV.historyTtlDays]: String(config.tableTtlDays),
        [ENV.trustedTimeWindowHours]: String(config.trustedTimeWindowHours),
        [ENV.reassemblyTimeoutSeconds]: String(config.reassemblyTimeoutSeconds),
      },
    });
    this.consumer.allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], [this.table.table.tableArn]);
    this.consumer.allow(['sns:Publish'], [this.appliedEvents.topic.topicArn]);
    // Publishing to an encrypted topic encrypts with its key on the publisher's behalf.
    this.consumer.allow(['kms:GenerateDataKey', 'kms:Decrypt'], [topicKey.keyArn]);
    this.consumer.function.addEventSource(
      new SqsEventSource(this.queues.eventsQueue, {
        ...CONSUMER_EVENT_SOURCE,
        maxConcurrency: config.consumerMaxConcurrency,
      }),
    );

    /*
     * Lookup: GET /messages/{provider}/{messageId}, read-only on the table.
     */
    this.lookup = new PipelineFunction(this, 'Lookup', {
      entry: ENTRIES.lookup,
      sizing: FUNCTION_SIZING.lookup,
      serviceName: SERVICE_NAMES.lookup,
      metricsNamespace: config.metricsNamespace,
      logRetentionDays,
      logRemovalPolicy,
      environment: { [ENV.tableName]: this.table.table.tableName },
    });
    this.lookup.allow(['dynamodb:GetItem', 'dynamodb:Query'], [this.table.table.tableArn]);

    /*
     * The HTTP API in front of it all.
     */
    this.api = new WebhookApi(this, 'Http', {
      stage: config.stage,
      webhooks: this.ingests.map((ingest) => ({ providerId: ingest.providerId, handler: ingest.handler.function })),
      lookup: this.lookup.function,
      throttle: config.apiThrottle,
      routeThrottle: config.routeThrottle,
      logRetentionDays,
      logRemovalPolicy,
    });

    /*
     * Optionally, CloudFront in front of the API: providers call it, and a body over the cap gets our 413 there
     * instead of reaching Lambda's 6 MB invocation limit (docs/deploy.md "Request size").
     */
    if (config.edge) {
      const edge = new WebhookEdge(this, 'Edge', { api: this.api, edge: config.edge, maxBodyBytes: INGEST.maxBodyBytes });
      this.edge = edge;
      // URL-signed schemes (Twilio, Plivo) sign the URL the provider called: the distribution's, not the API's own
      // host that the function sees. An explicit publicBaseUrl (a further proxy) still wins.
      if (!config.publicBaseUrl) {
        for (const ingest of this.ingests) ingest.handler.function.addEnvironment(ENV.publicBaseUrl, `https://${edge.domainName}`);
      }
    }

    /*
     * Alarms and dashboard.
     */
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: config.stage,
      metricsNamespace: config.metricsNamespace,
      key: topicKey,
      alarmEmails: config.alarmEmails,
      authFailureThreshold: config.authFailureAlarmThreshold,
      apiStage: this.api.stage,
      accessLogs: this.api.accessLogs,
      webhookRouteKeys: (providerId) => [ROUTE_PATHS.webhook(providerId), ROUTE_PATHS.webhookWithToken(providerId)].map((path) => `ANY ${path}`),
      ingests: this.ingests.map((ingest) => ({ providerId: ingest.providerId, function: ingest.handler.function })),
      recordIngests: this.recordIngests.map((ingest) => ({
        providerId: ingest.providerId,
        function: ingest.handler.function,
        deadLetterQueue: ingest.deadLetterQueue,
      })),
      consumer: this.consumer.function,
      eventsQueue: this.queues.eventsQueue,
      deadLetterQueue: this.queues.deadLetterQueue,
      rejectedQueue: this.queues.rejectedQueue,
      subscriberDeadLetterQueues: this.appliedEvents.subscribers.map((s) => ({ name: s.config.name, queue: s.deadLetterQueue })),
    });

    /*
     * Outputs: what an operator pastes into provider consoles, runbooks and downstream services.
     */
    const output = (outputId: string, value: string, description: string) => new CfnOutput(this, outputId, { value, description });
    output('ApiUrl', this.api.url, 'Base URL of the HTTP API');
    if (this.edge) {
      output('EdgeUrl', this.edge.url, 'Base URL providers call: CloudFront in front of the API, refusing oversized bodies with 413');
      output(
        'EdgeDistributionDomainName',
        this.edge.distribution.distributionDomainName,
        'Target of the DNS record (CNAME or alias) of edge.domainName',
      );
    }
    // With the edge on, providers are given its URL: a body over the cap is answered there, not by API Gateway.
    const webhookBase = this.edge?.url ?? this.api.url;
    for (const [i, provider] of httpProviders.entries()) {
      const ingest = this.ingests[i];
      const url =
        provider.authentication === 'url-token'
          ? `${webhookBase}${ROUTE_PATHS.webhookWithToken(provider.id).slice(1)}`
          : `${webhookBase}${ROUTE_PATHS.webhook(provider.id).slice(1)}`;
      output(
        `WebhookUrl${pascalCase(provider.id)}`,
        url,
        provider.authentication === 'url-token'
          ? `${provider.displayName}: replace {token} with one of the secret's tokens`
          : `${provider.displayName}: set the headers ${(provider.credentialHeaders ?? []).join(', ')} in its console`,
      );
      output(
        `IngestFunction${pascalCase(provider.id)}`,
        ingest.handler.function.functionName,
        `${provider.displayName}: ingest function (recycle it to drop cached credentials at once)`,
      );
      output(
        `CredentialsSecret${pascalCase(provider.id)}`,
        ingest.secret.secretArn,
        `${provider.displayName}: Secrets Manager secret of its credentials document (put-secret-value --secret-id)`,
      );
    }
    for (const ingest of this.recordIngests) {
      const name = pascalCase(ingest.providerId);
      output(`RecordIngestFunction${name}`, ingest.handler.function.functionName, `${ingest.providerId}: record ingest function (EventBridge/SNS)`);
      output(
        `RecordDeadLetterQueueUrl${name}`,
        ingest.deadLetterQueue.queueUrl,
        `${ingest.providerId}: records that could not be queued after retries`,
      );
    }
    output('LookupUrlPattern', `${this.api.url}${ROUTE_PATHS.lookup.slice(1)}`, 'Message status lookup (SigV4-signed GET)');
    output(
      'LookupInvokeArn',
      this.api.api.arnForExecuteApi('GET', '/messages/*', '$default'),
      'Resource for execute-api:Invoke in the IAM policy of a caller of the lookup route',
    );
    output('TableName', this.table.table.tableName, 'Status table');
    output('EventsQueueUrl', this.queues.eventsQueue.queueUrl, 'Events queue');
    output('DeadLetterQueueUrl', this.queues.deadLetterQueue.queueUrl, 'Events the consumer could not apply');
    output('RejectedQueueUrl', this.queues.rejectedQueue.queueUrl, 'Authenticated bodies that failed validation');
    output('EventsTopicArn', this.appliedEvents.topic.topicArn, 'Topic of applied events');
    output('AlarmTopicArn', this.monitoring.alarmTopic.topicArn, 'Alarm notifications');
    for (const { config: subscriber, queue, deadLetterQueue } of this.appliedEvents.subscribers) {
      output(`SubscriberQueueUrl${pascalCase(subscriber.name)}`, queue.queueUrl, `Queue of subscriber "${subscriber.name}"`);
      output(
        `SubscriberDeadLetterQueueUrl${pascalCase(subscriber.name)}`,
        deadLetterQueue.queueUrl,
        `Dead letters of subscriber "${subscriber.name}"`,
      );
    }
  }
}
