import { Fn, Validations, type CfnResource } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { Construct } from 'constructs';
import { PayloadTooLargeError, toErrorResponse } from '../../functions/core/errors';
import type { EdgeConfig } from '../config';
import type { WebhookApi } from './webhook-api';

/** The answer the guard gives: the ingest's own 413 (`toErrorResponse`), so a provider sees one shape whoever refused. */
export interface BodyGuardAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The ingest's 413 for a body over `limitBytes`, word for word. */
export function payloadTooLargeAnswer(limitBytes: number): BodyGuardAnswer {
  return toErrorResponse(new PayloadTooLargeError(limitBytes));
}

/**
 * The viewer-request CloudFront Function (runtime cloudfront-js-2.0) that refuses a body over `limitBytes` by its
 * `Content-Length` and passes every other request on untouched. CloudFront Functions cannot read the body, but
 * `Content-Length` is a read-only header a viewer-request function may read (CloudFront guide, "Restrictions on all
 * edge functions"). Without it (chunked, or HTTP/2 without the header) the request goes on: nothing here can count it.
 *
 * Kept to ES5 (`var`, `function`, a regular expression, `Number`): the restricted runtime has no modules, timers or
 * Node globals, and the code is deployed as this text, so the unit tests run this exact text in a bare `vm` context.
 */
export function bodyGuardSource(limitBytes: number, answer: BodyGuardAnswer = payloadTooLargeAnswer(limitBytes)): string {
  if (!Number.isSafeInteger(limitBytes) || limitBytes < 1) throw new Error(`body guard: limit ${limitBytes} must be a positive integer`);
  const headers = Object.fromEntries(Object.entries(answer.headers).map(([name, value]) => [name.toLowerCase(), { value }]));
  const response = { statusCode: answer.statusCode, statusDescription: 'Payload Too Large', headers, body: { encoding: 'text', data: answer.body } };
  return [
    `// Webhook ingestion body guard: a body over ${limitBytes} bytes (by its Content-Length) gets the ingest's own 413 here.`,
    `var LIMIT = ${limitBytes};`,
    `var TOO_LARGE = ${JSON.stringify(response)};`,
    'function handler(event) {',
    '  var request = event.request;',
    "  var length = request.headers['content-length'];",
    '  var text = length ? String(length.value).trim() : "";',
    '  if (/^[0-9]+$/.test(text) && Number(text) > LIMIT) {',
    '    return TOO_LARGE;',
    '  }',
    '  return request;',
    '}',
    '',
  ].join('\n');
}

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
        'are counted by the distribution 4xx metrics. Standard logs would need an S3 bucket with ACLs or a log ' +
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
