import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalQueueCredentialsVendor, queueArnFromUrl, StsQueueCredentialsVendor } from '#registry/adapters/queue-credentials.ts';
import { at, T0 } from '#test/support/factories.ts';

const sts = new STSClient({ region: 'eu-west-1' });
const stsMock = mockClient(sts);

const ROLE_ARN = 'arn:aws:iam::123456789012:role/gpuhive-prod-agent-queue';
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/gpuhive-prod-host-host_01abc';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:gpuhive-prod-host-host_01abc';
const EXPIRES = at(T0, 3600);

const vendor = new StsQueueCredentialsVendor(sts, ROLE_ARN, 'eu-west-1');

beforeEach(() => {
  stsMock.reset();
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'session', Expiration: EXPIRES },
  });
});

const assumeRoleInput = () => stsMock.commandCalls(AssumeRoleCommand)[0]!.args[0].input;

describe('StsQueueCredentialsVendor', () => {
  it('assumes the agent-queue role with a session named after the host', async () => {
    await vendor.vend('host_01abc', QUEUE_URL);

    expect(assumeRoleInput()).toMatchObject({ RoleArn: ROLE_ARN, RoleSessionName: 'host_01abc' });
  });

  it('narrows the session to receive, delete and change visibility on exactly that host queue', async () => {
    await vendor.vend('host_01abc', QUEUE_URL);

    const policy = JSON.parse(assumeRoleInput().Policy!) as { Statement: { Effect: string; Action: string[]; Resource: unknown }[] };
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0]!.Effect).toBe('Allow');
    expect([...policy.Statement[0]!.Action].sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage']);
    expect(policy.Statement[0]!.Resource).toBe(QUEUE_ARN);
  });

  it('keeps the session name within the 64 characters STS allows', async () => {
    await vendor.vend(`host_${'x'.repeat(100)}`, QUEUE_URL);

    expect(assumeRoleInput().RoleSessionName).toHaveLength(64);
  });

  it('returns the credentials, the queue, the region and the expiry', async () => {
    const credentials = await vendor.vend('host_01abc', QUEUE_URL);

    expect(credentials).toEqual({
      queueUrl: QUEUE_URL,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' },
      expiresAt: EXPIRES.toISOString(),
    });
  });

  it('fails when STS returns no credentials', async () => {
    stsMock.on(AssumeRoleCommand).resolves({});

    await expect(vendor.vend('host_01abc', QUEUE_URL)).rejects.toThrow('STS returned no credentials');
  });
});

describe('queueArnFromUrl', () => {
  it('builds the queue ARN from its URL and region', () => {
    expect(queueArnFromUrl(QUEUE_URL, 'eu-west-1')).toBe(QUEUE_ARN);
  });

  it('reads a local stand-in URL the same way', () => {
    expect(queueArnFromUrl('http://127.0.0.1:4566/000000000000/gpuhive-local-host-host_1', 'us-east-1')).toBe(
      'arn:aws:sqs:us-east-1:000000000000:gpuhive-local-host-host_1',
    );
  });
});

describe('LocalQueueCredentialsVendor', () => {
  it('hands out the local endpoint and placeholder credentials for an hour', async () => {
    const local = new LocalQueueCredentialsVendor('http://127.0.0.1:4566', 'us-east-1', { now: () => T0 });

    const credentials = await local.vend('host_1', 'http://127.0.0.1:4566/000000000000/q');

    expect(credentials).toMatchObject({ endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', expiresAt: EXPIRES.toISOString() });
  });
});
