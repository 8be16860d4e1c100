import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, keepHostAlive, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;

// Liveness and queue timings in seconds, so host loss and expiry happen within a test. Unreachable after 5 s of
// silence, not 2: with the machine busy beside another run, heartbeats every 500 ms fell 2 s behind, the host went
// unreachable before its job was placed, and two tests failed (2026-12-06; 18 s for the file quiet, against 11).
// The queue timeout applies to every job here, and counts from the submit: at 3 s, a job beside another run was
// still waiting for its hold when the sweep expired it (2026-12-07). At 15 s it is as long as a test waits for a
// placement (`waitForMessage`), so only the expiry test's job, which no host can take, runs into it.
beforeAll(async () => {
  runtime = await startTestRuntime({
    env: { UNREACHABLE_AFTER_SECONDS: '5', OFFLINE_AFTER_SECONDS: '10', QUEUE_TIMEOUT_SECONDS: '15', CAPACITY_CACHE_SECONDS: '0.5', STOP_GRACE_SECONDS: '2' },
    scheduleSeconds: { 'registry-liveness-sweep': 1, 'matching-sweep': 1 },
  });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

/** Waits until matching offers the host (its projection caught up). */
const offered = (renterKey: string, hostId: string) =>
  eventually(async () => {
    const offers = await api.call('GET', '/v1/offers?limit=100', { key: renterKey });
    expect(offers.body.items.map((offer: { hostId: string }) => offer.hostId)).toContain(hostId);
  });

/** A registered host that heartbeats until `stop()` and that matching already offers. */
const liveHost = async (renterKey: string, facts: Record<string, unknown>) => {
  const host = await onboardHost(api, runtime.adminKey, facts);
  const stop = keepHostAlive(api, host.agentToken);
  await offered(renterKey, host.hostId);
  return { ...host, stop };
};

const runningOn = async (renterKey: string, host: { agentToken: string }, body: Record<string, unknown>) => {
  const { body: submitted } = await api.call('POST', '/v1/jobs', { key: renterKey, body });
  const assignment = await waitForMessage(api, host.agentToken, (m) => m.jobId === submitted.jobId);
  await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
  await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
  return { jobId: submitted.jobId as string, assignment };
};

// Each test has its own renter, hosts and GPU model, so they run at once: most of their time is waiting on liveness.
describe.concurrent('when things go wrong', { timeout: 120_000 }, () => {
  it('keeps work on an unreachable host, then re-queues the job elsewhere once the host is offline', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const facts = (uuid: string, price: string) => ({ gpus: [{ name: 'NVIDIA RTX 6000 Ada Generation', vramMb: 49140, uuid, index: 0 }], pricePerGpuHour: price });
    const doomed = await liveHost(renterKey, facts('GPU-doomed', '0.300000'));
    const stopDoomed = doomed.stop;
    const { jobId, assignment } = await runningOn(renterKey, doomed, jobBody({ gpu: { count: 1, models: ['RTX 6000 Ada Generation'] } }));
    // A second host joins only now, so the job can only have started on the first.
    const spare = await liveHost(renterKey, facts('GPU-spare', '0.400000'));
    const stopSpare = spare.stop;
    try {
      // From here on the first host falls silent.
      stopDoomed();
      const replacement = await waitForMessage(api, spare.agentToken, (m) => m.jobId === jobId, 20_000);
      // Unreachable first (nothing stopped), lost only once offline.
      const timeline = (await api.call('GET', `/v1/jobs/${jobId}/events`, { key: renterKey })).body.items.map((e: { type: string }) => e.type);
      expect(timeline.indexOf('host_unreachable')).toBeGreaterThan(timeline.indexOf('started'));
      expect(timeline.indexOf('host_lost')).toBeGreaterThan(timeline.indexOf('host_unreachable'));

      const job = await jobStatus(api, renterKey, jobId);
      expect(replacement.assignmentId).not.toBe(assignment.assignmentId);
      expect(job.status).toBe('scheduled');
      expect(job.assignments.find((a: { hostId: string }) => a.hostId === doomed.hostId).state).toBe('lost');
    } finally {
      stopSpare();
      stopDoomed();
    }
  });

  it('fails a job with host_lost when its restart policy is never', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await liveHost(renterKey, { gpus: [{ name: 'NVIDIA A10G', vramMb: 23028, uuid: 'GPU-never', index: 0 }] });
    const stopHost = host.stop;

    const { jobId, assignment } = await runningOn(renterKey, host, jobBody({ gpu: { count: 1, models: ['A10G'] }, restartPolicy: 'never' }));
    stopHost();

    const failed = await waitForStatus(api, renterKey, jobId, 'failed', 20_000);
    expect(failed.statusReason).toBe('host_lost');
    const lost = failed.assignments.find((a: { assignmentId: string }) => a.assignmentId === assignment.assignmentId);
    expect(lost.state).toBe('lost');
    // The lease ends at the last sign of life, not when the platform noticed.
    expect(new Date(lost.endedAt).getTime()).toBeLessThan(new Date(failed.endedAt).getTime() - 1000);
  });

  it('re-queues a job once when its host cannot start it, then fails it with start_failed', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const facts = (uuid: string, price: string) => ({ gpus: [{ name: 'NVIDIA V100-SXM2-16GB', vramMb: 16384, uuid, index: 0 }], pricePerGpuHour: price });
    const first = await liveHost(renterKey, facts('GPU-sf-1', '0.100000'));
    const second = await liveHost(renterKey, facts('GPU-sf-2', '0.110000'));
    const stops = [first.stop, second.stop];
    try {
      const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['V100'] } }) });
      const one = await waitForMessage(api, first.agentToken, (m) => m.jobId === body.jobId);
      await reportEvent(api, first.agentToken, one.assignmentId, 'accepted');
      await reportEvent(api, first.agentToken, one.assignmentId, 'failed', { message: 'image pull failed' });
      const two = await waitForMessage(api, second.agentToken, (m) => m.jobId === body.jobId);
      await reportEvent(api, second.agentToken, two.assignmentId, 'accepted');
      await reportEvent(api, second.agentToken, two.assignmentId, 'failed', { message: 'image pull failed' });

      const failed = await waitForStatus(api, renterKey, body.jobId, 'failed');
      expect(failed.statusReason).toBe('start_failed');
    } finally {
      stops.forEach((stop) => stop());
    }
  });

  it('expires a job that stays queued past the queue timeout, and releases its hold', async () => {
    const { renterKey } = await fundedRenter(api, runtime);

    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['MI300X'] } }) });

    const expired = await waitForStatus(api, renterKey, body.jobId, 'expired', 60_000);
    expect(expired.statusReason).toBe('expired');
    await eventually(async () => expect((await api.call('GET', '/v1/billing/balance', { key: renterKey })).body.held).toBe('0.000000'));
  });
});
