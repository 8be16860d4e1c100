import { describe, expect, it } from 'vitest';
import type { Detail } from '#events/define.ts';
import { events } from '#events/index.ts';
import { recordUsage } from '#metering/use-cases/record-usage.ts';
import { trackLeases } from '#metering/use-cases/track-leases.ts';
import { T0, at, sampleDetail } from '#test/support/factories.ts';
import { inMemoryMetering } from '../fakes.ts';

const started = sampleDetail('assignmentStarted') as Detail<typeof events.assignmentStarted>;
const ended = { ...(sampleDetail('assignmentEnded') as Detail<typeof events.assignmentEnded>), leaseEnd: new Date(T0.getTime() + 60_000).toISOString() };
const pendingRecord = { eventId: 'e1', assignmentId: 'asg_1', from: T0.toISOString(), to: at(T0, 60).toISOString(), gpuSeconds: 60 };

describe('trackLeases', () => {
  it('creates the lease from assignment.started alone, with every fact the lease needs', async () => {
    const { deps, state } = inMemoryMetering(T0);

    await trackLeases({ kind: 'started', detail: started }, deps);

    expect(state.leases.get('asg_1')).toMatchObject({
      assignmentId: 'asg_1', jobId: started.jobId, renterId: started.renterId, providerId: started.providerId,
      hostId: started.hostId, gpuCount: started.gpuCount, gpuModel: started.gpuModel, leaseStart: T0.toISOString(), ended: false,
    });
  });

  it('keeps both the start and the end when ended arrives before started, and again on redelivery', async () => {
    const { deps, state } = inMemoryMetering(T0);

    await trackLeases({ kind: 'ended', detail: ended }, deps);
    await trackLeases({ kind: 'started', detail: started }, deps);
    await trackLeases({ kind: 'ended', detail: ended }, deps);

    expect(state.leases.get('asg_1')).toMatchObject({ leaseStart: T0.toISOString(), leaseEnd: ended.leaseEnd, endReason: 'exited', ended: true });
  });

  it('judges usage that waited with no lease at all once the assignment starts', async () => {
    const { deps, state } = inMemoryMetering(at(T0, 120));
    await recordUsage(started.hostId, [pendingRecord], deps);
    expect(state.leases.has('asg_1')).toBe(false);
    expect(state.pending.size).toBe(1);

    const { judged } = await trackLeases({ kind: 'started', detail: started }, deps);

    expect(judged).toBe(1);
    expect(state.usage.get(`asg_1#e1#${started.hostId}`)).toMatchObject({ status: 'accepted' });
    expect(state.pending.size).toBe(0);
  });

  it('refuses, once the assignment starts, usage another host sent before it', async () => {
    const { deps, state } = inMemoryMetering(at(T0, 120));
    await recordUsage('host_stranger', [pendingRecord], deps);

    await trackLeases({ kind: 'started', detail: started }, deps);

    expect(state.usage.get('asg_1#e1#host_stranger')).toMatchObject({ status: 'rejected', reason: 'not_your_assignment' });
    expect(state.pending.size).toBe(0);
  });
});
