import { describe, expect, it } from 'vitest';
import type { Detail } from '#events/define.ts';
import { events } from '#events/index.ts';
import { expireStalePending } from '#metering/use-cases/expire-pending.ts';
import { recordUsage } from '#metering/use-cases/record-usage.ts';
import { T0, at, sampleDetail } from '#test/support/factories.ts';
import { inMemoryMetering } from '../fakes.ts';

const started = sampleDetail('assignmentStarted') as Detail<typeof events.assignmentStarted>;
const hostId = started.hostId;
const record = (eventId: string, assignmentId: string) => ({ eventId, assignmentId, from: at(T0, 0).toISOString(), to: at(T0, 60).toISOString(), gpuSeconds: 60 });

describe('expireStalePending', () => {
  it('rejects records whose lease never arrived within the bound, counts them, and bills nothing', async () => {
    const metering = inMemoryMetering(at(T0, 60));
    await recordUsage(hostId, [record('e1', 'asg_ghost'), record('e2', 'asg_ghost')], metering.deps);
    metering.advance(86_401);

    const result = await expireStalePending(metering.deps);

    expect(result).toEqual({ expired: 2, judged: 0, conflicts: 0 });
    expect(metering.state.pending.size).toBe(0);
    expect(metering.state.summaries.get('asg_ghost')).toMatchObject({ rejectedRecords: 2, reportedGpuMs: 120_000, acceptedRecords: 0 });
    expect(metering.state.outbox).toEqual([]);
    const resent = await recordUsage(hostId, [record('e1', 'asg_ghost')], metering.deps);
    expect(resent.outcomes[0]).toMatchObject({ status: 'duplicate', original: 'rejected', reason: 'lease_never_arrived' });
  });

  it('leaves records that have not waited long enough', async () => {
    const metering = inMemoryMetering(at(T0, 60));
    await recordUsage(hostId, [record('e1', 'asg_ghost')], metering.deps);
    metering.advance(3_600);

    expect(await expireStalePending(metering.deps)).toEqual({ expired: 0, judged: 0, conflicts: 0 });
    expect(metering.state.pending.size).toBe(1);
  });

  it('judges as usual the records whose lease did arrive but whose wake-up was missed', async () => {
    const metering = inMemoryMetering(at(T0, 60));
    await recordUsage(hostId, [record('e1', started.assignmentId)], metering.deps);
    // The lease arrives without the consumer's wake-up (as if it crashed in between).
    await metering.deps.leases.observe({ ...started, pricePerGpuHour: started.pricePerGpuHour as never, ended: false });
    metering.advance(86_401);

    const result = await expireStalePending(metering.deps);

    expect(result).toEqual({ expired: 0, judged: 1, conflicts: 0 });
    expect(metering.state.outbox.map((event) => event.detailType)).toEqual(['usage.chunk_recorded']);
    expect(metering.state.outbox[0]?.detail.records).toHaveLength(1);
  });
});
