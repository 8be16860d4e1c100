import type { Job } from '../domain/job.ts';
import { groupOfPool, groupsServedBy, placeGroupOf } from '../domain/place-groups.ts';
import type { Pool } from '../domain/pool-index.ts';
import type { PoolNudge } from '../ports.ts';
import type { MatchingDeps } from './deps.ts';
import { fundsHeld } from './funds.ts';
import { placeQueuedJobs } from './place-jobs.ts';
import { MAX_BATCH_JOBS } from './place-batch.ts';

/**
 * How matching wakes up (issue 14, docs/throughput.md "Pool nudges"): `funds.held` and capacity
 * changes become nudges on the `matching-pools` FIFO queue, one message group per placement
 * group, and the group's consumer places them (`placeNudgedGroup`). Where no pools queue is
 * configured (unit tests, the benchmarks), a capacity change places the queue's head at once.
 */

/** `funds.held` -> a nudge in the job's group; a job this context never wrote goes to a group by its id (the consumer ignores it). */
export const nudgesForFundsHeld = async (held: readonly { readonly jobId: string; readonly eventId: string }[], deps: Pick<MatchingDeps, 'jobs'>): Promise<PoolNudge[]> =>
  Promise.all(
    held.map(async ({ jobId, eventId }) => {
      const job = await deps.jobs.get(jobId);
      const group = job ? placeGroupOf(job.spec) : groupOfPool(jobId);
      return { group, jobId, deduplicationId: eventId };
    }),
  );

/**
 * `assignment.ended` -> nudges of the groups its freed GPUs serve (the assignment's model and
 * region, read from the job) and of the job's own group if it went back in the queue. The
 * event is published after the commit that freed the GPUs, so the nudge never overtakes it.
 */
export const nudgesForAssignmentEnded = async (
  ended: { readonly jobId: string; readonly assignmentId: string; readonly gpuModel: string; readonly eventId: string },
  deps: Pick<MatchingDeps, 'jobs'>,
): Promise<PoolNudge[]> => {
  const job = await deps.jobs.get(ended.jobId);
  const assignment = job?.assignments.find((candidate) => candidate.assignmentId === ended.assignmentId);
  if (!job || !assignment) return [];
  return nudgesForCapacity({ pools: [{ model: assignment.gpuModel, region: assignment.region }], requeued: [job], cause: ended.eventId });
};

/** What a capacity change may let run: the groups its pools serve, and the groups of the jobs it put back in the queue. */
export interface CapacityChange {
  readonly pools: readonly Pool[];
  readonly requeued: readonly Job[];
  /** The change's own id (its event, its assignment's end): nudges of the same change are deduplicated. */
  readonly cause: string;
}

export const nudgesForCapacity = (change: CapacityChange): PoolNudge[] => {
  const groups = new Set([
    ...change.pools.flatMap(groupsServedBy),
    ...change.requeued.filter((job) => job.status === 'queued' && job.fundsHeld).map((job) => placeGroupOf(job.spec)),
  ]);
  return [...groups].map((group) => ({ group, deduplicationId: `${change.cause}#${group}` }));
};

/**
 * Wakes the matcher after a capacity change: nudges the groups it concerns, or, without a
 * pools queue, places the head of the whole queue as before. A nudge SQS did not take is
 * left to the minute sweep, as a lost event would be: the capacity write it follows is durable.
 */
export const wakeMatcher = async (change: CapacityChange, deps: MatchingDeps, limit = 100): Promise<void> => {
  if (!deps.pools) {
    await placeQueuedJobs(deps, limit);
    return;
  }
  const nudges = nudgesForCapacity(change);
  if (nudges.length === 0) return;
  // What SQS did not take the adapter logs; the sweep places it.
  await deps.pools.nudge(nudges);
};

/**
 * One placement group's nudges, in order: each funded job is made placeable and placed
 * (`fundsHeld`, one transaction on the fast path), then, if capacity changed, the group's head
 * is placed in batches (`placeBatch`). A nudge delivered twice changes nothing: a placed job is
 * no longer queued, and the head holds only jobs still waiting.
 */
export const placeNudgedGroup = async (group: number, nudges: readonly Pick<PoolNudge, 'jobId'>[], deps: MatchingDeps): Promise<{ placedHead: number }> => {
  for (const { jobId } of nudges) if (jobId) await fundsHeld(jobId, deps);
  if (!nudges.some((nudge) => !nudge.jobId)) return { placedHead: 0 };
  const { placed } = await placeQueuedJobs(deps, MAX_BATCH_JOBS, group);
  return { placedHead: placed };
};
