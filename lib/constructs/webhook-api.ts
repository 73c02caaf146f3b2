import { RemovalPolicy, Validations, type CfnResource } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiThrottle } from '../config';

/** The route paths of docs/design.md "Routes", with the provider id literal (one route per provider, own function). */
export const ROUTE_PATHS = {
  webhook: (providerId: string) => `/webhooks/${providerId}`,
  webhookWithToken: (providerId: string) => `/webhooks/${providerId}/{token}`,
  lookup: '/messages/{provider}/{messageId}',
} as const;

/**
 * The access log line: one JSON object per request. It names the route template (`routeKey`), never the path:
 * the path of a URL-token route holds the token, which is a credential.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  userAgent: '$context.identity.userAgent',
} as const;

export interface WebhookRoute {
  readonly providerId: string;
  readonly handler: lambda.IFunction;
}

export interface WebhookApiProps {
  readonly stage: string;
  readonly webhooks: readonly WebhookRoute[];
  readonly lookup: lambda.IFunction;
  /** The stage's default limits: every route without its own. */
  readonly throttle: ApiThrottle;
  /** Per provider, the limits of its two webhook routes instead of `throttle`. */
  readonly routeThrottle?: Readonly<Record<string, ApiThrottle>>;
  readonly logRetentionDays: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The HTTP API: per provider `ANY /webhooks/{provider}` and `ANY /webhooks/{provider}/{token}` to that
 * provider's function (which refuses every method but POST with 405), and `GET /messages/{provider}/{messageId}` behind IAM. One `$default` stage, throttled
 * (the stage's limits on every route, a provider's own on its two routes when configured), with JSON access logs.
 */
export class WebhookApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);

    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `webhook-ingestion-${props.stage}`,
      description: 'Webhooks of messaging providers, and message status lookup',
      // The stage is built below, with throttling and access logs the generated default stage cannot have.
      createDefaultStage: false,
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    for (const { providerId, handler } of props.webhooks) {
      const integration = new HttpLambdaIntegration(`${providerId}-ingest`, handler);
      // ANY, not POST: the function answers a wrong method itself, 405 with `Allow: POST` as docs/design.md "Routes"
      // and the local gateway do, where a POST-only route would leave API Gateway's bare 404.
      const routes = [ROUTE_PATHS.webhook(providerId), ROUTE_PATHS.webhookWithToken(providerId)].flatMap((path) =>
        this.api.addRoutes({ path, methods: [apigw.HttpMethod.ANY], integration }),
      );
      const own = props.routeThrottle?.[providerId];
      if (own) this.throttleRoutes(routes, own);
      for (const route of routes) {
        Validations.of(route.node.defaultChild as CfnResource).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Providers cannot sign requests with anything API Gateway can verify (static console headers or a URL ' +
            "token): the ingest function authenticates every request against the provider's secret, in constant " +
            'time and before parsing, and fails closed when no credentials are set.',
        });
      }
    }

    this.api.addRoutes({
      path: ROUTE_PATHS.lookup,
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('lookup', props.lookup),
      authorizer: new HttpIamAuthorizer(),
    });
  }

  /**
   * Route settings override the stage's default throttle for these routes alone (API Gateway applies a route's own
   * limits instead of the stage's, per route key). The stage must be created after the routes it names, or
   * CloudFormation fails with "Unable to find Route by key".
   */
  private throttleRoutes(routes: readonly apigw.HttpRoute[], limits: ApiThrottle): void {
    const stage = this.stage.node.defaultChild as apigw.CfnStage;
    const settings = { ...((stage.routeSettings as Record<string, unknown> | undefined) ?? {}) };
    for (const route of routes) {
      settings[(route.node.defaultChild as apigw.CfnRoute).routeKey] = {
        // `routeSettings` is untyped JSON: CloudFormation's own (PascalCase) names, CDK does not convert them.
        ThrottlingRateLimit: limits.rateLimit,
        ThrottlingBurstLimit: limits.burstLimit,
      };
      stage.node.addDependency(route);
    }
    stage.routeSettings = settings;
  }

  /** Base URL of the API (ends with `/`). */
  get url(): string {
    return this.stage.url;
  }
}
