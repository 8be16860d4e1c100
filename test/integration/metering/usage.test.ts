import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, captureEvents, clockPast, eventually, newAccount, startTestRuntime, type ApiClient, type CapturedEvent } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, offeredHost, reportEvent, waitForMessage } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let gpuSerial = 0;

beforeAll(async () => {
  runtime = await startTestRuntime({
    env: { ACCEPT_TIMEOUT_SECONDS: '30', STOP_GRACE_SECONDS: '2', RESEND_AFTER_SECONDS: '30', CAPACITY_CACHE_SECONDS: '0.5' },
    scheduleSeconds: { 'matching-sweep': 1, 'metering-pending-sweep': 1 },
  });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

/** A renter's job placed on a fresh host and accepted; `start` reports `started` and returns when metering knows the lease. */
const placedJob = async () => {
  const { renterKey } = await fundedRenter(api, runtime);
  gpuSerial += 1;
  // A model of its own, so the job lands on this host and not on another test's (they run at once).
  const model = `RTX 3090 M${gpuSerial}`;
  const host = await offeredHost(api, runtime, renterKey, {
    gpus: [{ name: `NVIDIA GeForce ${model}`, vramMb: 24576, uuid: `GPU-meter-${gpuSerial}`, index: 0 }],
    pricePerGpuHour: '0.900000',
  });
  const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: [model] }, maxPricePerGpuHour: '1.000000' }) });
  const { jobId } = submitted.body;
  const assignment = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === jobId);
  expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted')).status).toBe(200);
  const assignmentId = assignment.assignmentId as string;
  const start = async () => {
    expect((await reportEvent(api, host.agentToken, assignmentId, 'started')).status).toBe(200);
    const startedAt = Date.now();
    await eventually(async () => {
      const usage = await api.call('GET', `/v1/jobs/${jobId}/usage`, { key: renterKey });
      expect(usage.body.assignments?.[0]?.leaseStart).toEqual(expect.any(String));
    });
    return startedAt;
  };
  return { renterKey, host, model, jobId, assignmentId, start };
};

const postUsage = (agentToken: string, records: unknown[]) => api.call('POST', '/v1/agent/usage', { key: agentToken, body: { records } });

const record = (assignmentId: string, eventId: string, fromMs: number, toMs: number, gpuSeconds = (toMs - fromMs) / 1000) => ({
  eventId, assignmentId, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), gpuSeconds,
});

const drain = async (capture: { next(): Promise<CapturedEvent[]> }, into: CapturedEvent[]) => {
  for (let batch = await capture.next(); batch.length > 0; batch = await capture.next()) into.push(...batch);
};

