import { describe, expect, it } from 'vitest';
import type { Job } from '#matching/domain/job.ts';
import { newReplicaJob } from '#matching/domain/replica-job.ts';
import { onReplicaHealth } from '#matching/domain/replica-health.ts';
import { MAX_REPLICA_FAILURES, replicaJobId, replicaOfJobId, type Service } from '#matching/domain/service.ts';
import { planService, type HostStatus } from '#matching/domain/service-reconcile.ts';
import { microUsd } from '#platform/money.ts';
import { T0 } from '#test/support/factories.ts';
import { anAssignment, aService, RENTER_ID, SERVICE_ID } from '#test/support/matching-factories.ts';

const body = SERVICE_ID.slice(4);

const slot = (index: number, overrides: Partial<Service['slots'][number]> = {}) => ({
  index,
  generation: 1,
  jobId: replicaJobId(SERVICE_ID, index, overrides.generation ?? 1),
  specRevision: 1,
  restartsInPlace: 0,
  failures: 0,
  ...overrides,
});

/** A replica job of the service in a given state, on host_<index> (provider prov_<index>). */
const replica = (service: Service, index: number, state: 'queued' | 'starting' | 'ready' | 'unhealthy' | 'ended', overrides: { generation?: number; hostId?: string; providerId?: string; reason?: string } = {}): Job => {
  const generation = overrides.generation ?? 1;
  const base = newReplicaJob(service, slot(index, { generation }), T0, 35);
  if (state === 'queued') return { ...base, fundsHeld: true };
  const hostId = overrides.hostId ?? `host_${index}`;
  const assignment = anAssignment({
    assignmentId: `${base.jobId}.a1.r0`,
    hostId,
    providerId: overrides.providerId ?? `prov_${index}`,
    publicAddress: '203.0.113.7',
    ports: [{ name: 'api', containerPort: 8000, protocol: 'http', hostPort: 40000 + index }],
    state: state === 'ended' ? 'exited' : 'running',
    startedAt: T0.toISOString(),
    ...(state === 'ready' ? { health: { state: 'healthy', failures: 0, checkedAt: T0.toISOString() } } : {}),
    ...(state === 'unhealthy' ? { health: { state: 'unhealthy', failures: 3, checkedAt: T0.toISOString() } } : {}),
  });
  if (state === 'ended') return { ...base, status: 'failed', statusReason: overrides.reason ?? 'exit_code', assignments: [assignment] };
  return { ...base, status: 'running', statusReason: null, fundsHeld: true, assignments: [assignment] };
};

const online = (): HostStatus => 'online';
const jobsOf = (...jobs: Job[]) => new Map(jobs.map((job) => [job.jobId, job]));

