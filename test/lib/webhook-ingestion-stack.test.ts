import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EXTENSION_ENV } from '../../functions/ingest/config';
import { DEFAULT_EXTENSION_TIMEOUT_MS } from '../../functions/ingest/credentials';
import { httpProviderIds, providers } from '../../functions/providers';
import { pascalCase, providerDescriptors, readPipelineConfig, type ProviderDescriptor } from '../../lib/config';
import { INITIAL_CREDENTIALS_DOCUMENT } from '../../lib/constructs/provider-ingest';
import { ACCESS_LOG_FIELDS } from '../../lib/constructs/webhook-api';
import { FUNCTION_SIZING } from '../../lib/defaults';
import { ENV, INGEST, METRICS, QUEUE, TABLE } from '../../lib/pipeline-settings';
import { WebhookIngestionStack } from '../../lib/webhook-ingestion-stack';
import { PIPELINE_TABLE_KEYS } from '../../local/engines/tables';
import { logicalIdOf, resourcesOf, synth, testApp, type Synthesized } from './support/synth';

type Resource = { Properties: Record<string, any>; [key: string]: any };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

// Providers with an HTTP route: the ones that get a route, a function and a secret (AWS-delivered ones get none).
const registryIds = httpProviderIds as readonly string[];
const production = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'context-production.json'), 'utf8')) as Record<string, unknown>;
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** The role's policy statements, through its default policy. */
function statementsOf(template: Template, roleId: string): Statement[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: unknown) => JSON.stringify(role) === JSON.stringify(ref(roleId))))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => asList(s.Action)).sort();

/** Function logical id → its resource, for the functions of the stack. */
function functions(template: Template): Record<string, Resource> {
  return resourcesOf(template, 'AWS::Lambda::Function');
}
const ingestFunctionId = (template: Template, providerId: string) =>
  logicalIdOf(template, 'AWS::Lambda::Function', `Ingest${providerId.replace(/-/g, '')}IngestFunction`);
const roleIdOf = (fn: Resource) => fn.Properties.Role['Fn::GetAtt'][0] as string;

let dev: Synthesized;
let prod: Synthesized;
beforeAll(() => {
  dev = synth();
  prod = synth(production);
});

describe('events queue and dead-letter queue (reliability case 16)', () => {
  it('moves a record to the dead-letter queue after a bounded number of tries', () => {
    const dlq = logicalIdOf(dev.template, 'AWS::SQS::Queue', 'QueuesDeadLetterQueue');
    dev.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'webhook-events-dev',
      RedrivePolicy: { deadLetterTargetArn: arnOf(dlq), maxReceiveCount: QUEUE.maxReceiveCount },
    });
    expect(QUEUE.maxReceiveCount).toBeGreaterThan(1);
    expect(QUEUE.maxReceiveCount).toBeLessThanOrEqual(10);
  });

  it('keeps dead letters for 14 days', () => {
    dev.template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'webhook-events-dlq-dev', MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('hides a received record for at least six times the consumer timeout', () => {
    const consumer = functions(dev.template)[logicalIdOf(dev.template, 'AWS::Lambda::Function', 'ConsumerFunction')];
    const queue = Object.values(resourcesOf(dev.template, 'AWS::SQS::Queue')).find((q) => q.Properties.QueueName === 'webhook-events-dev');
    expect(consumer.Properties.Timeout).toBe(QUEUE.consumerTimeoutSeconds);
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumer.Properties.Timeout);
  });

  it('encrypts every queue and refuses requests that are not TLS', () => {
    const queues = resourcesOf(dev.template, 'AWS::SQS::Queue');
    const policies = Object.values(resourcesOf(dev.template, 'AWS::SQS::QueuePolicy'));
    expect(Object.keys(queues).length).toBeGreaterThanOrEqual(5);
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled === true || queue.Properties.KmsMasterKeyId !== undefined).toBe(true);
      const denies = policies
        .filter((p) => JSON.stringify(p.Properties.Queues).includes(`"${id}"`))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>)
        .filter((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
      expect({ id, denies: denies.length }).toEqual({ id, denies: 1 });
    }
  });

  it('takes messages up to 1 MiB on every queue, so an event with a large raw item is never refused for its size', () => {
    const queues = Object.values(resourcesOf(dev.template, 'AWS::SQS::Queue'));
    for (const queue of queues) expect(queue.Properties.MaximumMessageSize).toBe(1024 * 1024);
  });

  it('keeps rejected bodies for 14 days, encrypted, on their own queue', () => {
    dev.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'webhook-rejected-dev',
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
  });
});