// Every test has its own renter, host and GPU model, so they run at once: most of their time is waiting on placement and the lease.
describe.concurrent('POST /v1/agent/usage', { timeout: 120_000 }, () => {
  it('stores usage, emits its records in one usage.chunk_recorded, and counts a resend once, even a day later', async () => {
    const capture = await captureEvents(runtime, ['usage.chunk_recorded']);
    const job = await placedJob();
    const startedAt = await job.start();
    const to = startedAt + 1_500;
    await clockPast(to);
    const records = [record(job.assignmentId, 'u-1', startedAt, startedAt + 1_000), record(job.assignmentId, 'u-2', startedAt + 1_000, to, 0.5)];

    const posted = await postUsage(job.host.agentToken, records);

    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ accepted: 2, duplicates: 0, pending: 0, rejected: [] });
    const ids = posted.body.records.map((r: { usageRecordId: string }) => r.usageRecordId);
    const seen: CapturedEvent[] = [];
    const recordsOf = (events: CapturedEvent[]) =>
      events.filter((e) => e.detail.assignmentId === job.assignmentId).flatMap((e) => e.detail.records as { usageRecordId: string; gpuSeconds: number }[]);
    await eventually(async () => {
      await drain(capture, seen);
      expect(recordsOf(seen).map((r) => r.usageRecordId).sort()).toEqual([...ids].sort());
    });
    expect(seen.filter((e) => e.detail.assignmentId === job.assignmentId)).toHaveLength(1);
    expect(seen.find((e) => e.detail.assignmentId === job.assignmentId)?.detail).toMatchObject({
      jobId: job.jobId, hostId: job.host.hostId, providerId: job.host.providerId, gpuModel: job.model, pricePerGpuHour: 900_000,
    });
    expect(recordsOf(seen).find((r) => r.usageRecordId === ids[0])).toMatchObject({ gpuSeconds: 1 });

    const resent = await postUsage(job.host.agentToken, records);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const aDayLater = await postUsage(job.host.agentToken, [records[1]]);

    expect(resent.body).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(aDayLater.body.records[0]).toMatchObject({ status: 'duplicate', original: 'accepted', usageRecordId: ids[1] });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await drain(capture, seen);
    expect(recordsOf(seen)).toHaveLength(2);
    const usage = await api.call('GET', `/v1/jobs/${job.jobId}/usage`, { key: job.renterKey });
    expect(usage.body).toMatchObject({ jobId: job.jobId, gpuSeconds: 1.5, records: { accepted: 2, clipped: 0, rejected: 0, pending: 0 } });
    expect(usage.body.assignments[0].hours).toEqual([expect.objectContaining({ gpuSeconds: 1.5, records: 2 })]);
  });

  it('clips a record that sticks out of the lease and rejects one entirely outside, counting both on the job', async () => {
    const job = await placedJob();
    await job.start();
    // The lease as the platform observed it, not the test's clock: on a busy machine `started` is
    // stamped seconds before its answer reaches the test.
    const leaseStart = Date.parse((await api.call('GET', `/v1/jobs/${job.jobId}/usage`, { key: job.renterKey })).body.assignments[0].leaseStart);
    await clockPast(leaseStart + 500);

    const posted = await postUsage(job.host.agentToken, [
      record(job.assignmentId, 'early', leaseStart - 60_000, leaseStart + 500, 60.5),
      record(job.assignmentId, 'future', Date.now() + 3_600_000, Date.now() + 3_660_000),
    ]);

    expect(posted.status).toBe(202);
    expect(posted.body.rejected).toEqual([{ eventId: 'future', assignmentId: job.assignmentId, reason: 'outside_lease' }]);
    const early = posted.body.records[0];
    expect(early).toMatchObject({ status: 'accepted', clipped: ['outside_lease'] });
    expect(early.gpuSeconds).toBeLessThan(60.5);
    expect(early.gpuSeconds).toBeLessThanOrEqual(0.5 + 5 + 1);
    const usage = await api.call('GET', `/v1/jobs/${job.jobId}/usage`, { key: job.renterKey });
    expect(usage.body.records).toMatchObject({ accepted: 1, clipped: 1, rejected: 1 });
  });

  it('refuses another host\'s agent and keeps its record out of the owner\'s way', async () => {
    const job = await placedJob();
    const startedAt = await job.start();
    const { renterKey } = await fundedRenter(api, runtime);
    const stranger = await offeredHost(api, runtime, renterKey, { gpus: [{ name: 'NVIDIA T4', vramMb: 15360, uuid: `GPU-stranger-${gpuSerial}`, index: 0 }] });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const claim = record(job.assignmentId, 'x-1', startedAt, startedAt + 500);

    const attempt = await postUsage(stranger.agentToken, [claim]);
    const owner = await postUsage(job.host.agentToken, [claim]);

    expect(attempt.status).toBe(202);
    expect(attempt.body).toMatchObject({ accepted: 0, rejected: [{ eventId: 'x-1', reason: 'not_your_assignment' }] });
    expect(owner.body).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it('keeps usage sent before the lease is known and accepts it when the lease arrives', async () => {
    const capture = await captureEvents(runtime, ['usage.chunk_recorded']);
    const job = await placedJob();
    const now = Date.now();

    const early = await postUsage(job.host.agentToken, [record(job.assignmentId, 'p-1', now + 500, now + 2_500, 2)]);
    await job.start();

    expect(early.status).toBe(202);
    expect(early.body).toMatchObject({ accepted: 0, pending: 1 });
    const seen: CapturedEvent[] = [];
    await eventually(async () => {
      await drain(capture, seen);
      expect(seen.filter((e) => e.detail.assignmentId === job.assignmentId)).toHaveLength(1);
    });
    const usage = await eventually(async () => {
      const read = await api.call('GET', `/v1/jobs/${job.jobId}/usage`, { key: job.renterKey });
      expect(read.body.records).toMatchObject({ accepted: 1, pending: 0 });
      return read;
    });
    expect(usage.body.gpuSeconds).toBeGreaterThan(0);
  });

  it('names each bad field of each record and refuses more than 100 records', async () => {
    const job = await placedJob();

    const bad = await postUsage(job.host.agentToken, [{ eventId: 'b-1', assignmentId: job.assignmentId, from: '2025-03-10T10:01:00Z', to: '2025-03-10T10:00:00Z', gpuSeconds: -1 }]);
    const many = await postUsage(job.host.agentToken, Array.from({ length: 101 }, (_, i) => record(job.assignmentId, `m-${i}`, 0, 1000)));

    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['records.0.gpuSeconds', 'records.0.to']);
    expect(many.status).toBe(400);
    expect(many.body.error.details[0].field).toBe('records');
  });
});

describe.concurrent('usage reads', { timeout: 120_000 }, () => {
  it('shows the job only to its renter and the host only to its provider', async () => {
    const job = await placedJob();
    await job.start();
    const other = await fundedRenter(api, runtime);

    const foreignJob = await api.call('GET', `/v1/jobs/${job.jobId}/usage`, { key: other.renterKey });
    const hostUsage = await eventually(async () => {
      const read = await api.call('GET', `/v1/hosts/${job.host.hostId}/usage`, { key: job.host.providerKey });
      expect(read.status).toBe(200);
      return read;
    });
    const provider = await newAccount(api, runtime.adminKey, 'provider', 'Other GPUs');
    const foreignHost = await api.call('GET', `/v1/hosts/${job.host.hostId}/usage`, { key: provider.body.apiKey });

    expect(foreignJob.status).toBe(404);
    expect(hostUsage.body.items).toEqual([expect.objectContaining({ assignmentId: job.assignmentId, jobId: job.jobId, pricePerGpuHour: '0.900000' })]);
    expect(foreignHost.status).toBe(404);
  });
});
