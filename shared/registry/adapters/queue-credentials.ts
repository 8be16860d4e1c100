import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { STSClient } from '@aws-sdk/client-sts';
import type { Clock } from '#platform/clock.ts';
import { addSeconds } from '#platform/clock.ts';
import type { QueueCredentials, QueueCredentialsVendor } from '../ports.ts';

const SESSION_SECONDS = 3600;

/** https://sqs.eu-west-1.amazonaws.com/123456789012/name -> arn:aws:sqs:eu-west-1:123456789012:name */
export const queueArnFromUrl = (queueUrl: string, region: string): string => {
  const [, account, name] = new URL(queueUrl).pathname.split('/');
  return `arn:aws:sqs:${region}:${account}:${name}`;
};

/** The session policy that narrows the assumed role to one host's queue. */
export const hostQueueSessionPolicy = (queueArn: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'], Resource: queueArn },
    ],
  });

/**
 * On AWS: STS AssumeRole on the agent-queue role with a session policy scoped to the host's
 * own queue, so the agent long-polls SQS directly and no Lambda waits while hosts idle.
 */
export class StsQueueCredentialsVendor implements QueueCredentialsVendor {
  constructor(
    private readonly sts: STSClient,
    private readonly roleArn: string,
    private readonly region: string,
  ) {}

  async vend(hostId: string, queueUrl: string): Promise<QueueCredentials> {
    const { Credentials } = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: this.roleArn,
        RoleSessionName: hostId.slice(0, 64),
        DurationSeconds: SESSION_SECONDS,
        Policy: hostQueueSessionPolicy(queueArnFromUrl(queueUrl, this.region)),
      }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey || !Credentials.SessionToken || !Credentials.Expiration) {
      throw new Error('STS returned no credentials');
    }
    return {
      queueUrl,
      region: this.region,
      credentials: {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretAccessKey,
        sessionToken: Credentials.SessionToken,
      },
      expiresAt: Credentials.Expiration.toISOString(),
    };
  }
}

/**
 * Locally there is no STS and no IAM: the agent gets the local SQS endpoint and the same
 * placeholder credentials every local client uses. (Local mode is for one machine.)
 */
export class LocalQueueCredentialsVendor implements QueueCredentialsVendor {
  constructor(
    private readonly endpoint: string,
    private readonly region: string,
    private readonly clock: Clock,
  ) {}

  async vend(_hostId: string, queueUrl: string): Promise<QueueCredentials> {
    return {
      queueUrl,
      region: this.region,
      endpoint: this.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local', sessionToken: 'local' },
      expiresAt: addSeconds(this.clock.now(), SESSION_SECONDS).toISOString(),
    };
  }
}
