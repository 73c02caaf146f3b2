/**
 * Where the ops commands act: a running `npm start` (its runtime file, the default) or a deployed stack (its
 * CloudFormation outputs, lib/webhook-ingestion-stack.ts). Both give the same handles, so every command is written
 * once.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { METRICS } from '../lib/pipeline-settings';
import { providerIds } from '../functions/providers';
import { pascalCase } from '../lib/config';
import { localDynamoClient, localSnsClient, localSqsClient } from '../local/engines/clients';
import { readRuntimeFile } from '../local/tail';

export interface OpsTarget {
  readonly kind: 'local' | 'aws';
  /** What the commands print as "where": the stack name or the local gateway URL. */
  readonly name: string;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly tableName: string;
  readonly eventsQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly rejectedQueueUrl: string;
  /** Topic of applied events; a repaired status is published there. */
  readonly topicArn?: string;
  /** The local gateway (its console API has the request counts); none on AWS. */
  readonly gatewayUrl?: string;
  /**
   * Requests and refusals (401 + 400) per provider over the last `hours`: on AWS from CloudWatch (the ingest
   * functions' invocations and their AuthFailures and InvalidBodies metrics); locally from the console's counts
   * since `npm start` began (`hours` does not apply). Undefined when not known.
   */
  refusals?(hours: number, namespace: string): Promise<Record<string, { requests: number; refused: number }> | undefined>;
  /** Each downstream subscriber's queue and dead-letter queue, by name. */
  subscribers(): Promise<Record<string, { queueUrl: string; deadLetterQueueUrl: string }>>;
  close(): void;
}

/** The handles of a local pipeline, from its endpoints and resource names (tests pass these directly). */
export function localTarget(input: {
  url?: string;
  endpoints: { sqs: string; dynamodb: string };
  resources: {
    tableName: string;
    eventsQueueUrl: string;
    deadLetterQueueUrl: string;
    rejectedQueueUrl: string;
    topicArn?: string;
    subscriberQueueUrls?: Readonly<Record<string, string>>;
  };
}): OpsTarget {
  const sqs = localSqsClient(input.endpoints.sqs);
  // The local topic names each subscriber's dead-letter queue after its queue (local/engines/topics.ts).
  const subscribers = async () => {
    const entries = await Promise.all(
      Object.entries(input.resources.subscriberQueueUrls ?? {}).map(async ([name, queueUrl]) => {
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `${queueUrl.split('/').pop()}-dlq` }));
        return [name, { queueUrl, deadLetterQueueUrl: QueueUrl ?? '' }] as const;
      }),
    );
    return Object.fromEntries(entries);
  };
  const sns = localSnsClient(input.endpoints.sqs);
  const dynamodb = localDynamoClient(input.endpoints.dynamodb);
  return {
    kind: 'local',
    name: input.url ?? input.endpoints.sqs,
    sqs,
    sns,
    dynamodb,
    ...input.resources,
    gatewayUrl: input.url,
    subscribers,
    refusals: async () => {
      if (!input.url) return undefined;
      try {
        const response = await fetch(`${input.url}/console/api/stats`);
        if (!response.ok) return undefined;
        return ((await response.json()) as { requests: Record<string, { requests: number; refused: number }> }).requests;
      } catch {
        return undefined;
      }
    },
    close: () => {
      sqs.destroy();
      sns.destroy();
      dynamodb.destroy();
    },
  };
}

/** The running `npm start` of `dataDir` (its `runtime.json`). */
export function runningLocalTarget(dataDir: string): OpsTarget {
  const runtime = readRuntimeFile(dataDir) as ReturnType<typeof readRuntimeFile> & {
    resources: { tableName: string; eventsQueueUrl: string; deadLetterQueueUrl: string; rejectedQueueUrl: string; topicArn?: string };
  };
  return localTarget(runtime);
}

/** `--subscriber`'s entry: by its name as configured, or the PascalCase id of its stack outputs. */
export function findSubscriber<T>(subscribers: Readonly<Record<string, T>>, name: string): T | undefined {
  return subscribers[name] ?? subscribers[pascalCase(name)];
}

/** Output keys the ops commands need, as the stack names them. */
export const STACK_OUTPUTS = {
  tableName: 'TableName',
  eventsQueueUrl: 'EventsQueueUrl',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  rejectedQueueUrl: 'RejectedQueueUrl',
  topicArn: 'EventsTopicArn',
} as const;

