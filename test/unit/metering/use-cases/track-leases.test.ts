import { describe, expect, it } from 'vitest';
import type { Detail } from '#events/define.ts';
import { events } from '#events/index.ts';
import { trackLeases } from '#metering/use-cases/track-leases.ts';
import { T0, sampleDetail } from '#test/support/factories.ts';
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
