import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { traceQueueHops, type QueueHop } from '#infra/local/stage-trace.ts';
import { placeGroupOf } from '#matching/domain/place-groups.ts';
import { apiClient, captureEvents, eventually, localSqs, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, reportEvent, waitForMessage } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;
const hops: QueueHop[] = [];
let stopTracing: () => void = () => undefined;

// The sweep would place anything the nudges missed: here it never runs, so every placement comes from a nudge.
beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' }, scheduleSeconds: { 'matching-sweep': 3600 } });
  api = apiClient(runtime.apiUrl);
  stopTracing = traceQueueHops((hop) => hops.push(hop));
});
afterAll(async () => {
  stopTracing();
  await runtime?.stop();
});

const poolA = { models: ['RTX 4090'], regions: ['eu-west'] };
const poolB = { models: ['H100'], regions: ['us-east'] };
const specOf = (pool: typeof poolA) => ({ gpu: { models: pool.models }, regions: pool.regions });
const submit = async (renterKey: string, pool: typeof poolA): Promise<string> => {
  const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: pool.models }, regions: pool.regions }) });
  expect(submitted.status).toBe(202);
  return submitted.body.jobId as string;
};

describe('matching woken by pool nudges (issue 14)', () => {
  it('places waiting jobs of two pools when hosts join them, places nothing twice on a duplicate nudge, and places a waiting job when capacity frees', async () => {
    expect(placeGroupOf(specOf(poolA))).not.toBe(placeGroupOf(specOf(poolB)));
    const scheduled = await captureEvents(runtime, ['job.scheduled']);
    const { renterKey } = await fundedRenter(api, runtime);

    // Funded before any host exists: funds.held finds nothing, and the sweep never runs, so only
    // the nudges the new hosts' capacity sends can place them.
    const jobA = await submit(renterKey, poolA);
    const jobB = await submit(renterKey, poolB);
    const fundsHeldHandled = () => hops.filter((hop) => hop.queue === 'matching-funds' && hop.detailType === 'funds.held').map((hop) => hop.jobId).sort();
    await eventually(async () => expect(fundsHeldHandled()).toEqual([jobA, jobB].sort()));
    for (const jobId of [jobA, jobB]) expect(await jobStatus(api, renterKey, jobId)).toMatchObject({ status: 'queued', statusReason: expect.stringMatching(/^no online host offers/) });
    // Not waited for in the offers: their one GPU is taken as soon as they join.
    const hostA = await onboardHost(api, runtime.adminKey, { region: 'eu-west', gpus: [{ name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: 'GPU-pool-a', index: 0 }] });
    const hostB = await onboardHost(api, runtime.adminKey, { region: 'us-east', gpus: [{ name: 'NVIDIA H100 80GB HBM3', vramMb: 81920, uuid: 'GPU-pool-b', index: 0 }] });
    const assignmentA = await waitForMessage(api, hostA.agentToken, (m) => m.type === 'assignment' && m.jobId === jobA);
    await waitForMessage(api, hostB.agentToken, (m) => m.type === 'assignment' && m.jobId === jobB);

    // The group's nudge again, twice (a redelivery past SQS's deduplication window): nothing moves.
    const groupA = placeGroupOf(specOf(poolA));
    const sqs = localSqs(runtime);
    await sqs.send(new SendMessageBatchCommand({
      QueueUrl: runtime.queueUrls['matching-pools'],
      Entries: ['test-again-1', 'test-again-2'].map((id) => ({ Id: id, MessageBody: JSON.stringify({ group: groupA }), MessageGroupId: `place#${groupA}`, MessageDeduplicationId: id })),
    }));
    // Handled once the queue holds nothing, visible or in flight (the poller deletes after its handler).
    await eventually(async () => {
      const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({
        QueueUrl: runtime.queueUrls['matching-pools'],
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }));
      expect(Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)).toBe(0);
    });
    const afterDuplicate = await jobStatus(api, renterKey, jobA);
    expect(afterDuplicate.status).toBe('scheduled');
    expect(afterDuplicate.assignments).toHaveLength(1);
    const scheduledFor: Record<string, number> = {};
    await eventually(async () => {
      for (const event of await scheduled.next()) scheduledFor[event.detail.jobId as string] = (scheduledFor[event.detail.jobId as string] ?? 0) + 1;
      expect(scheduledFor).toEqual({ [jobA]: 1, [jobB]: 1 });
    });

    // Pool A is full: a second job waits until job A's GPU is freed, and that release nudges its group.
    const waiting = await submit(renterKey, poolA);
    await eventually(async () => expect(await jobStatus(api, renterKey, waiting)).toMatchObject({ status: 'queued', statusReason: expect.any(String) }));
    for (const type of ['accepted', 'started']) expect((await reportEvent(api, hostA.agentToken, assignmentA.assignmentId, type)).status).toBe(200);
    expect((await reportEvent(api, hostA.agentToken, assignmentA.assignmentId, 'exited', { exitCode: 0 })).status).toBe(200);

    await waitForMessage(api, hostA.agentToken, (m) => m.type === 'assignment' && m.jobId === waiting);
    expect((await jobStatus(api, renterKey, waiting)).assignments).toHaveLength(1);
  }, 120_000);
});
