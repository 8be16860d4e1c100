import { describe, expect, it } from 'vitest';
import type { Detail } from '#events/define.ts';
import { events } from '#events/index.ts';
import type { LeaseStore } from '#metering/ports.ts';
import { recordUsage } from '#metering/use-cases/record-usage.ts';
import { trackLeases, trackLeasesBatch } from '#metering/use-cases/track-leases.ts';
import { T0, at, sampleDetail } from '#test/support/factories.ts';
import { inMemoryMetering } from '../fakes.ts';

const scheduled = sampleDetail('jobScheduled') as Detail<typeof events.jobScheduled>;
const started = sampleDetail('assignmentStarted') as Detail<typeof events.assignmentStarted>;
const ended = { ...(sampleDetail('assignmentEnded') as Detail<typeof events.assignmentEnded>), leaseEnd: new Date(T0.getTime() + 60_000).toISOString() };

describe('trackLeases', () => {
  it('creates a lease shell per assignment of job.scheduled, with its GPU count from the indices', async () => {
    const { deps, state } = inMemoryMetering(T0);

    await trackLeases({ kind: 'scheduled', detail: scheduled }, deps);

    expect(state.leases.get('asg_1')).toEqual({
      assignmentId: 'asg_1', jobId: 'job_1', renterId: 'acct_renter000000001', providerId: scheduled.assignments[0]?.providerId,
      hostId: scheduled.assignments[0]?.hostId, gpuCount: 1, gpuModel: 'RTX 4090', pricePerGpuHour: 450_000, ended: false,
    });
  });

  it('keeps both the start and the end when ended arrives before started, and again on redelivery', async () => {
    const { deps, state } = inMemoryMetering(T0);

    await trackLeases({ kind: 'ended', detail: ended }, deps);
    await trackLeases({ kind: 'started', detail: started }, deps);
    await trackLeases({ kind: 'scheduled', detail: scheduled }, deps);
    await trackLeases({ kind: 'ended', detail: ended }, deps);

    expect(state.leases.get('asg_1')).toMatchObject({ leaseStart: T0.toISOString(), leaseEnd: ended.leaseEnd, endReason: 'exited', ended: true });
  });
});

describe('trackLeasesBatch', () => {
  const pendingRecord = { eventId: 'e1', assignmentId: 'asg_1', from: T0.toISOString(), to: at(T0, 60).toISOString(), gpuSeconds: 60 };
  /** The metering fakes with the lease port's reads counted (a read back is what `observeAll` adds to `mergeAll`). */
  const counted = (now: Date) => {
    const metering = inMemoryMetering(now);
    const calls: string[] = [];
    const leases: LeaseStore = {
      observe: (seen) => metering.deps.leases.observe(seen),
      observeAll: (seen) => { calls.push('observeAll'); return metering.deps.leases.observeAll(seen); },
      mergeAll: (seen) => { calls.push('mergeAll'); return metering.deps.leases.mergeAll(seen); },
    };
    return { ...metering, deps: { ...metering.deps, leases }, calls };
  };

  it('writes a batch of job.scheduled shells without reading the leases back', async () => {
    const { deps, state, calls } = counted(T0);

    const result = await trackLeasesBatch([{ kind: 'scheduled', detail: scheduled }, { kind: 'scheduled', detail: scheduled }], deps);

    expect(calls).toEqual(['mergeAll']);
    expect(result).toEqual({ leases: [], judged: 0 });
    expect(state.leases.get('asg_1')).toMatchObject({ assignmentId: 'asg_1', jobId: 'job_1', ended: false });
  });

  it('leaves a lease that started first, and the usage it judged, as they were', async () => {
    const { deps, state } = counted(at(T0, 120));
    await recordUsage(started.hostId, [pendingRecord], deps);
    const { judged } = await trackLeases({ kind: 'started', detail: started }, deps);

    const late = await trackLeasesBatch([{ kind: 'scheduled', detail: scheduled }], deps);

    expect(judged).toBe(1);
    expect(late.judged).toBe(0);
    expect(state.leases.get('asg_1')).toMatchObject({ leaseStart: T0.toISOString(), ended: false });
    expect(state.usage.get(`asg_1#e1#${started.hostId}`)).toMatchObject({ status: 'accepted' });
    expect(state.pending.size).toBe(0);
  });

  it('reads back and judges waiting usage when the batch holds a start', async () => {
    const { deps, state, calls } = counted(at(T0, 120));
    await recordUsage(started.hostId, [pendingRecord], deps);

    const result = await trackLeasesBatch([{ kind: 'scheduled', detail: scheduled }, { kind: 'started', detail: started }], deps);

    expect(calls).toEqual(['observeAll']);
    expect(result.judged).toBe(1);
    expect(state.pending.size).toBe(0);
  });
});
