import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '#events/index.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { makeLogsDeps } from '#logs/adapters/deps.ts';
import { makeMeteringDeps } from '#metering/adapters/deps.ts';
import { callCounter } from '#platform/call-counter.ts';
import { makeRegistryDeps } from '#registry/adapters/deps.ts';
import { eventRecord, lambdaContext, sampleDetail } from '#test/support/factories.ts';
import { apiClient, onboardHost, startTestRuntime } from '#test/support/local-runtime.ts';

/**
 * The `job.scheduled` consumers write a whole SQS batch at once (issue 14): registry's last
 * work per host and the logs context's assignments (not the job's head: `job.submitted`'s).
 * Metering no longer hears `job.scheduled`: it takes one left in its queue and writes nothing.
 * They are driven here with the batch Lambda would hand them, straight against the local stores.
 */
let runtime: LocalRuntime;
let hosts: { hostId: string; providerId: string }[];

beforeAll(async () => {
  runtime = await startTestRuntime();
  const api = apiClient(runtime.apiUrl);
  hosts = await Promise.all([0, 1].map(() => onboardHost(api, runtime.adminKey)));
}, 120_000);
afterAll(() => runtime?.stop());

const recordOf = (detail: Record<string, unknown>, messageId: string): SQSRecord => eventRecord(events.jobScheduled, detail, messageId, String(detail.occurredAt));

/** Ten placements over two hosts, the last one delivered twice; the later placements on each host happened later. */
const scheduledBatch = (run: string): { batch: SQSEvent; jobIds: string[]; assignmentIds: string[]; latestAt: Map<string, string> } => {
  const jobIds: string[] = [];
  const assignmentIds: string[] = [];
  const latestAt = new Map<string, string>();
  const records = Array.from({ length: 9 }, (_, n) => {
    const host = hosts[n % 2]!;
    const occurredAt = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
    const jobId = `job_${run}${n}`;
    const assignmentId = `${jobId}.a1.r0`;
    jobIds.push(jobId);
    assignmentIds.push(assignmentId);
    latestAt.set(host.hostId, occurredAt);
    const detail = {
      ...sampleDetail('jobScheduled'),
      eventId: `evt_${run}${n}`,
      occurredAt,
      jobId,
      assignments: [{ assignmentId, hostId: host.hostId, providerId: host.providerId, gpuIndices: [0], gpuModel: 'RTX 4090', pricePerGpuHour: 450_000, rank: 0 }],
    };
    return recordOf(detail, `m${n}`);
  });
  return { batch: { Records: [...records, { ...records.at(-1)!, messageId: 'm9' }] }, jobIds, assignmentIds, latestAt };
};

/** Runs `handler` on `batch` and counts its SDK calls. */
const handled = async (handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>, batch: SQSEvent) => {
  callCounter.start();
  const result = (await callCounter.within('test: consumer', () => handler(batch, lambdaContext()))) as { batchItemFailures: unknown[] };
  const sdk = callCounter.stop().scopes['test: consumer']?.sdk ?? {};
  return { failures: result.batchItemFailures, calls: Object.fromEntries(Object.entries(sdk).map(([operation, usage]) => [operation, usage.calls])) };
};

