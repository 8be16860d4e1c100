import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../../console/build.ts';
import { API_PATH_PATTERNS } from '#infra/constructs/console-site.ts';
import { sharedSynthesis, type Synthesized } from './synth.ts';

let synthesized: Synthesized;
let site: Template;

beforeAll(() => {
  synthesized = sharedSynthesis();
  site = Template.fromStack(synthesized.stack.consoleSite);
}, 300_000);

describe('the web console on AWS', () => {
  it('keeps the files in a private, encrypted bucket that only TLS reaches', () => {
    site.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    site.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets only CloudFront read the bucket, through origin access control', () => {
    site.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    site.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })]),
      },
    });
  });

  it('serves every console file with the strict CSP the local gateway sends', () => {
    site.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: CONSOLE_CSP, Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
        }),
      },
    });
  });

  it('puts the API on the same origin, uncached, with the caller headers passed through', () => {
    const distribution = Object.values(site.findResources('AWS::CloudFront::Distribution'))[0] as { Properties: { DistributionConfig: Record<string, any> } };
    const behaviors = distribution.Properties.DistributionConfig.CacheBehaviors as { PathPattern: string; CachePolicyId: string; OriginRequestPolicyId: string; AllowedMethods: string[] }[];

    expect(behaviors.map((behavior) => behavior.PathPattern)).toEqual([...API_PATH_PATTERNS]);
    for (const behavior of behaviors) {
      expect(behavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // CachingDisabled
      expect(behavior.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac'); // AllViewerExceptHostHeader
      expect(behavior.AllowedMethods).toContain('POST');
    }
    expect(distribution.Properties.DistributionConfig.DefaultRootObject).toBe('index.html');
  });

  it('prints the console URL on deploy', () => {
    synthesized.template.hasOutput('ConsoleUrl', {});
  });
});
