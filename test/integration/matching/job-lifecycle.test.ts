import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, captureEvents, eventually, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;

/**
 * How long an offer waits for `accepted`: long enough for the tests that look at an offered assignment
 * (a heartbeat, a sign-off and a read, after the message's delivery) to finish inside it on a busy
 * machine, where 4 s once ran out; short enough for the tests that wait it out.
 */
const ACCEPT_TIMEOUT_SECONDS = 8;

/** How long a job keeps away from a host that failed it: long enough to see it wait, short enough to see it come back. */
const AVOID_SECONDS = 15;

beforeAll(async () => {
  runtime = await startTestRuntime({
    env: {
      ACCEPT_TIMEOUT_SECONDS: String(ACCEPT_TIMEOUT_SECONDS), STOP_GRACE_SECONDS: '2', RESEND_AFTER_SECONDS: '30', CAPACITY_CACHE_SECONDS: '0.5',
      AVOID_FAILED_HOST_SECONDS: String(AVOID_SECONDS), MAX_NOT_ACCEPTED: '5',
    },
    scheduleSeconds: { 'matching-sweep': 1 },
  });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

// Every test has a renter, hosts and a GPU model of its own, so they run at once: most of their time is waiting.
// The two blocks run at once too, seven tests under vitest's limit of five at a time: the longest (issue 15's,
// an accept timeout and then the whole avoidance period) comes first, so it never waits for a slot, and the
// next longest (an accept timeout) leads the other block.
describe.concurrent('a job whose only matching host once failed it (issue 15)', () => {
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

    // The host is offered and free, as the renter sees it: the reason above is the whole truth. The offers show it
    // once their capacity view has heard of the released placement (the runtime's capacity cache), within the avoidance.
    await eventually(async () => {
      const offers = await api.call('GET', '/v1/offers?limit=100', { key: renterKey });
      expect(offers.body.items.map((offer: { hostId: string }) => offer.hostId)).toContain(host.hostId);
    }, AVOID_SECONDS * 1000 / 2);

    // The agent is back: once the avoidance lapses the job comes to it again and runs.
    const again = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === body.jobId && m.assignmentId !== first.assignmentId, 60_000);
    expect(Date.now()).toBeGreaterThanOrEqual(retryAt.getTime());
    expect((await reportEvent(api, host.agentToken, again.assignmentId, 'accepted')).status).toBe(200);
    expect((await reportEvent(api, host.agentToken, again.assignmentId, 'started')).status).toBe(200);
    await waitForStatus(api, renterKey, body.jobId, 'running');
  }, 240_000);
});

