import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsError, SqsQueueClient } from '#agent/api/sqs-queue.ts';
import type { QueueCredentials } from '#agent/api/types.ts';
import { NetworkError } from '#agent/core/errors.ts';
import { startSqsAndS3, type LocalSqsS3 } from '#infra/local/fauxqs.ts';

const keys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };
const vended = (queueUrl: string, endpoint?: string): QueueCredentials => ({
  queueUrl, region: 'eu-west-1', ...(endpoint ? { endpoint } : {}), credentials: keys, expiresAt: '2026-11-25T11:00:00Z',
});

interface Captured {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A port nothing listens on: what the agent meets after the backend restarted elsewhere. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

describe('SqsQueueClient against the local SQS stand-in', () => {
  let sqs: LocalSqsS3;
  let admin: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    sqs = await startSqsAndS3();
    admin = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials: keys, useQueueUrlAsEndpoint: false });
    queueUrl = (await admin.send(new CreateQueueCommand({ QueueName: 'host-1' }))).QueueUrl!;
  });
  afterAll(async () => {
    admin?.destroy();
    await sqs?.stop();
  });

  it('receives what was sent and deletes it', async () => {
    const client = new SqsQueueClient({ ...vended(queueUrl, sqs.endpoint), region: 'us-east-1' });
    await admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"type":"cancel","assignmentId":"a-1","jobId":"j-1"}' }));

    const messages = await client.receive({ waitSeconds: 1, maxMessages: 10 });
    await client.delete(messages[0]!.receiptHandle);

    expect(messages.map((message) => message.body)).toEqual(['{"type":"cancel","assignmentId":"a-1","jobId":"j-1"}']);
    const { Attributes } = await admin.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('names the AWS error code when the queue does not exist', async () => {
    const client = new SqsQueueClient({ ...vended(`${queueUrl}-gone`, sqs.endpoint), region: 'us-east-1' });

    const error = await client.receive({ waitSeconds: 0, maxMessages: 1 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SqsError);
    expect((error as SqsError).code).toMatch(/QueueDoesNotExist|NonExistentQueue/);
  });

  it('fails as a network error naming ECONNREFUSED when nothing listens at the endpoint', async () => {
    const client = new SqsQueueClient(vended('http://127.0.0.1/000000000000/host-1', `http://127.0.0.1:${await closedPort()}`));

    const error = await client.receive({ waitSeconds: 0, maxMessages: 1 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe('SqsQueueClient on the wire', () => {
  it('sends ReceiveMessage as the AWS SDK does: same endpoint, JSON protocol, target, body and SigV4 scope', async () => {
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/gpuhive-prod-host-1';
    let ours: Captured | undefined;
    const client = new SqsQueueClient(vended(queueUrl), {
      fetch: (async (url: URL, init: RequestInit) => {
        ours = { url: String(url), headers: init.headers as Record<string, string>, body: String(init.body) };
        return new Response('{"Messages":[]}', { status: 200 });
      }) as typeof fetch,
    });
    let sdk: Captured | undefined;
    const sdkClient = new SQSClient({
      region: 'eu-west-1', credentials: keys, maxAttempts: 1,
      requestHandler: {
        handle: async (request: { protocol: string; hostname: string; path: string; headers: Record<string, string>; body: string | Uint8Array }) => {
          const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
          sdk = { url: `${request.protocol}//${request.hostname}${request.path}`, headers: request.headers, body };
          throw new Error('captured');
        },
      } as never,
    });

    await client.receive({ waitSeconds: 20, maxMessages: 10 });
    await sdkClient.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 })).catch(() => undefined);

    expect(ours!.url).toBe(sdk!.url);
    expect(JSON.parse(ours!.body)).toEqual(JSON.parse(sdk!.body));
    for (const header of ['content-type', 'x-amz-target', 'x-amz-security-token']) expect(ours!.headers[header]).toBe(sdk!.headers[header]);
    const scope = (authorization: string | undefined) => /Credential=[^/]+\/\d{8}\/([^,]+),/.exec(authorization ?? '')?.[1];
    expect(scope(ours!.headers.authorization)).toBe('eu-west-1/sqs/aws4_request');
    expect(scope(ours!.headers.authorization)).toBe(scope(sdk!.headers.authorization));
    expect(ours!.headers.authorization).toMatch(/SignedHeaders=[^,]*host[^,]*x-amz-date[^,]*x-amz-security-token[^,]*x-amz-target/);
  });
});
