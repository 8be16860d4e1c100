import { Match } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { busName } from '#infra/topology.ts';
import { sharedSynthesis } from './synth.ts';

const { stack, template, logicalIdOf } = sharedSynthesis();

describe('GpuhiveStack event bus', () => {
  it('creates the stage\'s custom bus', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: busName('dev') });
  });

  it('archives the bus\'s events for replay', () => {
    template.hasResourceProperties('AWS::Events::Archive', { SourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.bus), 'Arn'] } });
  });

  it('outputs the bus name', () => {
    template.hasOutput('EventBusName', { Value: { Ref: logicalIdOf(stack.bus) } });
  });
});

describe('GpuhiveStack exports bucket', () => {
  it('encrypts exports at rest', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
  });

  it('blocks every kind of public access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(stack.exportsBucket) },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('keeps versions, and expires the noncurrent ones', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: stack.config.exportsNoncurrentVersionExpiration.toDays() } })]),
      },
    });
  });

  it('expires export files after the stage\'s retention: they can always be made again from the ledger', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: stack.config.exportsExpiration.toDays(), Status: 'Enabled' })]) },
    });
  });

  it('cleans up half-finished multipart uploads after a day', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]) },
    });
  });

  it('removes delete markers left behind by expired versions', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpiredObjectDeleteMarker: true })]) },
    });
  });

  it('outputs the bucket name', () => {
    template.hasOutput('ExportsBucketName', { Value: { Ref: logicalIdOf(stack.exportsBucket) } });
  });
});