describe('planService', () => {
  it('makes one slot per replica with deterministic job ids, and again nothing new on a second run', () => {
    const plan = planService(aService(), new Map(), online, T0);
    expect(plan.service.slots.map((s) => s.jobId)).toEqual([0, 1, 2].map((index) => `job_${body}r${index}g1`));
    expect(plan.create.map((s) => s.jobId)).toEqual(plan.service.slots.map((s) => s.jobId));
    expect(replicaOfJobId(plan.service.slots[2]!.jobId)).toEqual({ serviceId: SERVICE_ID, index: 2, generation: 1 });

    // A redelivery before the jobs exist proposes the same ids: the store makes each once.
    const again = planService(plan.service, new Map(), online, T0);
    expect(again.service).toBe(plan.service);
    expect(again.create.map((s) => s.jobId)).toEqual(plan.create.map((s) => s.jobId));
  });

  it('lists only ready replicas as endpoints, and raises the version when the set changes', () => {
    const service = aService({ slots: [slot(0), slot(1), slot(2)] });
    const jobs = jobsOf(replica(service, 0, 'ready'), replica(service, 1, 'starting'), replica(service, 2, 'ready'));
    const plan = planService(service, jobs, online, T0);
    expect(plan.endpointsChanged).toBe(true);
    expect(plan.service.endpointsVersion).toBe(1);
    expect(plan.service.endpoints.map((e) => [e.replica, e.url])).toEqual([[0, 'http://203.0.113.7:40000'], [2, 'http://203.0.113.7:40002']]);
    expect(plan.create).toEqual([]);
    expect(plan.stop).toEqual([]);
    const same = planService(plan.service, jobs, online, T0);
    expect(same.endpointsChanged).toBe(false);
    expect(same.service).toBe(plan.service);
  });

  it('drops a replica whose host stopped answering from the endpoints at once, places a replacement elsewhere, and stops the old one once the replacement is ready', () => {
    const service = aService({ replicas: 2, slots: [slot(0), slot(1)] });
    const jobs = jobsOf(replica(service, 0, 'ready'), replica(service, 1, 'ready'));
    const ready = planService(service, jobs, online, T0).service;
    const unreachable = (hostId: string): HostStatus => (hostId === 'host_1' ? 'unreachable' : 'online');
    const plan = planService(ready, jobs, unreachable, T0);
    expect(plan.service.endpoints.map((e) => e.replica)).toEqual([0]);
    const replacement = plan.service.slots[1]!;
    expect(replacement).toMatchObject({ generation: 2, jobId: `job_${body}r1g2`, excludeHostIds: ['host_1'] });
    expect(plan.create.map((s) => s.jobId)).toEqual([replacement.jobId]);
    expect(plan.stop).toEqual([]); // kept while its host may come back
    expect(plan.service.retiring).toEqual([{ jobId: `job_${body}r1g1`, index: 1, reason: 'host host_1 stopped answering', stopWhenReplaced: true }]);

    const withReplacement = new Map([...jobs, [replacement.jobId, replica(plan.service, 1, 'ready', { generation: 2, hostId: 'host_9' })]]);
    const after = planService(plan.service, withReplacement, unreachable, T0);
    expect(after.stop).toEqual([{ jobId: `job_${body}r1g1`, reason: 'host host_1 stopped answering' }]);
    expect(after.service.endpoints.map((e) => [e.replica, e.hostId])).toEqual([[0, 'host_0'], [1, 'host_9']]);
  });

  it('restarts an unhealthy replica on its host once, then replaces it on another host', () => {
    const service = aService({ replicas: 1, slots: [slot(0)] });
    const first = planService(service, jobsOf(replica(service, 0, 'unhealthy')), online, T0);
    expect(first.service.slots[0]).toMatchObject({ generation: 2, pinHostId: 'host_0', restartsInPlace: 1 });
    expect(first.stop).toEqual([{ jobId: `job_${body}r0g1`, reason: 'unhealthy' }]);

    const restarted = replica(first.service, 0, 'unhealthy', { generation: 2 });
    const second = planService(first.service, jobsOf(restarted), online, T0);
    const moved = second.service.slots[0]!;
    expect(moved).toMatchObject({ generation: 3, restartsInPlace: 0, excludeHostIds: ['host_0'] });
    expect(moved.pinHostId).toBeUndefined();
    expect(second.stop).toEqual([{ jobId: `job_${body}r0g2`, reason: 'unhealthy' }]);
  });

  it('scales up and down: new slots are made, slots past the count are stopped', () => {
    const service = aService({ slots: [slot(0), slot(1), slot(2)] });
    const jobs = jobsOf(replica(service, 0, 'ready'), replica(service, 1, 'ready'), replica(service, 2, 'ready'));
    const up = planService({ ...service, replicas: 5 }, jobs, online, T0);
    expect(up.create.map((s) => s.index)).toEqual([3, 4]);
    const down = planService({ ...service, replicas: 2 }, jobs, online, T0);
    expect(down.service.slots.map((s) => s.index)).toEqual([0, 1]);
    expect(down.stop).toEqual([{ jobId: `job_${body}r2g1`, reason: 'scaled down' }]);
    expect(down.service.endpoints.map((e) => e.replica)).toEqual([0, 1]);
  });

  it('rolls an update one replica at a time, only while every replica is ready', () => {
    const service = aService({ specRevision: 2, slots: [slot(0), slot(1), slot(2)] });
    const ready = jobsOf(replica(service, 0, 'ready'), replica(service, 1, 'ready'), replica(service, 2, 'ready'));
    const first = planService(service, ready, online, T0);
    expect(first.stop).toEqual([{ jobId: `job_${body}r0g1`, reason: 'rolling update to revision 2' }]);
    expect(first.service.slots.map((s) => s.specRevision)).toEqual([2, 1, 1]);
    expect(first.service.endpoints.map((e) => e.replica)).toEqual([1, 2]);

    // While the new replica 0 starts, nothing else is rolled: 2 of 3 stay ready.
    // The old replica 0 was cancelled (a cancel ends the job at once; its lease ends on the agent's stop).
    const cancelled = { ...replica(service, 0, 'ended'), status: 'cancelled' as const, statusReason: 'stopped by its service: rolling update to revision 2' };
    const starting = new Map([...ready, [cancelled.jobId, cancelled], [first.service.slots[0]!.jobId, replica(first.service, 0, 'starting', { generation: 2 })]]);
    const waiting = planService(first.service, starting, online, T0);
    expect(waiting.stop).toEqual([]);
    expect(waiting.create).toEqual([]);

    expect(waiting.service.retiring).toEqual([]);
    const readyAgain = new Map([...ready, [first.service.slots[0]!.jobId, replica(first.service, 0, 'ready', { generation: 2 })]]);
    const second = planService(waiting.service, readyAgain, online, T0);
    expect(second.stop).toEqual([{ jobId: `job_${body}r1g1`, reason: 'rolling update to revision 2' }]);
  });

  it('gives a crash-looping slot up after a bounded number of replacements and says why', () => {
    let service = aService({ replicas: 2, slots: [slot(0), slot(1)] });
    const healthy = replica(service, 1, 'ready');
    const made: string[] = [];
    for (let generation = 1; generation <= MAX_REPLICA_FAILURES; generation += 1) {
      const plan = planService(service, jobsOf(replica(service, 0, 'ended', { generation, hostId: `host_${generation}` }), healthy), online, T0);
      made.push(...plan.create.map((s) => s.jobId));
      service = plan.service;
    }
    expect(made).toHaveLength(MAX_REPLICA_FAILURES - 1);
    expect(service.slots[0]!.gaveUp).toMatch(new RegExp(`failed ${MAX_REPLICA_FAILURES} times in a row`));
    // Its replacements avoided every host it failed on.
    expect(service.slots[0]!.excludeHostIds).toEqual(['host_1', 'host_2', 'host_3', 'host_4']);
    expect(service.status).toBe('active');
    expect(service.statusReason).toMatch(/^crash_loop: replica 0 failed 5 times in a row without becoming ready \(last: exit_code on host_5\)/);
    expect(service.endpoints.map((e) => e.replica)).toEqual([1]);
    // When every slot gave up, the service fails.
    const alone = planService({ ...service, replicas: 1, slots: [service.slots[0]!] }, jobsOf(replica(service, 0, 'ended', { generation: 5 })), online, T0);
    expect(alone.service.status).toBe('failed');
  });

  it('replaces a preempted replica without counting it toward the crash-loop limit or avoiding its host', () => {
    let service = aService({ replicas: 1, slots: [slot(0)] });
    for (let generation = 1; generation <= MAX_REPLICA_FAILURES + 1; generation += 1) {
      const preempted: Job = { ...replica(service, 0, 'ended', { generation }), status: 'preempted', statusReason: 'preempted' };
      const plan = planService(service, jobsOf(preempted), online, T0);
      expect(plan.create.map((s) => s.jobId)).toEqual([replicaJobId(SERVICE_ID, 0, generation + 1)]);
      service = plan.service;
    }
    expect(service.slots[0]!.failures).toBe(0);
    expect(service.slots[0]!.excludeHostIds ?? []).toEqual([]);
    expect(service.slots[0]!.gaveUp).toBeUndefined();
    expect(service.statusReason).toBeNull();
  });

  it('stops the whole service when a replica ran out of funds', () => {
    const service = aService({ slots: [slot(0), slot(1), slot(2)] });
    const jobs = jobsOf(replica(service, 0, 'ready'), replica(service, 1, 'ended', { reason: 'insufficient_funds' }), replica(service, 2, 'ready'));
    const plan = planService(service, jobs, online, T0);
    expect(plan.service.status).toBe('stopping');
    expect(plan.service.statusReason).toMatch(/^insufficient_funds/);
    expect(plan.stop.map((s) => s.jobId).sort()).toEqual([`job_${body}r0g1`, `job_${body}r2g1`]);
    expect(plan.service.endpoints).toEqual([]);
    expect(plan.create).toEqual([]);
    const stoppedJobs = jobsOf(...[0, 1, 2].map((index) => replica(service, index, 'ended', { reason: 'cancelled' })));
    expect(planService(plan.service, stoppedJobs, online, T0).service.status).toBe('failed');
  });

  it('with spread providers makes a job only while no other replica waits to be placed, excluding the providers the others run on', () => {
    const service = aService({ spread: 'providers' });
    const first = planService(service, new Map(), online, T0);
    expect(first.create.map((s) => s.index)).toEqual([0]);
    const placed = jobsOf(replica(first.service, 0, 'starting', { providerId: 'prov_a' }));
    const second = planService(first.service, placed, online, T0);
    expect(second.create.map((s) => [s.index, s.excludeProviderIds])).toEqual([[1, ['prov_a']]]);
    expect(planService(second.service, placed, online, T0).create.map((s) => s.index)).toEqual([1]);
  });

  it('does nothing to a stopped service', () => {
    const service = aService({ status: 'stopped' });
    expect(planService(service, new Map(), online, T0)).toEqual({ service, create: [], stop: [], endpointsChanged: false });
  });
});

describe('onReplicaHealth', () => {
  it('keeps the report on the live assignment and notes only changes of state', () => {
    const service = aService({ slots: [slot(0)] });
    const job = replica(service, 0, 'starting');
    const assignmentId = job.assignments[0]!.assignmentId;
    const healthy = onReplicaHealth(job, assignmentId, { state: 'healthy', failures: 0, statusCode: 200 }, T0);
    expect(healthy.job.assignments[0]!.health).toEqual({ state: 'healthy', failures: 0, statusCode: 200, checkedAt: T0.toISOString() });
    expect(healthy.timeline.map((entry) => entry.type)).toEqual(['health_healthy']);
    expect(onReplicaHealth(healthy.job, assignmentId, { state: 'healthy', failures: 0 }, T0).timeline).toEqual([]);
    const other = onReplicaHealth(job, 'job_x.a1.r0', { state: 'unhealthy', failures: 3 }, T0);
    expect(other.job).toBe(job);
  });
});
