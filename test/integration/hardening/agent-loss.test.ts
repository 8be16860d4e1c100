import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, minuteSchedulesEvery, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, reportEvent, waitForMessage } from '#test/support/marketplace.ts';

const UNREACHABLE_AFTER = 2;
const OFFLINE_AFTER = 4;
const SWEEP_EVERY = 1;
/** Metering's clock-skew allowance (default), applied at both ends of a lease. */
const SKEW_SECONDS = 5;

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({
    env: {
      UNREACHABLE_AFTER_SECONDS: String(UNREACHABLE_AFTER), OFFLINE_AFTER_SECONDS: String(OFFLINE_AFTER),
      CAPACITY_CACHE_SECONDS: '0.5', STOP_GRACE_SECONDS: '2',
    },
    scheduleSeconds: minuteSchedulesEvery(SWEEP_EVERY),
  });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const usageOf = async (renterKey: string, jobId: string) => (await api.call('GET', `/v1/jobs/${jobId}/usage`, { key: renterKey })).body.assignments[0];

describe('an agent killed mid-job', () => {
  it('fails its job within the sweep\'s bound, and billing stops where the platform last saw the host', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await onboardHost(api, runtime.adminKey, { gpus: [{ name: 'NVIDIA A100-SXM4-80GB', vramMb: 81920, uuid: 'GPU-killed', index: 0 }], pricePerGpuHour: '1.800000' });
    // Alive, the agent heartbeats on its own from registration on: without it a slow machine
    // would see the host lost (thresholds of seconds) before it is offered or its job starts.
    let running: string[] = [];
    const beat = () => api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: running } });
    let beating = beat();
    const heartbeats = setInterval(() => { beating = beating.then(beat, beat); }, 500);
    await eventually(async () => {
      const offers = await api.call('GET', '/v1/offers?limit=100', { key: renterKey });
      expect(offers.body.items.map((offer: { hostId: string }) => offer.hostId)).toContain(host.hostId);
    }, 30_000);
    const { body: job } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['A100'] }, restartPolicy: 'never', maxPricePerGpuHour: '2.000000' }) });
    const assignment = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === job.jobId);
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
    running = [assignment.assignmentId];
    const leaseStart = await eventually(async () => {
      const usage = await usageOf(renterKey, job.jobId);
      expect(usage?.leaseStart).toEqual(expect.any(String));
      return new Date(usage.leaseStart as string).getTime();
    });

    // The agent meters and heartbeats for a while, then dies: nothing more arrives from it.
    let cursor = leaseStart;
    const meterOnce = async () => {
      const to = Date.now();
      const record = { eventId: `alive-${to}`, assignmentId: assignment.assignmentId, from: new Date(cursor).toISOString(), to: new Date(to).toISOString(), gpuSeconds: (to - cursor) / 1000 };
      cursor = to;
      expect((await beat()).status).toBe(200);
      expect((await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records: [record] } })).body.accepted).toBe(1);
    };
    for (let beat = 0; beat < 3; beat += 1) {
      await eventually(async () => expect(Date.now()).toBeGreaterThan(cursor + 500));
      await meterOnce();
    }
    clearInterval(heartbeats);
    await beating;
    const diedAt = Date.now();

    // Failed (restart policy never) within offline threshold + one sweep + slack for the events to travel.
    const bound = (OFFLINE_AFTER + 2 * SWEEP_EVERY + 4) * 1000;
    const failed = await eventually(async () => {
      const current = (await api.call('GET', `/v1/jobs/${job.jobId}`, { key: renterKey })).body;
      expect(current.status).toBe('failed');
      return current;
    }, bound + 5_000);
    expect(failed.statusReason).toBe('host_lost');
    expect(new Date(failed.endedAt).getTime() - diedAt).toBeLessThanOrEqual(bound);

    // The lease ended at the last sign of life, not when the platform noticed: the last
    // heartbeat or usage received while it was open, whichever came later (ARCHITECTURE.md, Trust).
    const ended = await eventually(async () => {
      const usage = await usageOf(renterKey, job.jobId);
      expect(usage.leaseEnd).toEqual(expect.any(String));
      return usage;
    });
    const leaseEnd = new Date(ended.leaseEnd as string).getTime();
    expect(leaseEnd).toBeLessThanOrEqual(diedAt + 100);
    expect(leaseEnd).toBeGreaterThan(leaseStart);

    // A zombie agent claiming the time since: billed at most up to the clock-skew allowance
    // past the lease's end (ARCHITECTURE.md, Trust), and not a millisecond after it.
    await eventually(async () => expect(Date.now()).toBeGreaterThan(leaseEnd + (SKEW_SECONDS + 1) * 1000), 15_000);
    const now = Date.now();
    const zombie = (eventId: string, from: number) =>
      api.call('POST', '/v1/agent/usage', {
        key: host.agentToken,
        body: { records: [{ eventId, assignmentId: assignment.assignmentId, from: new Date(from).toISOString(), to: new Date(now).toISOString(), gpuSeconds: (now - from) / 1000 }] },
      });
    const beyond = await zombie('zombie-beyond', leaseEnd + SKEW_SECONDS * 1000 + 500);
    expect(beyond.status).toBe(202);
    expect(beyond.body.rejected).toEqual([expect.objectContaining({ eventId: 'zombie-beyond', reason: 'outside_lease' })]);
    const since = await zombie('zombie-since', leaseEnd);
    expect(since.status).toBe(202);
    expect(since.body.records[0].gpuSeconds ?? 0).toBeLessThanOrEqual(SKEW_SECONDS);
    const billed = await usageOf(renterKey, job.jobId);
    expect(billed.gpuSeconds).toBeLessThanOrEqual((leaseEnd - leaseStart) / 1000 + SKEW_SECONDS);
    await eventually(async () => expect((await api.call('GET', '/v1/billing/balance', { key: renterKey })).body.held).toBe('0.000000'));
  }, 120_000);
});
