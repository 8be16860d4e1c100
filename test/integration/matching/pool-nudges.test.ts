import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { POOL_NUDGE, traceQueueHops, type QueueHop } from '#infra/local/stage-trace.ts';
import { placeGroupOf } from '#matching/domain/place-groups.ts';
import { apiClient, captureEvents, eventually, localSqs, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, offeredHost, reportEvent, waitForMessage } from '#test/support/marketplace.ts';

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
const nudgesHandled = (jobId: string) => hops.filter((hop) => hop.queue === 'matching-pools' && hop.jobId === jobId && hop.detailType === POOL_NUDGE).length;

describe('matching woken by pool nudges (issue 14)', () => {
  it('places funded jobs of two pools through the pools queue, places nothing twice on a duplicate nudge, and places a waiting job when capacity frees', async () => {
    expect(placeGroupOf(specOf(poolA))).not.toBe(placeGroupOf(specOf(poolB)));
    const scheduled = await captureEvents(runtime, ['job.scheduled']);
    const { renterKey } = await fundedRenter(api, runtime);
    const hostA = await offeredHost(api, runtime, renterKey, { region: 'eu-west', gpus: [{ name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: 'GPU-pool-a', index: 0 }] });
    const hostB = await offeredHost(api, runtime, renterKey, { region: 'us-east', gpus: [{ name: 'NVIDIA H100 80GB HBM3', vramMb: 81920, uuid: 'GPU-pool-b', index: 0 }] });

    const jobA = await submit(renterKey, poolA);
    const jobB = await submit(renterKey, poolB);
    const assignmentA = await waitForMessage(api, hostA.agentToken, (m) => m.type === 'assignment' && m.jobId === jobA);
    await waitForMessage(api, hostB.agentToken, (m) => m.type === 'assignment' && m.jobId === jobB);

    // Each job's funds.held went through the router and its group's nudge, never the old funds queue.
    await eventually(async () => expect([nudgesHandled(jobA), nudgesHandled(jobB)]).toEqual([1, 1]));
    expect(hops.filter((hop) => hop.queue === 'matching-pool-nudges').map((hop) => hop.jobId).sort()).toEqual([jobA, jobB].sort());
    expect(hops.some((hop) => hop.queue === 'matching-funds')).toBe(false);

    // The same nudge again (after SQS's deduplication window), and a capacity nudge of the group: nothing moves.
    const groupA = placeGroupOf(specOf(poolA));
    await localSqs(runtime).send(new SendMessageBatchCommand({
      QueueUrl: runtime.queueUrls['matching-pools'],
      Entries: [
        { Id: 'head', MessageBody: JSON.stringify({ group: groupA }), MessageGroupId: `place#${groupA}`, MessageDeduplicationId: 'test-capacity' },
        { Id: 'again', MessageBody: JSON.stringify({ group: groupA, jobId: jobA }), MessageGroupId: `place#${groupA}`, MessageDeduplicationId: 'test-again' },
      ],
    }));
    await eventually(async () => expect(nudgesHandled(jobA)).toBe(2));
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
