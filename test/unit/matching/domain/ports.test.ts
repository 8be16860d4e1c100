import { describe, expect, it } from 'vitest';
import { freePorts, portsFree, release, reserve } from '#matching/domain/capacity.ts';
import { heldBy, isInteractive, requirementsOf } from '#matching/domain/job.ts';
import { candidateOn, place, type PlacedHost } from '#matching/domain/placement.ts';
import { PoolIndex } from '#matching/domain/pool-index.ts';
import { assignPorts, endpointOf, freeHostPorts, portEnvSuffix } from '#matching/domain/ports.ts';
import { onAgentEvent, onPlaced } from '#matching/domain/transitions.ts';
import { aCapacity, aFundedJob, aJobSpec, gpus, requirements } from '#test/support/matching-factories.ts';
import { T0 } from '#test/support/factories.ts';

const ranged = (overrides: Parameters<typeof aCapacity>[0] = {}) =>
  aCapacity({ publicAddress: '203.0.113.7', portRange: { from: 40000, to: 40002 }, gpus: gpus(4), ...overrides });

describe('freeHostPorts', () => {
  it('hands out the lowest ports of the range that nobody holds', () => {
    expect(freeHostPorts({ from: 40000, to: 40005 }, [40000, 40002], 3)).toEqual([40001, 40003, 40004]);
  });

  it('gives fewer than asked when the range runs out, and none without a range', () => {
    expect(freeHostPorts({ from: 40000, to: 40001 }, [40001], 2)).toEqual([40000]);
    expect(freeHostPorts(undefined, [], 2)).toEqual([]);
  });
});

describe('host ports in the capacity item', () => {
  it('reserves ports with the GPUs and frees them with the assignment', () => {
    const host = reserve(ranged(), 'job_a.a1.r0', { jobId: 'job_a', gpuIndices: [0], hostPorts: [40000, 40001] });

    expect(freePorts(host, 3)).toEqual([40002]);
    expect(freePorts(release(host, 'job_a.a1.r0'), 3)).toEqual([40000, 40001, 40002]);
  });

  it('refuses a port another assignment holds, or one outside the range', () => {
    const host = reserve(ranged(), 'job_a.a1.r0', { jobId: 'job_a', gpuIndices: [0], hostPorts: [40000] });

    expect(() => reserve(host, 'job_b.a1.r0', { jobId: 'job_b', gpuIndices: [1], hostPorts: [40000] })).toThrow('ports 40000 of host_a are not free');
    expect(portsFree(host, [40003])).toBe(false);
    expect(portsFree(aCapacity(), [40000])).toBe(false);
    expect(portsFree(host, [40001, 40001])).toBe(false);
    expect(portsFree(host, [40001, 40002])).toBe(true);
  });
});