describe('consumer', () => {
  it('drains the events queue in batches and reports failed records only', () => {
    dev.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(logicalIdOf(dev.template, 'AWS::SQS::Queue', 'QueuesEventsQueue')),
      FunctionName: ref(logicalIdOf(dev.template, 'AWS::Lambda::Function', 'ConsumerFunction')),
      BatchSize: QUEUE.batchSize,
      MaximumBatchingWindowInSeconds: QUEUE.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('takes its maximum concurrency from the context', () => {
    prod.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 10 } });
  });

  it('is told the table, the topic, the history TTL and the metrics namespace', () => {
    const table = logicalIdOf(dev.template, 'AWS::DynamoDB::Table', 'StatusTable');
    const topic = logicalIdOf(dev.template, 'AWS::SNS::Topic', 'AppliedEventsTopic');
    dev.template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: QUEUE.consumerTimeoutSeconds,
      Environment: {
        Variables: Match.objectLike({
          [ENV.tableName]: ref(table),
          [ENV.eventsTopicArn]: ref(topic),
          [ENV.historyTtlDays]: String(TABLE.defaultTtlDays),
          [ENV.metricsNamespace]: METRICS.namespace,
        }),
      },
    });
    prod.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.historyTtlDays]: '0', [ENV.metricsNamespace]: 'Acme/Webhooks' }) },
    });
  });
});

describe('status table', () => {
  it('is keyed pk/sk as the local table is, on demand, encrypted, with point-in-time recovery and TTL on expiresAt', () => {
    expect(PIPELINE_TABLE_KEYS.KeySchema.map((key) => key.AttributeName)).toEqual(['pk', 'sk']);
    dev.template.hasResourceProperties('AWS::DynamoDB::Table', {
      ...PIPELINE_TABLE_KEYS,
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    });
  });

  it('can be deleted with the dev stage', () => {
    dev.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
      DeletionPolicy: 'Delete',
    });
  });

  it('is protected from deletion and kept with the stack on other stages', () => {
    prod.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ TableName: 'webhook-messages-prod', DeletionProtectionEnabled: true }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    prod.template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });

  it('keeps every queue, with the events it holds, with the stack on other stages, and deletes them on dev', () => {
    // Events queue, its dead-letter queue, the rejected queue, and each subscriber's queue and dead-letter queue.
    expect(Object.keys(resourcesOf(prod.template, 'AWS::SQS::Queue')).length).toBeGreaterThanOrEqual(5);
    prod.template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    dev.template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Delete' });
  });
});

describe('runtime', () => {
  it('runs every Lambda function of the stack, ours and any CDK adds, on nodejs24.x and arm64', () => {
    const all = Object.values(resourcesOf(dev.template, 'AWS::Lambda::Function'));
    expect(all.length).toBeGreaterThanOrEqual(httpProviderIds.length + 2);
    for (const fn of all) expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
  });
});

