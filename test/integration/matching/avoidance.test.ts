import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';

const AVOID_SECONDS = 15;
let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({
    env: { ACCEPT_TIMEOUT_SECONDS: '2', AVOID_FAILED_HOST_SECONDS: String(AVOID_SECONDS), MAX_NOT_ACCEPTED: '5', RESEND_AFTER_SECONDS: '30', CAPACITY_CACHE_SECONDS: '0.5' },
    scheduleSeconds: { 'matching-sweep': 1 },
  });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

describe('a job whose only matching host once failed it (issue 15)', () => {
  it('says so while it waits, with when the host is tried again, and is placed there again after that', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await offeredHost(api, runtime, renterKey, { gpus: [{ name: 'NVIDIA L4', vramMb: 23034, uuid: 'GPU-avoid-1', index: 0 }] });
    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['L4'] } }) });

    // The agent was away: the first offer is never accepted, and the job is re-queued avoiding the host.
    const first = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === body.jobId, 60_000);
    const waiting = await eventually(async () => {
      const job = await jobStatus(api, renterKey, body.jobId);
      expect(job.status).toBe('queued');
      expect(job.statusReason).toMatch(new RegExp(`^the only matching hosts failed this job \\(${host.hostId}\\); retrying them at `));
      return job;
    }, 60_000);
    const retryAt = new Date(String(waiting.statusReason).split('retrying them at ')[1] ?? '');
    expect(retryAt.getTime()).toBeGreaterThan(Date.now() - AVOID_SECONDS * 1000);

    // The host is offered and free, as the renter sees it: the reason above is the whole truth.
    const offers = await api.call('GET', '/v1/offers?limit=100', { key: renterKey });
    expect(offers.body.items.map((offer: { hostId: string }) => offer.hostId)).toContain(host.hostId);

    // The agent is back: once the avoidance lapses the job comes to it again and runs.
    const again = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === body.jobId && m.assignmentId !== first.assignmentId, 60_000);
    expect(Date.now()).toBeGreaterThanOrEqual(retryAt.getTime());
    expect((await reportEvent(api, host.agentToken, again.assignmentId, 'accepted')).status).toBe(200);
    expect((await reportEvent(api, host.agentToken, again.assignmentId, 'started')).status).toBe(200);
    await waitForStatus(api, renterKey, body.jobId, 'running');
  }, 240_000);
});