/** The handles from a stack's outputs, or an error naming the outputs that are missing. Pure. */
export function handlesFromOutputs(stackName: string, outputs: Readonly<Record<string, string>>) {
  const missing = Object.values(STACK_OUTPUTS).filter((key) => !outputs[key]);
  if (missing.length > 0)
    throw new Error(`stack ${stackName} has no output ${missing.join(', ')}: is it a webhook ingestion stack, deployed by this version?`);
  const subscribers: Record<string, { queueUrl: string; deadLetterQueueUrl: string }> = {};
  const ingestFunctions: Record<string, string> = {};
  for (const id of providerIds) {
    const name = outputs[`IngestFunction${pascalCase(id)}`];
    if (name) ingestFunctions[id] = name;
  }
  // Output ids are `SubscriberQueueUrl<PascalName>`; the name itself is only in their description, so the
  // PascalCase id stands for it (`--subscriber` accepts either).
  for (const [key, queueUrl] of Object.entries(outputs)) {
    const id = /^SubscriberQueueUrl(.+)$/.exec(key)?.[1];
    const deadLetterQueueUrl = id ? outputs[`SubscriberDeadLetterQueueUrl${id}`] : undefined;
    if (id && deadLetterQueueUrl) subscribers[id] = { queueUrl, deadLetterQueueUrl };
  }
  return {
    subscribers,
    ingestFunctions,
    tableName: outputs[STACK_OUTPUTS.tableName],
    eventsQueueUrl: outputs[STACK_OUTPUTS.eventsQueueUrl],
    deadLetterQueueUrl: outputs[STACK_OUTPUTS.deadLetterQueueUrl],
    rejectedQueueUrl: outputs[STACK_OUTPUTS.rejectedQueueUrl],
    topicArn: outputs[STACK_OUTPUTS.topicArn],
  };
}

/** A deployed stack, through the default AWS credential chain and region (AWS_PROFILE, AWS_REGION…). */
export async function stackTarget(stackName: string, region?: string): Promise<OpsTarget> {
  const cloudformation = new CloudFormationClient(region ? { region } : {});
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs: Record<string, string> = {};
    for (const output of Stacks?.[0]?.Outputs ?? []) if (output.OutputKey && output.OutputValue) outputs[output.OutputKey] = output.OutputValue;
    const { subscribers, ingestFunctions, ...handles } = handlesFromOutputs(stackName, outputs);
    const config = region ? { region } : {};
    const sqs = new SQSClient(config);
    const sns = new SNSClient(config);
    const dynamodb = new DynamoDBClient(config);
    return {
      kind: 'aws',
      name: stackName,
      sqs,
      sns,
      dynamodb,
      ...handles,
      subscribers: async () => subscribers,
      refusals: (hours, namespace) => cloudWatchRefusals(new CloudWatchClient(config), ingestFunctions, hours, namespace),
      close: () => {
        sqs.destroy();
        sns.destroy();
        dynamodb.destroy();
      },
    };
  } finally {
    cloudformation.destroy();
  }
}

/** The GetMetricData queries of {@link cloudWatchRefusals}: per provider, invocations, auth failures, invalid bodies. Pure. */
export function refusalQueries(
  ingestFunctions: Readonly<Record<string, string>>,
  periodSeconds: number,
  namespace: string = METRICS.namespace,
): MetricDataQuery[] {
  return Object.entries(ingestFunctions).flatMap(([provider, functionName], index) => [
    {
      Id: `requests${index}`,
      Label: provider,
      MetricStat: {
        Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: functionName }] },
        Period: periodSeconds,
        Stat: 'Sum',
      },
    },
    ...[METRICS.authFailures, METRICS.invalidBodies].map((metricName, which) => ({
      Id: `refused${index}_${which}`,
      Label: provider,
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: metricName, Dimensions: [{ Name: 'provider', Value: provider }] },
        Period: periodSeconds,
        Stat: 'Sum',
      },
    })),
  ]);
}

async function cloudWatchRefusals(
  cloudwatch: CloudWatchClient,
  ingestFunctions: Readonly<Record<string, string>>,
  hours: number,
  namespace: string,
): Promise<Record<string, { requests: number; refused: number }>> {
  try {
    const end = new Date();
    const periodSeconds = Math.max(1, Math.round(hours)) * 3600;
    const { MetricDataResults = [] } = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - periodSeconds * 1000),
        EndTime: end,
        MetricDataQueries: refusalQueries(ingestFunctions, periodSeconds, namespace),
      }),
    );
    const counts: Record<string, { requests: number; refused: number }> = {};
    for (const result of MetricDataResults) {
      const provider = result.Label ?? '';
      const sum = (result.Values ?? []).reduce((total, value) => total + value, 0);
      counts[provider] ??= { requests: 0, refused: 0 };
      if (result.Id?.startsWith('requests')) counts[provider].requests += sum;
      else counts[provider].refused += sum;
    }
    return counts;
  } finally {
    cloudwatch.destroy();
  }
}