describe('the job.scheduled consumers, a batch at a time', () => {
  it('registry records each host\'s latest work with one read and one write for the whole batch, and a redelivery changes nothing', async () => {
    const { handler } = await import('#functions/registry/record-last-work-on-job-scheduled.ts');
    const registry = await makeRegistryDeps();
    const { batch, latestAt } = scheduledBatch('r');

    const first = await handled(handler, batch);
    const after = await Promise.all(hosts.map(({ hostId }) => registry.store.get(hostId)));
    const again = await handled(handler, batch);

    expect(first.failures).toEqual([]);
    expect(first.calls).toEqual({ 'DynamoDB.BatchGetItem': 1, 'DynamoDB.TransactWriteItems': 1 });
    expect(after.map((host) => host?.lastAssignedAt)).toEqual(hosts.map(({ hostId }) => latestAt.get(hostId)));
    expect(again).toEqual({ failures: [], calls: { 'DynamoDB.BatchGetItem': 1 } });
    expect((await Promise.all(hosts.map(({ hostId }) => registry.store.get(hostId)))).map((host) => host?.revision)).toEqual(after.map((host) => host?.revision));
  });

  it('registry never moves a host\'s last work back to an older placement', async () => {
    const { handler } = await import('#functions/registry/record-last-work-on-job-scheduled.ts');
    const registry = await makeRegistryDeps();
    const newer = scheduledBatch('n');
    await handled(handler, newer.batch);
    const older = scheduledBatch('o');
    const shifted = older.batch.Records.map((record) => {
      const body = JSON.parse(record.body);
      return { ...record, body: JSON.stringify({ ...body, detail: { ...body.detail, occurredAt: '2025-12-31T00:00:00.000Z' } }) };
    });

    const result = await handled(handler, { Records: shifted });

    expect(result.failures).toEqual([]);
    expect((await Promise.all(hosts.map(({ hostId }) => registry.store.get(hostId)))).map((host) => host?.lastAssignedAt)).toEqual(hosts.map(({ hostId }) => newer.latestAt.get(hostId)));
  });

  it('metering takes a job.scheduled left in its queue from before the rule changed, and writes and reads nothing', async () => {
    const { handler } = await import('#functions/metering/track-leases.ts');
    const metering = makeMeteringDeps();
    const { batch, assignmentIds } = scheduledBatch('m');

    const taken = await handled(handler, batch);

    expect(taken).toEqual({ failures: [], calls: {} });
    const state = await metering.usage.load(assignmentIds, []);
    for (const assignmentId of assignmentIds) expect(state.leases.get(assignmentId)).toBeUndefined();
  });

  it('logs writes every assignment, and no job head, in one transaction, and a redelivery converges', async () => {
    const { handler } = await import('#functions/logs/project-jobs.ts');
    const logs = makeLogsDeps();
    const { batch, jobIds, assignmentIds } = scheduledBatch('l');

    const first = await handled(handler, batch);
    const again = await handled(handler, batch);

    expect(first).toEqual({ failures: [], calls: { 'DynamoDB.TransactWriteItems': 1 } });
    expect(again).toEqual({ failures: [], calls: { 'DynamoDB.TransactWriteItems': 1 } });
    for (const [n, assignmentId] of assignmentIds.entries()) {
      expect(await logs.index.getAssignment(assignmentId)).toEqual({ assignmentId, jobId: jobIds[n], hostId: hosts[n % 2]!.hostId, renterId: 'acct_renter000000001', rank: 0 });
      // The head is job.submitted's to write (or the log write route's), not job.scheduled's.
      expect(await logs.index.getJob(jobIds[n]!)).toBeUndefined();
    }
  });

  // Their queues take 10 today (docs/throughput.md); a batching window on AWS would hand them 100.
  it('registry and logs take a whole batch of 100: every host and assignment written, in transactions of at most 100 items', async () => {
    const size = 100;
    const jobIds = Array.from({ length: size }, (_, n) => `job_big${n}`);
    const records = jobIds.map((jobId, n) => {
      const host = hosts[n % 2]!;
      const detail = {
        ...sampleDetail('jobScheduled'),
        eventId: `evt_big${n}`,
        occurredAt: new Date(Date.UTC(2026, 0, 2, 0, 0, n)).toISOString(),
        jobId,
        assignments: [{ assignmentId: `${jobId}.a1.r0`, hostId: host.hostId, providerId: host.providerId, gpuIndices: [0], gpuModel: 'RTX 4090', pricePerGpuHour: 450_000, rank: 0 }],
      };
      return recordOf(detail, `big${n}`);
    });
    const registryHandler = (await import('#functions/registry/record-last-work-on-job-scheduled.ts')).handler;
    const logsHandler = (await import('#functions/logs/project-jobs.ts')).handler;
    const logs = makeLogsDeps();
    const registry = await makeRegistryDeps();

    const registered = await handled(registryHandler, { Records: records });
    const projected = await handled(logsHandler, { Records: records });

    expect(registered).toEqual({ failures: [], calls: { 'DynamoDB.BatchGetItem': 1, 'DynamoDB.TransactWriteItems': 1 } });
    // An assignment each: 100 items in one transaction.
    expect(projected).toEqual({ failures: [], calls: { 'DynamoDB.TransactWriteItems': 1 } });
    expect((await Promise.all(hosts.map(({ hostId }) => registry.store.get(hostId)))).map((host) => host?.lastAssignedAt)).toEqual([
      new Date(Date.UTC(2026, 0, 2, 0, 0, size - 2)).toISOString(),
      new Date(Date.UTC(2026, 0, 2, 0, 0, size - 1)).toISOString(),
    ]);
    for (const [n, jobId] of jobIds.entries()) {
      expect(await logs.index.getAssignment(`${jobId}.a1.r0`)).toMatchObject({ jobId, hostId: hosts[n % 2]!.hostId });
      expect(await logs.index.getJob(jobId)).toBeUndefined();
    }
  });
});