describe('ingest functions', () => {
  it('gives every registry provider its own function, nodejs24.x on arm64, sized as documented', () => {
    for (const id of registryIds) {
      const fn = functions(dev.template)[ingestFunctionId(dev.template, id)];
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: FUNCTION_SIZING.ingest.memorySize,
        Timeout: FUNCTION_SIZING.ingest.timeout.toSeconds(),
      });
      expect(fn.Properties.Environment.Variables).toMatchObject({
        [ENV.providerId]: id,
        [ENV.eventsQueueUrl]: ref(logicalIdOf(dev.template, 'AWS::SQS::Queue', 'QueuesEventsQueue')),
        [ENV.rejectedQueueUrl]: ref(logicalIdOf(dev.template, 'AWS::SQS::Queue', 'QueuesRejectedQueue')),
        [ENV.credentialsSecretId]: ref(logicalIdOf(dev.template, 'AWS::SecretsManager::Secret', `Ingest${id.replace(/-/g, '')}Credentials`)),
        [ENV.maxBodyBytes]: String(INGEST.maxBodyBytes),
        [ENV.providerTimeZone]: providers[id as keyof typeof providers].defaultTimeZone,
      });
      expect(fn.Properties.Environment.Variables[ENV.allowedSourceIps]).toBeUndefined();
    }
  });

  it('deploys only the providers the context enables, each with its own time zone and allowed IPs', () => {
    const ids = Object.values(functions(prod.template))
      .map((fn) => fn.Properties.Environment.Variables[ENV.providerId])
      .filter(Boolean);
    expect(ids).toEqual(['webcom', 'nhncloud-sms']);
    const webcom = functions(prod.template)[ingestFunctionId(prod.template, 'webcom')];
    expect(webcom.Properties.Environment.Variables).toMatchObject({
      [ENV.providerTimeZone]: 'Europe/Samara',
      [ENV.allowedSourceIps]: '203.0.113.0/24,198.51.100.7/32',
    });
  });

  it('gives every function its own log group with the configured retention', () => {
    for (const { template, days } of [
      { template: dev.template, days: 30 },
      { template: prod.template, days: 90 },
    ]) {
      const logGroups = resourcesOf(template, 'AWS::Logs::LogGroup');
      const used = Object.values(functions(template)).map((fn) => fn.Properties.LoggingConfig.LogGroup.Ref as string);
      expect(new Set(used).size).toBe(used.length);
      for (const id of used) expect(logGroups[id].Properties.RetentionInDays).toBe(days);
    }
  });

  it('bundles with the local esbuild, minified with source maps, including the AWS SDK', () => {
    // Bundling is skipped in tests; these are the options every function is built with (lib/defaults.ts).
    const { FUNCTION_DEFAULTS } = jest.requireActual('../../lib/defaults') as typeof import('../../lib/defaults');
    expect(FUNCTION_DEFAULTS.bundling).toMatchObject({ forceDockerBundling: false, minify: true, sourceMap: true, externalModules: [] });
    for (const fn of Object.values(functions(dev.template))) {
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });
});