describe.concurrent('a job from submit to success', { timeout: 120_000 }, () => {
  it('withdraws an assignment the host does not accept in time and places the job elsewhere', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const facts = (uuid: string) => ({ gpus: [{ name: 'NVIDIA RTX A6000', vramMb: 49140, uuid, index: 0 }] });
    const slow = await offeredHost(api, runtime, renterKey, { ...facts('GPU-slow'), pricePerGpuHour: '0.300000' });
    const fast = await offeredHost(api, runtime, renterKey, { ...facts('GPU-fast'), pricePerGpuHour: '0.400000' });

    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX A6000'] } }) });
    const first = await waitForMessage(api, slow.agentToken, (m) => m.jobId === body.jobId);
    const second = await waitForMessage(api, fast.agentToken, (m) => m.jobId === body.jobId, 20_000);
    const late = await reportEvent(api, slow.agentToken, first.assignmentId, 'accepted');

    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('assignment_withdrawn');
    expect((await reportEvent(api, fast.agentToken, second.assignmentId, 'accepted')).status).toBe(200);
  });

  it('is held, placed, accepted, run and succeeds, with a timeline of every step and the hold released', async () => {
    const ended = await captureEvents(runtime, ['job.ended', 'job.scheduled', 'assignment.started', 'assignment.ended']);
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await offeredHost(api, runtime, renterKey, { gpus: [{ name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: 'GPU-life-1', index: 0 }] });

    const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX 4090'] } }) });
    expect(submitted.status).toBe(202);
    expect(submitted.body).toEqual({ jobId: expect.stringMatching(/^job_/), status: 'queued' });
    const { jobId } = submitted.body;

    const assignment = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === jobId);
    expect(assignment).toMatchObject({ gpuIndices: [0], rank: 0, worldSize: 1, image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime', maxDurationSeconds: 3600 });
    expect((await jobStatus(api, renterKey, jobId)).status).toBe('scheduled');
    const balanceWhileHeld = await api.call('GET', '/v1/billing/balance', { key: renterKey });
    expect(balanceWhileHeld.body.held).toBe('0.900000');

    expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted')).status).toBe(200);
    expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'started')).status).toBe(200);
    const running = await jobStatus(api, renterKey, jobId);
    expect(running).toMatchObject({ status: 'running', startedAt: expect.any(String) });
    expect(running.assignments[0]).toMatchObject({ hostId: host.hostId, state: 'running', pricePerGpuHour: '0.450000', gpus: { count: 1, model: 'RTX 4090' } });
    expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'exited', { exitCode: 0 })).status).toBe(200);

    const done = await waitForStatus(api, renterKey, jobId, 'succeeded');
    expect(done.endedAt).toEqual(expect.any(String));
    const timeline = await api.call('GET', `/v1/jobs/${jobId}/events`, { key: renterKey });
    expect(timeline.body.items.map((entry: { type: string }) => entry.type)).toEqual(['submitted', 'funds_held', 'placed', 'accepted', 'started', 'exited', 'succeeded']);
    await eventually(async () => {
      const balance = await api.call('GET', '/v1/billing/balance', { key: renterKey });
      expect(balance.body).toMatchObject({ held: '0.000000', available: '100.000000' });
    });
    const seen: string[] = [];
    await eventually(async () => {
      seen.push(...(await ended.next()).filter((e) => e.detail.jobId === jobId).map((e) => e['detail-type']));
      expect(seen.sort()).toEqual(['assignment.ended', 'assignment.started', 'job.ended', 'job.scheduled']);
    });
    const hosts = await api.call('GET', `/v1/hosts/${host.hostId}`, { key: host.providerKey });
    await eventually(async () => expect((await api.call('GET', `/v1/hosts/${host.hostId}`, { key: host.providerKey })).body.lastAssignedAt).toEqual(expect.any(String)));
    expect(hosts.status).toBe(200);
  });

  it('tells the heartbeat which assignments are live on the host', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await offeredHost(api, runtime, renterKey, { gpus: [{ name: 'NVIDIA A100-SXM4-80GB', vramMb: 81920, uuid: 'GPU-hb-1', index: 0 }] });
    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['a100 sxm4'] } }) });
    const assignment = await waitForMessage(api, host.agentToken, (m) => m.jobId === body.jobId);

    const beat = await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [] } });
    const signOff = await api.call('POST', '/v1/agent/sign-off', { key: host.agentToken });
    const fetched = await api.call('GET', `/v1/agent/assignments/${assignment.assignmentId}`, { key: host.agentToken });

    expect(beat.body.assignments).toEqual([assignment.assignmentId]);
    expect(signOff.status).toBe(409);
    expect(fetched.body).toMatchObject({ live: true, state: 'offered', message: { assignmentId: assignment.assignmentId, gpuIndices: [0] } });
  });

  it('fails the job with the exit code and stops the other rank of a two-host job', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const gpu = (uuid: string) => ({ gpus: [{ name: 'NVIDIA H100 80GB HBM3', vramMb: 81559, uuid, index: 0 }], publicAddress: `203.0.113.${uuid.length}` });
    const first = await offeredHost(api, runtime, renterKey, gpu('GPU-gang-a'));
    const second = await offeredHost(api, runtime, renterKey, gpu('GPU-gang-bb'));

    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ hosts: 2, gpu: { count: 1, models: ['H100'] }, maxPricePerGpuHour: '1.000000' }) });
    const a = await waitForMessage(api, first.agentToken, (m) => m.jobId === body.jobId);
    const b = await waitForMessage(api, second.agentToken, (m) => m.jobId === body.jobId);
    expect([a.rank, b.rank].sort()).toEqual([0, 1]);
    expect(a.worldSize).toBe(2);
    expect(a.peers.map((peer: { address: string }) => peer.address).sort()).toEqual(['203.0.113.10', '203.0.113.11']);
    for (const [token, message] of [[first.agentToken, a], [second.agentToken, b]] as const) {
      await reportEvent(api, token, message.assignmentId, 'accepted');
      await reportEvent(api, token, message.assignmentId, 'started');
    }

    await reportEvent(api, first.agentToken, a.assignmentId, 'exited', { exitCode: 3 });

    const failed = await waitForStatus(api, renterKey, body.jobId, 'failed');
    expect(failed.statusReason).toBe('exit_code');
    const cancel = await waitForMessage(api, second.agentToken, (m) => m.type === 'cancel' && m.assignmentId === b.assignmentId);
    expect(cancel.jobId).toBe(body.jobId);
    await reportEvent(api, second.agentToken, b.assignmentId, 'stopped');
    expect((await jobStatus(api, renterKey, body.jobId)).assignments.map((x: { state: string }) => x.state).sort()).toEqual(['exited', 'stopped']);
  });

  it('cancels a running job: the host is told to stop, and the lease ends by the grace even if it never confirms', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await offeredHost(api, runtime, renterKey, { gpus: [{ name: 'NVIDIA L40S', vramMb: 46068, uuid: 'GPU-cancel-1', index: 0 }] });
    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['L40S'] } }) });
    const assignment = await waitForMessage(api, host.agentToken, (m) => m.jobId === body.jobId);
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');

    const cancelled = await api.call('POST', `/v1/jobs/${body.jobId}/cancel`, { key: renterKey });

    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe('cancelled');
    await waitForMessage(api, host.agentToken, (m) => m.type === 'cancel' && m.assignmentId === assignment.assignmentId);
    const stopped = await eventually(async () => {
      const job = await jobStatus(api, renterKey, body.jobId);
      expect(job.assignments[0].state).toBe('stopped');
      return job;
    });
    const graceEnd = new Date(stopped.assignments[0].endedAt).getTime();
    expect(graceEnd - new Date(stopped.endedAt).getTime()).toBeLessThanOrEqual(2000);
  });

  it('refuses an agent event for another host\'s assignment', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const owner = await offeredHost(api, runtime, renterKey, { gpus: [{ name: 'NVIDIA T4', vramMb: 15360, uuid: 'GPU-own-1', index: 0 }] });
    const stranger = await offeredHost(api, runtime, renterKey, { gpus: [{ name: 'NVIDIA T4', vramMb: 15360, uuid: 'GPU-own-2', index: 0 }], pricePerGpuHour: '0.800000' });
    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['T4'] } }) });
    const assignment = await waitForMessage(api, owner.agentToken, (m) => m.jobId === body.jobId);

    const attempt = await reportEvent(api, stranger.agentToken, assignment.assignmentId, 'accepted');
    const read = await api.call('GET', `/v1/agent/assignments/${assignment.assignmentId}`, { key: stranger.agentToken });

    expect(attempt.status).toBe(404);
    expect(read.status).toBe(404);
  });
});