describe('placing jobs with ports', () => {
  it('places them only on hosts with a public address and enough free ports in their range', () => {
    const wants = requirements({ ports: 2 });

    expect(candidateOn(ranged(), wants)?.hostPorts).toEqual([40000, 40001]);
    expect(candidateOn(aCapacity(), wants)).toBeUndefined();
    expect(candidateOn(ranged({ publicAddress: undefined }), wants)).toBeUndefined();
    const full = reserve(ranged(), 'job_a.a1.r0', { jobId: 'job_a', gpuIndices: [0], hostPorts: [40000, 40002] });
    expect(candidateOn(full, wants)).toBeUndefined();
    expect(candidateOn(full, requirements({ ports: 1 }))?.hostPorts).toEqual([40001]);
  });

  it('says in the queue reason that the job needs free public ports', () => {
    const full = reserve(ranged({ portRange: { from: 40000, to: 40000 } }), 'job_a.a1.r0', { jobId: 'job_a', gpuIndices: [0], hostPorts: [40000] });

    const placement = place(requirements({ ports: 1 }), [full]);

    expect(placement).toEqual({ kind: 'unplaceable', reason: expect.stringContaining('1 free public port(s) in its port range') });
  });

  it('skips a cheaper host whose range is full in the pool index', () => {
    const index = new PoolIndex();
    index.upsert(reserve(ranged({ hostId: 'host_cheap', portRange: { from: 40000, to: 40000 } }), 'job_a.a1.r0', { jobId: 'job_a', gpuIndices: [0], hostPorts: [40000] }));
    index.upsert(ranged({ hostId: 'host_dear', pricePerGpuHour: 800_000 as never }));

    const placement = index.place(requirements({ ports: 1 }));

    expect(placement.kind === 'placed' && placement.hosts.map((host) => [host.hostId, host.hostPorts])).toEqual([['host_dear', [40000]]]);
  });

  it('gives each assignment its declared ports with the reserved host ports, carried to the agent and held with the GPUs', () => {
    const job = aFundedJob({ spec: aJobSpec({ command: undefined, ports: [{ name: 'jupyter', containerPort: 8888, protocol: 'http' }, { containerPort: 22, protocol: 'tcp' }] }) });
    const [host] = (place(requirementsOf(job), [ranged()]) as unknown as { hosts: PlacedHost[] }).hosts;

    const outcome = onPlaced(job, [host!], T0);

    const assignment = outcome.job.assignments[0]!;
    expect(assignment.ports).toEqual([
      { name: 'jupyter', containerPort: 8888, protocol: 'http', hostPort: 40000 },
      { containerPort: 22, protocol: 'tcp', hostPort: 40001 },
    ]);
    expect(outcome.send[0]!.message).toMatchObject({ ports: assignment.ports });
    expect(heldBy(job.jobId, assignment)).toEqual({ jobId: job.jobId, gpuIndices: [0], hostPorts: [40000, 40001] });
    expect(isInteractive(job.spec)).toBe(true);
  });
});

describe('readiness', () => {
  const running = () => {
    const job = aFundedJob({ spec: aJobSpec({ ports: [{ containerPort: 8888, protocol: 'http' }, { containerPort: 22, protocol: 'tcp' }] }) });
    const placed = onPlaced(job, [{ ...(place(requirementsOf(job), [ranged()]) as unknown as { hosts: PlacedHost[] }).hosts[0]! }], T0).job;
    return { job: placed, assignmentId: placed.assignments[0]!.assignmentId };
  };

  it('records the ports the agent saw answer, with `started` and with later repeats, ignoring ports not its own', () => {
    const { job, assignmentId } = running();
    const started = onAgentEvent(job, assignmentId, { type: 'started', readyPorts: [40001, 50000] }, T0);
    const afterStart = started.kind === 'applied' ? started.outcome.job : job;
    expect(afterStart.assignments[0]).toMatchObject({ state: 'running', readyPorts: [40001] });

    const again = onAgentEvent(afterStart, assignmentId, { type: 'started', readyPorts: [40000] }, new Date(T0.getTime() + 5000));
    const later = again.kind === 'applied' ? again.outcome.job : afterStart;
    expect(later.assignments[0]).toMatchObject({ startedAt: T0.toISOString(), readyPorts: [40000, 40001] });
    expect(again.kind === 'applied' && again.outcome.started).toEqual([]);
  });
});

describe('endpoints and port env', () => {
  it('shows host:port, a URL for http ports, and brackets an IPv6 address', () => {
    expect(endpointOf('203.0.113.7', { containerPort: 8888, protocol: 'http', hostPort: 40000 })).toEqual({ address: '203.0.113.7:40000', url: 'http://203.0.113.7:40000' });
    expect(endpointOf('2001:db8::1', { containerPort: 22, protocol: 'tcp', hostPort: 40001 })).toEqual({ address: '[2001:db8::1]:40001', url: null });
  });

  it('names a port variable after the port name, else its container port', () => {
    expect(portEnvSuffix({ name: 'web-ui', containerPort: 8080, protocol: 'http' })).toBe('WEB_UI');
    expect(portEnvSuffix({ containerPort: 22, protocol: 'tcp' })).toBe('22');
  });

  it('pairs declared ports with host ports in order', () => {
    expect(assignPorts([{ containerPort: 22, protocol: 'tcp' }], [40005])).toEqual([{ containerPort: 22, protocol: 'tcp', hostPort: 40005 }]);
    expect(() => assignPorts([{ containerPort: 22, protocol: 'tcp' }], [])).toThrow(/no host port/);
  });
});
