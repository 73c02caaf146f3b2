import { Fn, Validations, type CfnResource } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { Construct } from 'constructs';
import type { EdgeConfig } from '../config';
import { bodyGuardSource } from './body-guard';
import type { WebhookApi } from './webhook-api';

export interface WebhookEdgeProps {
  readonly api: WebhookApi;
  readonly edge: EdgeConfig;
  /** The cap the ingest enforces (`INGEST.maxBodyBytes`); the guard enforces the same one. */
  readonly maxBodyBytes: number;
}

/**
 * A CloudFront distribution in front of the HTTP API (`edge` in the context): every method, path, query string,
 * header and body forwarded to the API unchanged and never cached, except that a viewer-request function answers
 * the ingest's own 413 to a body whose `Content-Length` is over the cap (docs/deploy.md "Request size"). The API
 * keeps its own URL; providers are given this one.
 */
export class WebhookEdge extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly guard: cloudfront.Function;
  /** The name providers call: `edge.domainName`, else the distribution's cloudfront.net name. */
  readonly domainName: string;

  constructor(scope: Construct, id: string, props: WebhookEdgeProps) {
    super(scope, id);
    const { edge } = props;

    this.guard = new cloudfront.Function(this, 'BodyGuard', {
      code: cloudfront.FunctionCode.fromInline(bodyGuardSource(props.maxBodyBytes)),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: `Answers 413 to a webhook body over ${props.maxBodyBytes} bytes`,
    });

    // `https://{id}.execute-api.{region}.amazonaws.com` → its host, the origin's domain.
    const apiHost = Fn.select(2, Fn.split('/', props.api.api.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Webhook ingestion: the URL providers call; refuses oversized bodies before API Gateway',
      defaultBehavior: {
        origin: new origins.HttpOrigin(apiHost, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        }),
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        // Webhooks are answered per request: nothing may be served from a cache.
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // Every viewer header (signatures, tokens, content type) and query string goes on; Host does not, because
        // API Gateway routes by its own host name.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        // A redirect would turn a provider's POST into a GET: plain HTTP is refused instead.
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        compress: false,
        functionAssociations: [{ function: this.guard, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      priceClass: edge.priceClass as cloudfront.PriceClass,
      ...(edge.domainName && edge.certificateArn
        ? {
            domainNames: [edge.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', edge.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      ...(edge.webAclArn ? { webAclId: edge.webAclArn } : {}),
    });

    this.domainName = edge.domainName ?? this.distribution.distributionDomainName;
    this.acknowledgeFindings(edge);
  }

  /** The base URL providers call, ending with `/` like the API's. */
  get url(): string {
    return `https://${this.domainName}/`;
  }

  private acknowledgeFindings(edge: EdgeConfig): void {
    const resource = Validations.of(this.distribution.node.defaultChild as CfnResource);
    resource.acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Providers deliver from their own data centres in many countries (some publish no addresses at all), so a ' +
        'country list would refuse real deliveries; each request is authenticated by the ingest function instead.',
    });
    resource.acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        'Every forwarded request is in the API access log (JSON, no path); only the guard 413s are not, and those ' +
        'are counted by the distribution 4xx and function metrics. Standard logs would need an S3 bucket with ACLs or a log ' +
        'delivery in us-east-1, which a stack deployed to another region cannot create (docs/deploy.md).',
    });
    if (!edge.webAclArn) {
      resource.acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'Optional: set edge.webAclArn to attach a CLOUDFRONT-scope web ACL (it must live in us-east-1). Without it ' +
          'the API stage throttle still applies and every request is authenticated by the ingest function.',
      });
    }
    if (!edge.certificateArn) {
      resource.acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'The cloudfront.net name is served with the CloudFront default certificate, whose TLS floor cannot be ' +
          'raised; set edge.domainName and edge.certificateArn to hold viewers to TLS 1.2 (TLSv1.2_2021).',
      });
    }
  }
}