describe('credentials', () => {
  it('creates one secret per provider holding an empty document, which fails closed', () => {
    const secrets = Object.values(resourcesOf(dev.template, 'AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(registryIds.length);
    expect(JSON.parse(INITIAL_CREDENTIALS_DOCUMENT)).toEqual({});
    for (const secret of secrets) expect(secret.Properties.SecretString).toBe(INITIAL_CREDENTIALS_DOCUMENT);
  });

  it('lets each ingest function read its own provider secret and no other', () => {
    const secretIds = Object.keys(resourcesOf(dev.template, 'AWS::SecretsManager::Secret'));
    for (const id of registryIds) {
      const own = logicalIdOf(dev.template, 'AWS::SecretsManager::Secret', `Ingest${id.replace(/-/g, '')}Credentials`);
      const statements = statementsOf(dev.template, roleIdOf(functions(dev.template)[ingestFunctionId(dev.template, id)]));
      const readable = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:'))).flatMap((s) => asList(s.Resource));
      expect(readable).toEqual([ref(own)]);
      expect(JSON.stringify(statements)).not.toMatch(new RegExp(secretIds.filter((s) => s !== own).join('|')));
    }
  });
});

describe('the Parameters and Secrets extension the ingest reads its secret through', () => {
  const LAYER_MAP = 'ParamsandsecretslayerMap';
  const extensionLayer = { 'Fn::FindInMap': [LAYER_MAP, { Ref: 'AWS::Region' }, '1x0x103xarm64'] };

  it('is a layer of every ingest function, the arm64 build of version 1.0.103, looked up by region at deploy time', () => {
    for (const id of registryIds) {
      expect(functions(dev.template)[ingestFunctionId(dev.template, id)].Properties.Layers).toEqual([extensionLayer]);
    }
    const regions = dev.template.toJSON().Mappings[LAYER_MAP] as Record<string, Record<string, string>>;
    expect(Object.keys(regions)).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-northeast-2']));
    for (const [region, versions] of Object.entries(regions)) {
      expect(versions['1x0x103xarm64']).toMatch(
        new RegExp(`^arn:aws:lambda:${region}:\\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:\\d+$`),
      );
    }
  });

  it('has its own cache off, so a refresh the function asks for reaches Secrets Manager', () => {
    for (const id of registryIds) {
      expect(functions(dev.template)[ingestFunctionId(dev.template, id)].Properties.Environment.Variables).toMatchObject({
        SECRETS_MANAGER_TTL: '0',
        PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false',
      });
    }
  });

  it('listens where the function looks for it, and gives up on Secrets Manager before the function gives up on it', () => {
    for (const id of registryIds) {
      const variables = functions(dev.template)[ingestFunctionId(dev.template, id)].Properties.Environment.Variables;
      expect(variables[EXTENSION_ENV.httpPort]).toBe('2773');
      const timeout = Number(variables.SECRETS_MANAGER_TIMEOUT_MILLIS);
      expect(timeout).toBeGreaterThan(0);
      expect(timeout).toBeLessThan(DEFAULT_EXTENSION_TIMEOUT_MS);
    }
  });

  it('is on no other function: the consumer and the lookup read no secret', () => {
    for (const fragment of ['ConsumerFunction', 'LookupFunction']) {
      const fn = functions(dev.template)[logicalIdOf(dev.template, 'AWS::Lambda::Function', fragment)];
      expect(fn.Properties.Layers).toBeUndefined();
      expect(fn.Properties.Environment.Variables.SECRETS_MANAGER_TTL).toBeUndefined();
    }
  });

  it('is on the ingest functions of the providers a production context enables', () => {
    for (const id of ['webcom', 'nhncloud-sms']) {
      expect(functions(prod.template)[ingestFunctionId(prod.template, id)].Properties.Layers).toEqual([extensionLayer]);
    }
  });
});

describe('least-privilege IAM', () => {
  const allStatements = (template: Template) =>
    Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);

  it('grants no wildcard action and no wildcard resource', () => {
    for (const statement of allStatements(dev.template)) {
      for (const action of asList(statement.Action)) expect(action).not.toMatch(/\*/);
      for (const resource of asList(statement.Resource)) expect(resource).not.toBe('*');
    }
  });

  it('attaches no AWS managed policy to any role', () => {
    for (const role of Object.values(resourcesOf(dev.template, 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('gives each function exactly the actions its handler uses', () => {
    const roleOf = (fragment: string) => roleIdOf(functions(dev.template)[logicalIdOf(dev.template, 'AWS::Lambda::Function', fragment)]);
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    expect(actionsOf(statementsOf(dev.template, roleIdOf(functions(dev.template)[ingestFunctionId(dev.template, 'webcom')])))).toEqual(
      [...logs, 'secretsmanager:GetSecretValue', 'sqs:SendMessage'].sort(),
    );
    expect(actionsOf(statementsOf(dev.template, roleOf('ConsumerFunction')))).toEqual(
      [
        ...logs,
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
        'sns:Publish',
        'kms:GenerateDataKey',
        'kms:Decrypt',
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ].sort(),
    );
    expect(actionsOf(statementsOf(dev.template, roleOf('LookupFunction')))).toEqual([...logs, 'dynamodb:GetItem', 'dynamodb:Query'].sort());
  });

  it('lets the consumer publish to the applied-events topic only', () => {
    const consumerRole = roleIdOf(functions(dev.template)[logicalIdOf(dev.template, 'AWS::Lambda::Function', 'ConsumerFunction')]);
    const publish = statementsOf(dev.template, consumerRole).filter((s) => asList(s.Action).includes('sns:Publish'));
    expect(publish.flatMap((s) => asList(s.Resource))).toEqual([ref(logicalIdOf(dev.template, 'AWS::SNS::Topic', 'AppliedEventsTopic'))]);
  });

  it("scopes every log permission to the function's own log group", () => {
    for (const fn of Object.values(functions(dev.template))) {
      const logStatements = statementsOf(dev.template, roleIdOf(fn)).filter((s) => asList(s.Action).some((a) => a.startsWith('logs:')));
      expect(logStatements.flatMap((s) => asList(s.Resource))).toEqual([arnOf(fn.Properties.LoggingConfig.LogGroup.Ref)]);
    }
  });
});

describe('sweeper of stale messages', () => {
  const sweeperId = () => logicalIdOf(dev.template, 'AWS::Lambda::Function', 'SweeperFunction');

  it('runs on an EventBridge schedule, every 15 minutes by default', () => {
    const rule = resourcesOf(dev.template, 'AWS::Events::Rule')[logicalIdOf(dev.template, 'AWS::Events::Rule', 'SweepSchedule')];
    expect(rule.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.Properties.Targets.map((target: { Arn: unknown }) => target.Arn)).toEqual([arnOf(sweeperId())]);
  });

  it('reads the table, writes nothing but its cursor and sends only to the events queue', () => {
    const statements = statementsOf(dev.template, roleIdOf(functions(dev.template)[sweeperId()]));
    expect(actionsOf(statements)).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'sqs:SendMessage'].sort(),
    );
    const update = statements.find((statement) => asList(statement.Action).includes('dynamodb:UpdateItem')) as Statement & { Condition?: unknown };
    expect(update.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SWEEP'] } });
    const send = statements.find((statement) => asList(statement.Action).includes('sqs:SendMessage'))!;
    expect(send.Resource).toEqual(arnOf(logicalIdOf(dev.template, 'AWS::SQS::Queue', 'QueuesEventsQueue')));
    expect(functions(dev.template)[sweeperId()].Properties.Environment.Variables).toMatchObject({
      [ENV.tableName]: ref(logicalIdOf(dev.template, 'AWS::DynamoDB::Table', 'StatusTable')),
    });
  });

  it("gives the consumer each provider's window, which it writes into a message's timer", () => {
    const consumer = functions(dev.template)[logicalIdOf(dev.template, 'AWS::Lambda::Function', 'ConsumerFunction')];
    expect(consumer.Properties.Environment.Variables).toMatchObject({ [ENV.staleAfterHours]: '72', [ENV.staleAfterHoursByProvider]: '{}' });
  });
});

describe('HTTP API', () => {
  /** Route key → function logical id, through the integration. */
  function routeTargets(template: Template): Record<string, { fn: string; authorization: string }> {
    const integrations = resourcesOf(template, 'AWS::ApiGatewayV2::Integration');
    return Object.fromEntries(
      Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((route) => {
        const integrationId = (route.Properties.Target['Fn::Join'][1] as unknown[]).map((part) => (part as { Ref?: string }).Ref).find(Boolean)!;
        const uri = integrations[integrationId].Properties.IntegrationUri;
        return [route.Properties.RouteKey, { fn: uri['Fn::GetAtt'][0], authorization: route.Properties.AuthorizationType }];
      }),
    );
  }

  it("routes both webhook paths of every registry provider to that provider's own function, whatever the method (it answers 405 itself)", () => {
    const targets = routeTargets(dev.template);
    for (const id of registryIds) {
      const fn = ingestFunctionId(dev.template, id);
      expect(targets[`ANY /webhooks/${id}`]).toEqual({ fn, authorization: 'NONE' });
      expect(targets[`ANY /webhooks/${id}/{token}`]).toEqual({ fn, authorization: 'NONE' });
    }
    expect(Object.keys(targets)).toHaveLength(2 * registryIds.length + 1);
  });

  it('hands every route to its function as an HTTP API payload 2.0 proxy', () => {
    dev.template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('requires IAM authorization on the lookup route', () => {
    expect(routeTargets(dev.template)['GET /messages/{provider}/{messageId}']).toEqual({
      fn: logicalIdOf(dev.template, 'AWS::Lambda::Function', 'LookupFunction'),
      authorization: 'AWS_IAM',
    });
  });

  it('throttles the default stage at the configured rate and burst', () => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('writes access logs to a log group with retention, naming the route template and never the path', () => {
    const stage = Object.values(resourcesOf(dev.template, 'AWS::ApiGatewayV2::Stage'))[0];
    const logGroup = resourcesOf(dev.template, 'AWS::Logs::LogGroup')[stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]];
    expect(logGroup.Properties.RetentionInDays).toBe(30);
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    expect(Object.values(format)).toContain('$context.routeKey');
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/\$context\.(path|resourcePath|pathParameters)/);
  });

  it('serves a provider added to the registry with no change to the stack', () => {
    const sixth: ProviderDescriptor = { id: 'acme-sms', displayName: 'Acme SMS', authentication: 'url-token', defaultTimeZone: 'UTC' };
    const app = testApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    const config = readPipelineConfig((key) => app.node.tryGetContext(key), [...providerDescriptors(providers), sixth]);
    const template = Template.fromStack(new WebhookIngestionStack(app, 'Sixth', { config }));
    const targets = routeTargets(template);
    const fn = ingestFunctionId(template, 'acme-sms');
    expect(targets['ANY /webhooks/acme-sms']).toEqual({ fn, authorization: 'NONE' });
    expect(targets['ANY /webhooks/acme-sms/{token}']).toEqual({ fn, authorization: 'NONE' });
    expect(Object.keys(resourcesOf(template, 'AWS::SecretsManager::Secret'))).toContainEqual(expect.stringContaining('Ingestacmesms'));
    template.hasOutput('WebhookUrlAcmeSms', { Value: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/webhooks/acme-sms/{token}'])] }) });
  });
});

describe('applied events and subscribers (issue 5)', () => {
  it('encrypts the topic with a rotating customer managed key and refuses publishing without TLS', () => {
    const key = logicalIdOf(dev.template, 'AWS::KMS::Key', 'TopicKey');
    dev.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    dev.template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'webhook-applied-events-dev', KmsMasterKeyId: arnOf(key) });
    const topic = logicalIdOf(dev.template, 'AWS::SNS::Topic', 'AppliedEventsTopic');
    dev.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(topic)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('ships the example subscriber of final statuses that changed state, with raw delivery and a dead-letter queue', () => {
    const queue = logicalIdOf(dev.template, 'AWS::SQS::Queue', 'SubscriberfinalstatusesQueue');
    const dlq = logicalIdOf(dev.template, 'AWS::SQS::Queue', 'SubscriberfinalstatusesDeadLetterQueue');
    dev.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: arnOf(queue),
      TopicArn: ref(logicalIdOf(dev.template, 'AWS::SNS::Topic', 'AppliedEventsTopic')),
      RawMessageDelivery: true,
      FilterPolicy: { type: ['message.status'], final: ['true'], statusChanged: ['true'] },
      RedrivePolicy: { deadLetterTargetArn: arnOf(dlq) },
    });
    dev.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'webhook-sub-final-statuses-dev',
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: arnOf(dlq), maxReceiveCount: QUEUE.maxReceiveCount },
    });
    dev.template.hasOutput('SubscriberQueueUrlFinalStatuses', { Value: ref(queue) });
  });

  it('gives every configured subscriber its own queue with its filter policy, and none to anyone else', () => {
    const subscriptions = Object.values(resourcesOf(prod.template, 'AWS::SNS::Subscription')).filter((s) => s.Properties.Protocol === 'sqs');
    const byQueue = Object.fromEntries(subscriptions.map((s) => [s.Properties.Endpoint['Fn::GetAtt'][0], s.Properties]));
    const expected: Record<string, unknown> = {
      otpservice: { provider: ['nhncloud-sms'], final: ['true'], statusChanged: ['true'] },
      crm: { type: ['message.inbound'], channel: ['whatsapp'] },
      compliance: { type: ['recipient.unsubscribed', 'country.blocked'] },
      audit: undefined,
    };
    expect(subscriptions).toHaveLength(Object.keys(expected).length);
    for (const [name, filterPolicy] of Object.entries(expected)) {
      const queue = logicalIdOf(prod.template, 'AWS::SQS::Queue', `Subscriber${name}Queue`);
      expect(byQueue[queue]).toMatchObject({ RawMessageDelivery: true });
      expect(byQueue[queue].FilterPolicy).toEqual(filterPolicy);
    }
  });
});

describe('alarms and dashboard', () => {
  const alarms = (template: Template) => Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const alarmOnQueue = (template: Template, queueFragment: string, metric: string) => {
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', queueFragment);
    return alarms(template).find((a) => a.MetricName === metric && JSON.stringify(a.Dimensions).includes(`"${queue}"`));
  };

  it('alarms as soon as one record is in the events dead-letter queue', () => {
    expect(alarmOnQueue(dev.template, 'QueuesDeadLetterQueue', 'ApproximateNumberOfMessagesVisible')).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Statistic: 'Maximum',
    });
  });

  it("alarms when a subscriber's dead-letter queue holds a message", () => {
    expect(alarmOnQueue(dev.template, 'SubscriberfinalstatusesDeadLetterQueue', 'ApproximateNumberOfMessagesVisible')).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms when the oldest queued event waits more than five minutes', () => {
    expect(alarmOnQueue(dev.template, 'QueuesEventsQueue', 'ApproximateAgeOfOldestMessage')).toMatchObject({
      Threshold: 300,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on the share of API requests answered 5xx', () => {
    const rate = alarms(dev.template).find((a) => a.AlarmName === 'webhook-ingestion-dev-api-5xx-rate');
    expect(rate?.Metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)', ReturnData: true }),
        expect.objectContaining({
          Id: 'errors',
          MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ MetricName: '5xx', Namespace: 'AWS/ApiGateway' }) }),
        }),
        expect.objectContaining({
          Id: 'requests',
          MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ MetricName: 'Count' }) }),
        }),
      ]),
    );
  });

  it('alarms on consumer errors', () => {
    const consumer = logicalIdOf(dev.template, 'AWS::Lambda::Function', 'ConsumerFunction');
    expect(alarms(dev.template)).toContainEqual(
      expect.objectContaining({
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: ref(consumer) }],
        Threshold: 1,
      }),
    );
  });

  it('alarms on an auth-failure spike of each provider, in the namespace and with the threshold of the context', () => {
    for (const { template, namespace, ids, threshold } of [
      { template: dev.template, namespace: METRICS.namespace, ids: registryIds, threshold: 20 },
      { template: prod.template, namespace: 'Acme/Webhooks', ids: ['webcom', 'nhncloud-sms'], threshold: 7 },
    ]) {
      const auth = alarms(template).filter((a) => JSON.stringify(a.Metrics ?? []).includes(METRICS.authFailures));
      expect(auth.map((a) => a.Metrics[0].Expression)).toEqual(
        ids.map((id) => `SELECT SUM(${METRICS.authFailures}) FROM "${namespace}" WHERE provider = '${id}'`),
      );
      for (const alarm of auth) expect(alarm).toMatchObject({ Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold' });
    }
  });

  it('sends every alarm and its recovery to the encrypted alarm topic', () => {
    const topic = logicalIdOf(dev.template, 'AWS::SNS::Topic', 'AlarmTopic');
    dev.template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'webhook-ingestion-dev-alarms', KmsMasterKeyId: Match.anyValue() });
    for (const alarm of alarms(dev.template)) {
      expect(alarm.AlarmActions).toEqual([ref(topic)]);
      expect(alarm.OKActions).toEqual([ref(topic)]);
    }
  });

  it('lets CloudWatch use the topic key, so alarm notifications reach the encrypted topic', () => {
    dev.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
        ]),
      },
    });
  });

  it("lets this stack's alarms, and only them, publish to the alarm topic despite its TLS-only policy", () => {
    const topic = logicalIdOf(dev.template, 'AWS::SNS::Topic', 'AlarmTopic');
    const policies = Object.values(dev.template.findResources('AWS::SNS::TopicPolicy')).filter((policy) =>
      JSON.stringify(policy.Properties.Topics).includes(topic),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0].Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    const allow = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: ref(topic) });
    expect(JSON.stringify(allow[0].Condition.ArnLike['aws:SourceArn'])).toContain(':alarm:webhook-ingestion-dev-*');
    expect(allow[0].Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    // Every alarm's name falls under that pattern.
    for (const alarm of alarms(dev.template)) expect(alarm.AlarmName).toMatch(/^webhook-ingestion-dev-/);
    expect(statements.some((statement) => statement.Effect === 'Deny' && JSON.stringify(statement).includes('aws:SecureTransport'))).toBe(true);
  });

  it('subscribes the configured e-mail addresses to the alarm topic', () => {
    prod.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  /** The dashboard body as JSON, with every CloudFormation reference replaced by "<ref>". */
  function dashboard(template: Template): { widgets: Array<{ properties: { title: string; metrics?: unknown[][] } }> } {
    const body = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody;
    const parts = body['Fn::Join'][1] as unknown[];
    return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join(''));
  }

  it('charts requests per provider, latency, queue depth, statuses applied and unknown statuses', () => {
    const widgets = Object.fromEntries(dashboard(dev.template).widgets.map((w) => [w.properties.title, JSON.stringify(w.properties.metrics ?? [])]));
    expect(Object.keys(widgets)).toEqual(
      expect.arrayContaining(['Requests per provider', 'Latency (p99)', 'Queue depth', 'Statuses applied', 'Unknown statuses', 'Auth failures']),
    );
    for (const id of registryIds) {
      expect(widgets['Requests per provider']).toContain(`{"label":"${id}","stat":"Sum"}`);
      expect(widgets['Latency (p99)']).toContain(`{"label":"${id}","stat":"p99"}`);
    }
    expect(widgets['Queue depth']).toContain('ApproximateNumberOfMessagesVisible');
    expect(widgets['Statuses applied']).toContain(`Namespace=\\"${METRICS.namespace}\\" MetricName=\\"${METRICS.statusesApplied}\\"`);
    expect(widgets['Unknown statuses']).toContain(`MetricName=\\"${METRICS.unknownStatuses}\\"`);
  });

  it('charts the delivery analytics: delivery rate and unknown share per provider, refusal rate, final statuses by country', () => {
    const widgets = Object.fromEntries(dashboard(dev.template).widgets.map((w) => [w.properties.title, JSON.stringify(w.properties.metrics ?? [])]));
    const finals = `{${METRICS.namespace},channel,country,outcome,provider} MetricName=\\"${METRICS.finalStatuses}\\"`;
    for (const id of registryIds) {
      expect(widgets['Delivery rate per provider (% of final statuses)']).toContain(
        `100 * SUM(SEARCH('${finals} provider=\\"${id}\\" outcome=\\"delivered\\"', 'Sum', 3600)) / SUM(SEARCH('${finals} provider=\\"${id}\\"', 'Sum', 3600))`,
      );
      expect(widgets['Unknown final statuses per provider (%)']).toContain(`provider=\\"${id}\\" outcome=\\"unknown\\"`);
      expect(widgets['Refusal rate per provider (% of requests: 401 + 400)']).toContain(`"${METRICS.authFailures}","provider","${id}"`);
    }
    expect(widgets['Final statuses by provider, channel, country and outcome']).toContain(`SEARCH('${finals}', 'Sum', 3600)`);
  });

  it('charts the metrics of the namespace the context names', () => {
    const statuses = dashboard(prod.template).widgets.find((w) => w.properties.title === 'Statuses applied');
    expect(JSON.stringify(statuses?.properties.metrics)).toContain('Namespace=\\"Acme/Webhooks\\"');
  });
});

