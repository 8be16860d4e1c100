import { describe, expect, it } from 'vitest';
import type { Job } from '#matching/domain/job.ts';
import type { HostMessage } from '#matching/domain/messages.ts';
import { sweepJobs } from '#matching/use-cases/sweep-jobs.ts';
import { T0 } from '#test/support/factories.ts';
import { aCapacity, aFundedJob, aJob } from '#test/support/matching-factories.ts';
import { MemoryTable, memoryMatcher } from '#test/support/memory-matching-table.ts';

/** The in-memory table, counting what the sweep reads beyond its listing of the work index. */
class CountingTable extends MemoryTable {
  readonly reads: string[] = [];
  placeableListings = 0;

  override async get(jobId: string): Promise<Job | undefined> {
    this.reads.push(jobId);
    return super.get(jobId);
  }

  override async listPlaceable(limit: number): Promise<readonly Job[]> {
    this.placeableListings += 1;
    return super.listPlaceable(limit);
  }
}

const clock = { now: () => new Date(T0.getTime() + 60_000) };

describe('sweepJobs', () => {
  it('reads again and changes only the jobs with something due, and places the queued jobs it listed without listing the queue again', async () => {
    const table = new CountingTable();
    table.hosts.set('host_0', aCapacity({ hostId: 'host_0', revision: 1 }));
    for (const job of [
      aJob({ jobId: 'job_quiet' }),
      // Queued for longer than the default queue timeout (a day).
      aJob({ jobId: 'job_expired', createdAt: new Date(T0.getTime() - 25 * 3600_000).toISOString() }),
      aFundedJob({ jobId: 'job_queued' }),
    ]) table.jobs.set(job.jobId, job);
    const sent: HostMessage[] = [];

    const result = await sweepJobs(memoryMatcher(table, sent, clock));

    expect(result).toEqual({ changed: 1, placed: 1, waiting: 0 });
    expect(table.reads).toEqual(['job_expired']);
    expect(table.placeableListings).toBe(0);
    expect(Object.fromEntries([...table.jobs.values()].map((job) => [job.jobId, job.status]))).toEqual({
      job_quiet: 'queued',
      job_expired: 'expired',
      job_queued: 'scheduled',
    });
    expect(sent.map((message) => message.hostId)).toEqual(['host_0']);
  });
});
