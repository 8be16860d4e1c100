import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DockerImage, Duration, Fn, NestedStack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { CONSOLE_CSP } from '../../console/build.ts';
import { acknowledgeWildcardResource } from './nag.ts';

const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

/** Paths the API answers; everything else is the console's static files. */
export const API_PATH_PATTERNS = ['/v1/*', '/install.sh', '/agent/*', '/cli/*'] as const;

export interface ConsoleSiteProps {
  /** The HTTP API's invoke URL (`https://<id>.execute-api.<region>.amazonaws.com/`). */
  readonly apiUrl: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The web console: its static files in a private S3 bucket read only by CloudFront (origin
 * access control), and the API behind the same distribution, so the console calls its own
 * origin and needs no CORS. Every file carries the console's strict CSP. A nested stack,
 * since the main stack is near CloudFormation's 500-resource limit.
 */
export class ConsoleSite extends NestedStack {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Files', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    });
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_CSP, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    // The API origin is the invoke URL's host; with caching off, the viewer's headers
    // (Authorization among them) pass through unchanged, except Host, which API Gateway checks.
    const api: BehaviorOptions = {
      origin: new HttpOrigin(Fn.select(2, Fn.split('/', props.apiUrl))),
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'gpuhive console and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      },
      additionalBehaviors: Object.fromEntries(API_PATH_PATTERNS.map((pattern) => [pattern, api])),
    });
    new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      distribution: this.distribution,
      sources: [
        Source.asset(CONSOLE_DIR, {
          bundling: {
            // Built with the project's esbuild on the deploying machine; the image is CDK's
            // fallback only where local bundling cannot run.
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
            local: {
              tryBundle: (outputDir) => {
                execFileSync('npx', ['tsx', `${CONSOLE_DIR}build.ts`, outputDir], { stdio: 'inherit' });
                return true;
              },
            },
          },
        }),
      ],
    });
    for (const [id, reason] of [
      ['AwsSolutions-S1', 'The bucket holds only the public console build; CloudFront access logs would be the audit trail, and the API has its own access logs.'],
      ['AwsSolutions-CFR1', 'The console is for every country the API serves; no geo restriction.'],
      ['AwsSolutions-CFR2', 'WAF is a per-deployment decision (cost per request); the API keeps its own throttles.'],
      ['AwsSolutions-CFR3', 'Access logging of a static console adds cost without a consumer; the API logs every request.'],
      ['AwsSolutions-CFR4', 'The default CloudFront certificate allows TLS 1.2 minimum when a custom domain is added; without one CloudFront pins its own policy.'],
      ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', "BucketDeployment's handler writes its logs with the AWS managed basic execution role."],
      ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map(
        (action) => [`AwsSolutions-IAM5[Action::${action}]`, "BucketDeployment's handler reads the staged build and replaces this bucket's files: aws-cdk-lib grants these action groups."] as const,
      ),
      ['AwsSolutions-IAM5[Resource::*]', "BucketDeployment's handler invalidates the distribution after a deploy; CloudFront invalidation takes no narrower resource here."],
      ['AwsSolutions-L1', "BucketDeployment's handler runtime is chosen by aws-cdk-lib."],
    ] as const) {
      Validations.of(this).acknowledge({ id, reason });
    }
    const assets = `arn:${this.partition}:s3:::cdk-hnb659fds-assets-${this.account}-${this.region}/*`;
    acknowledgeWildcardResource(this, assets, "BucketDeployment's handler reads the build CDK staged in the bootstrap assets bucket.");
    acknowledgeWildcardResource(this, this.bucket.arnForObjects('*'), "BucketDeployment's handler replaces the console's files, all of them, on each deploy.");
  }
}