describe('outputs', () => {
  it("gives the API URL, each provider's webhook URL and secret, the table and every queue", () => {
    const outputs = dev.template.toJSON().Outputs as Record<string, unknown>;
    const expected = [
      'ApiUrl',
      'LookupUrlPattern',
      'LookupInvokeArn',
      'TableName',
      'EventsQueueUrl',
      'DeadLetterQueueUrl',
      'RejectedQueueUrl',
      'EventsTopicArn',
      'AlarmTopicArn',
      'SubscriberQueueUrlFinalStatuses',
      'SubscriberDeadLetterQueueUrlFinalStatuses',
      // Every provider with an HTTP route: its URL, its secret and its function.
      ...httpProviderIds.map(pascalCase).flatMap((p) => [`WebhookUrl${p}`, `CredentialsSecret${p}`, `IngestFunction${p}`]),
    ];
    expect(Object.keys(outputs).sort()).toEqual(expected.sort());
  });

  it("gives the execute-api resource of the lookup route for callers' IAM policies", () => {
    expect(JSON.stringify(dev.template.toJSON().Outputs.LookupInvokeArn.Value)).toMatch(/:execute-api:.*\/\$default\/GET\/messages\/\*"/);
  });

  it('shows the token segment in the URL of providers that authenticate with a URL token only', () => {
    const urlOf = (name: string) => JSON.stringify(dev.template.toJSON().Outputs[name].Value);
    expect(urlOf('WebhookUrlWebcom')).toContain('/webhooks/webcom/{token}');
    expect(urlOf('WebhookUrlSmsgateway24')).toContain('/webhooks/smsgateway24/{token}');
    expect(urlOf('WebhookUrlNhncloudSms')).toMatch(/\/webhooks\/nhncloud-sms"/);
    expect(urlOf('WebhookUrlInnopaasOtp')).toMatch(/\/webhooks\/innopaas-otp"/);
    // Providers that sign carry no token segment.
    expect(urlOf('WebhookUrlVonageSms')).toMatch(/\/webhooks\/vonage-sms"/);
    expect(urlOf('WebhookUrlSinchSms')).toMatch(/\/webhooks\/sinch-sms"/);
  });
});
