import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Detail } from '#events/define.ts';
import { events } from '#events/index.ts';
import { recordUsage } from '#metering/use-cases/record-usage.ts';
import { trackLeases } from '#metering/use-cases/track-leases.ts';
import { T0, at, sampleDetail } from '#test/support/factories.ts';
import { inMemoryMetering } from '../fakes.ts';

const base = sampleDetail('assignmentStarted') as Detail<typeof events.assignmentStarted>;
const iso = (seconds: number) => at(T0, seconds).toISOString();

const report = fc.record({
  eventId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
  from: fc.integer({ min: -200, max: 1_000 }),
  length: fc.integer({ min: 1, max: 400 }),
  gpuSeconds: fc.double({ min: 0, max: 5_000, noNaN: true }),
});

describe('usage properties', () => {
  it('never accepts more than the GPUs times the lease (and its skew allowance), and replays never count twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 900 }),
        fc.integer({ min: 0, max: 10 }),
        fc.array(fc.array(report, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (gpuCount, leaseSeconds, skew, batches, usageFirst) => {
          const { deps, state, advance } = inMemoryMetering(at(T0, 1_500), { clockSkewSeconds: skew });
          const ended = { ...base, gpuCount, leaseEnd: iso(leaseSeconds), reason: 'exited' } as Detail<typeof events.assignmentEnded>;
          if (!usageFirst) await trackLeases({ kind: 'ended', detail: ended }, deps);
          for (const batch of [...batches, ...batches]) {
            await recordUsage(base.hostId, batch.map((r) => ({ eventId: r.eventId, assignmentId: 'asg_1', from: iso(r.from), to: iso(r.from + r.length), gpuSeconds: r.gpuSeconds })), deps);
            advance(60);
          }
          if (usageFirst) await trackLeases({ kind: 'ended', detail: ended }, deps);

          const records = state.outbox.flatMap((event) => event.detail.records as { usageRecordId: string; gpuSeconds: number }[]);
          const accepted = records.reduce((sum, record) => sum + Math.round(record.gpuSeconds * 1000), 0);
          const distinctEvents = new Set(batches.flat().map((r) => r.eventId)).size;
          expect(accepted).toBeLessThanOrEqual(gpuCount * (leaseSeconds + 2 * skew) * 1000);
          expect(records.length).toBeLessThanOrEqual(distinctEvents);
          expect(new Set(records.map((record) => record.usageRecordId)).size).toBe(records.length);
          expect(state.summaries.get('asg_1')?.gpuMs ?? 0).toBe(accepted);
          expect([...state.hours.values()].reduce((sum, hour) => sum + hour.gpuMs, 0)).toBe(accepted);
          expect(state.pending.size).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
