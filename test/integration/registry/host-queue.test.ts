import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, localSqs, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const assignment = (n: number) => ({ type: 'assignment', assignmentId: `asg_${n}`, jobId: 'job_1', env: {}, gpuIndices: [0], maxDurationSeconds: 60, rank: 0, worldSize: 1, peers: [] });

const enqueue = async (agentToken: string, message: unknown) => {
  const { body } = await api.call('POST', '/v1/agent/queue-credentials', { key: agentToken });
  await localSqs(runtime).send(new SendMessageCommand({ QueueUrl: body.queueUrl, MessageBody: JSON.stringify(message) }));
};

describe("a host's assignment queue", () => {
  it('delivers a message through the API long poll, and an ack removes it', async () => {
    const host = await onboardHost(api, runtime.adminKey);
    await enqueue(host.agentToken, assignment(1));

    const received = await api.call('GET', '/v1/agent/assignments?waitSeconds=2', { key: host.agentToken });
    const ack = await api.call('POST', '/v1/agent/assignments/ack', { key: host.agentToken, body: { receipts: received.body.messages.map((m: { receipt: string }) => m.receipt) } });
    const after = await api.call('GET', '/v1/agent/assignments?waitSeconds=0', { key: host.agentToken });

    expect(received.status).toBe(200);
    expect(received.body.messages).toEqual([{ receipt: expect.any(String), message: assignment(1) }]);
    expect(ack.status).toBe(200);
    expect(after.body.messages).toEqual([]);
  });

  it('delivers a message to an agent polling SQS directly with the vended credentials', async () => {
    const host = await onboardHost(api, runtime.adminKey);
    await enqueue(host.agentToken, assignment(2));

    const vended = await api.call('POST', '/v1/agent/queue-credentials', { key: host.agentToken });
    const agentSqs = new SQSClient({ region: vended.body.region, endpoint: vended.body.endpoint, credentials: vended.body.credentials, useQueueUrlAsEndpoint: false });
    const { Messages = [] } = await agentSqs.send(new ReceiveMessageCommand({ QueueUrl: vended.body.queueUrl, WaitTimeSeconds: 2 }));

    expect(vended.body).toMatchObject({ queueUrl: expect.stringContaining(host.hostId), expiresAt: expect.any(String) });
    expect(Messages.map((m) => JSON.parse(m.Body ?? ''))).toEqual([assignment(2)]);
  });

  it("gives each agent only its own host's queue", async () => {
    const hostA = await onboardHost(api, runtime.adminKey);
    const hostB = await onboardHost(api, runtime.adminKey);
    await enqueue(hostA.agentToken, assignment(3));

    const asB = await api.call('GET', '/v1/agent/assignments?waitSeconds=1', { key: hostB.agentToken });
    const credentialsB = await api.call('POST', '/v1/agent/queue-credentials', { key: hostB.agentToken });
    const asA = await api.call('GET', '/v1/agent/assignments?waitSeconds=1', { key: hostA.agentToken });

    expect(asB.body.messages).toEqual([]);
    expect(credentialsB.body.queueUrl).toContain(hostB.hostId);
    expect(credentialsB.body.queueUrl).not.toContain(hostA.hostId);
    expect(asA.body.messages).toHaveLength(1);
  });

  it('refuses a long poll longer than 20 seconds with 400 naming waitSeconds', async () => {
    const host = await onboardHost(api, runtime.adminKey);

    const attempt = await api.call('GET', '/v1/agent/assignments?waitSeconds=60', { key: host.agentToken });

    expect(attempt.status).toBe(400);
    expect(attempt.body.error.details[0].field).toBe('query.waitSeconds');
  });
});
