import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freeGpuIndices } from '#matching/domain/capacity.ts';
import { currentAssignments, isLive, type Job } from '#matching/domain/job.ts';
import type { HostMessage } from '#matching/domain/messages.ts';
import { placeBatch } from '#matching/use-cases/place-batch.ts';
import { T0 } from '#test/support/factories.ts';
import { aCapacity, aFundedJob, aJob, aJobSpec, gpus } from '#test/support/matching-factories.ts';
import { MemoryTable, memoryMatcher } from '#test/support/memory-matching-table.ts';

const clock = { now: () => new Date(T0.getTime() + 60_000) };

const matcher = (table: MemoryTable, sent: HostMessage[]) => memoryMatcher(table, sent, clock);

const POOLS = [
  { model: 'H100 80GB HBM3', region: 'eu-west' },
  { model: 'H100 80GB HBM3', region: 'us-east' },
  { model: 'RTX 4090', region: 'eu-west' },
] as const;

const scenario = fc.record({
  hosts: fc.array(fc.record({ pool: fc.integer({ min: 0, max: 2 }), gpuCount: fc.integer({ min: 1, max: 4 }), address: fc.boolean() }), { minLength: 1, maxLength: 8 }),
  jobs: fc.array(
    fc.record({ pool: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }), gpuCount: fc.integer({ min: 1, max: 3 }), hosts: fc.constantFrom(1, 1, 2), funded: fc.boolean() }),
    { minLength: 1, maxLength: 16 },
  ),
  // Each step: some matchers each place a batch at once; a batch may repeat or reorder jobs (duplicate, late messages).
  steps: fc.array(
    fc.record({
      batches: fc.array(fc.record({ matcher: fc.integer({ min: 0, max: 2 }), picks: fc.array(fc.nat(), { maxLength: 12 }) }), { minLength: 1, maxLength: 3 }),
      crash: fc.constantFrom(undefined, undefined, undefined, 'before' as const, 'after' as const),
    }),
    { minLength: 1, maxLength: 5 },
  ),
});

describe('placeBatch through generated interleavings (properties)', { timeout: 120_000 }, () => {
  it('never holds a GPU twice, places a gang whole or not at all, and places only funded jobs', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ hosts, jobs, steps }) => {
        const table = new MemoryTable();
        hosts.forEach((params, n) => {
          const pool = POOLS[params.pool]!;
          const host = aCapacity({ hostId: `host_${n}`, gpus: gpus(params.gpuCount, pool.model), region: pool.region, revision: 1, ...(params.address ? { publicAddress: `10.0.0.${n}` } : {}) });
          table.hosts.set(host.hostId, host);
        });
        jobs.forEach((params, n) => {
          const pool = params.pool === undefined ? undefined : POOLS[params.pool];
          const spec = aJobSpec({ hosts: params.hosts, gpu: { count: params.gpuCount, ...(pool ? { models: [pool.model] } : {}) }, ...(pool ? { regions: [pool.region] } : {}) });
          const job = (params.funded ? aFundedJob : aJob)({ jobId: `job_${String(n).padStart(4, '0')}`, spec });
          table.jobs.set(job.jobId, job);
        });
        const sent: HostMessage[] = [];
        const matchers = [0, 1, 2].map(() => matcher(table, sent));
        for (const step of steps) {
          table.crash = step.crash;
          // Messages carry the job as it was when read: stale and repeated copies included.
          const snapshot = [...table.jobs.values()];
          await Promise.all(
            step.batches.map(async ({ matcher: index, picks }) => {
              const batch = picks.map((pick) => snapshot[pick % snapshot.length]!);
              try {
                await placeBatch(batch, matchers[index]!);
              } catch (error) {
                if (!/^crashed/.test((error as Error).message)) throw error;
                // The process died mid-batch: a new container starts with a cold index.
                matchers[index] = matcher(table, sent);
              }
            }),
          );
        }

        const jobsNow = [...table.jobs.values()];
        for (const host of table.hosts.values()) {
          const held = Object.values(host.live).flatMap((assignment) => assignment.gpuIndices);
          expect(new Set(held).size).toBe(held.length);
          expect(freeGpuIndices(host).length + held.length).toBe(host.gpus.length);
        }
        for (const job of jobsNow) {
          const live = currentAssignments(job).filter(isLive);
          if (job.status === 'queued') {
            expect(live).toHaveLength(0);
            continue;
          }
          expect(job.fundsHeld).toBe(true);
          expect(live).toHaveLength(job.spec.hosts);
          for (const assignment of live) {
            expect(table.hosts.get(assignment.hostId)?.live[assignment.assignmentId]).toEqual({ jobId: job.jobId, gpuIndices: assignment.gpuIndices });
          }
        }
        // Every reservation on a host belongs to a job that shows it: nothing held for nobody.
        for (const host of table.hosts.values()) {
          for (const [assignmentId, held] of Object.entries(host.live)) {
            const owner = table.jobs.get(held.jobId);
            expect(currentAssignments(owner!).some((assignment) => assignment.assignmentId === assignmentId && isLive(assignment))).toBe(true);
          }
        }
        // Each assignment message went out once per committed placement, never for an uncommitted one.
        const offered = new Set(jobsNow.flatMap((job) => job.assignments.map((assignment) => assignment.assignmentId)));
        for (const message of sent) expect(offered.has((message.message as { assignmentId: string }).assignmentId)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
