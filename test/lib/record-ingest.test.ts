/**
 * The stack's record ingests (AWS End User Messaging through EventBridge and SNS), from a context that enables them:
 * what invokes them, where an event goes when it cannot be queued, and that nothing else about them is exposed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { providers } from '../../functions/providers';
import { PipelineConfigError, providerDescriptors, readPipelineConfig } from '../../lib/config';
import { FUNCTION_SIZING, RECORD_INGEST_RETRIES } from '../../lib/defaults';
import { CONTEXT_KEY, ENV } from '../../lib/pipeline-settings';
import { logicalIdOf, resourcesOf, synth } from './support/synth';

const awsSources = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'context-aws-sources.json'), 'utf8')) as Record<string, unknown>;
const built = synth(awsSources);
const { template } = built;
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

const recordFunctionId = (provider: string) =>
  Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).find(
    ([, fn]) =>
      fn.Properties.Environment?.Variables?.[ENV.providerId] === provider &&
      String(fn.Properties.Description).startsWith(FUNCTION_SIZING.recordIngest.description),
  )?.[0];
const deadLetterQueueId = (provider: string) => logicalIdOf(template, 'AWS::SQS::Queue', `RecordIngest${provider.replace(/-/g, '')}DeadLetters`);

function problemsOf(recordSources: unknown, providerList?: string[]): readonly string[] {
  try {
    readPipelineConfig(
      (key) => (key === CONTEXT_KEY ? { ...(providerList ? { providers: providerList } : {}), recordSources } : undefined),
      providerDescriptors(providers),
    );
  } catch (error) {
    if (error instanceof PipelineConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('record ingest of AWS End User Messaging (EventBridge and SNS)', () => {
  it('gives the AWS providers no API route, no webhook function and no secret', () => {
    const routeKeys = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((route) => route.Properties.RouteKey as string);
    expect(routeKeys.filter((key) => key.includes('aws-eum'))).toEqual([]);
    expect(routeKeys).toContain('ANY /webhooks/webcom');
    expect(Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret'))).toHaveLength(1);
  });

  it('builds one record ingest function per configured provider, told its adapter, allowed to send to the events queue only', () => {
    for (const provider of ['aws-eum-sms', 'aws-eum-whatsapp']) {
      const fnId = recordFunctionId(provider);
      expect(fnId).toBeDefined();
      const fn = resourcesOf(template, 'AWS::Lambda::Function')[fnId!];
      expect(fn.Properties.Environment.Variables).toMatchObject({ [ENV.providerId]: provider, [ENV.providerTimeZone]: 'UTC' });
      expect(fn.Properties.Environment.Variables[ENV.credentialsSecretId]).toBeUndefined();
      const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
      const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
      const actions = statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
      expect(new Set(actions)).toEqual(
        new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']),
      );
      expect(JSON.stringify(statements)).not.toContain('secretsmanager');
    }
  });

  it('matches the documented EventBridge source and detail-types with a rule targeting the function, with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.sms-voice'], 'detail-type': ['Text Message Delivery Status Updated', 'Media Message Delivery Status Updated'] },
      State: 'ENABLED',
      Targets: [
        {
          Arn: arnOf(recordFunctionId('aws-eum-sms')!),
          DeadLetterConfig: { Arn: arnOf(deadLetterQueueId('aws-eum-sms')) },
          RetryPolicy: { MaximumRetryAttempts: RECORD_INGEST_RETRIES.eventBridgeRetryAttempts, MaximumEventAgeInSeconds: 86_400 },
        },
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.social-messaging'], 'detail-type': Match.arrayWith(['WhatsApp Message Delivered', 'WhatsApp Message Received']) },
      Targets: [Match.objectLike({ Arn: arnOf(recordFunctionId('aws-eum-whatsapp')!) })],
    });
    // Only EventBridge (this rule) may invoke the function through it.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: arnOf(recordFunctionId('aws-eum-sms')!),
    });
  });

  it('subscribes the function to each configured SNS topic, with the dead-letter queue as the redrive target', () => {
    const subscriptions = Object.values(resourcesOf(template, 'AWS::SNS::Subscription')).filter((s) => s.Properties.Protocol === 'lambda');
    expect(subscriptions.map((s) => s.Properties.TopicArn).sort()).toEqual([
      'arn:aws:sns:us-east-1:111122223333:sms-events',
      'arn:aws:sns:us-east-1:111122223333:two-way-sms',
    ]);
    for (const subscription of subscriptions) {
      expect(subscription.Properties.Endpoint).toEqual(arnOf(recordFunctionId('aws-eum-sms')!));
      expect(subscription.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(deadLetterQueueId('aws-eum-sms')) });
    }
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'sns.amazonaws.com',
      SourceArn: 'arn:aws:sns:us-east-1:111122223333:two-way-sms',
      FunctionName: arnOf(recordFunctionId('aws-eum-sms')!),
    });
  });

  it('retries a failed invocation, then sends the event to the dead-letter queue: nothing is lost', () => {
    for (const [provider, queue] of [
      ['aws-eum-sms', 'aws-eum-sms'],
      ['aws-eum-whatsapp', 'aws-eum-whatsapp'],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: recordFunctionId(provider) },
        MaximumRetryAttempts: RECORD_INGEST_RETRIES.retryAttempts,
        DestinationConfig: { OnFailure: { Destination: arnOf(deadLetterQueueId(queue)) } },
      });
    }
  });

  it('keeps dead letters 14 days, encrypted, TLS only, and alarms as soon as one arrives', () => {
    const queue = resourcesOf(template, 'AWS::SQS::Queue')[deadLetterQueueId('aws-eum-sms')];
    expect(queue.Properties).toMatchObject({ MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'webhook-ingestion-prod-record-ingest-aws-eum-sms-dlq-depth',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueueId('aws-eum-sms'), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('builds nothing for the AWS providers when the context does not ask for it', () => {
    const dev = synth();
    // The sweeper's schedule is the stack's one rule then.
    expect(Object.keys(resourcesOf(dev.template, 'AWS::Events::Rule')).filter((id) => !id.startsWith('SweepSchedule'))).toEqual([]);
    expect(dev.config.recordSources).toEqual([]);
  });

  it('refuses every bad recordSources value in one error', () => {
    expect(
      problemsOf({
        webcom: { eventBridge: true },
        'aws-eum-sms': { eventBridge: 'yes', snsTopicArns: ['arn:aws:sqs:us-east-1:111122223333:q'], extra: 1 },
        'aws-eum-whatsapp': {},
      }),
    ).toEqual([
      'recordSources.webcom: not a provider AWS delivers through EventBridge or SNS (aws-eum-sms, aws-eum-whatsapp)',
      'recordSources.aws-eum-sms.extra: unknown setting (eventBridge, snsTopicArns)',
      'recordSources.aws-eum-sms.eventBridge: "yes" must be true or false',
      'recordSources.aws-eum-sms.snsTopicArns: "arn:aws:sqs:us-east-1:111122223333:q" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
      'recordSources.aws-eum-whatsapp: subscribes to nothing; set "eventBridge": true or list "snsTopicArns" (or leave aws-eum-whatsapp out)',
    ]);
  });

  it('refuses sources for a provider the deployment does not enable', () => {
    expect(problemsOf({ 'aws-eum-sms': { eventBridge: true } }, ['webcom'])).toEqual([
      'recordSources.aws-eum-sms: aws-eum-sms is not among the enabled providers',
    ]);
  });
});
