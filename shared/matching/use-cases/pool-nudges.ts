import type { Job } from '../domain/job.ts';
import { groupOfPool, groupsServedBy, placeGroupOf } from '../domain/place-groups.ts';
import type { Pool } from '../domain/pool-index.ts';
import type { PoolNudge } from '../ports.ts';
import type { MatchingDeps } from './deps.ts';
import { placeQueuedJobs } from './place-jobs.ts';
import { MAX_BATCH_JOBS } from './place-batch.ts';

/**
 * How matching wakes up on capacity (issue 14, docs/pool-nudges.md): capacity changes become
 * nudges on the `matching-pools` FIFO queue, one message group per placement group, and the
 * group's consumer places that group's head (`placeNudgedGroup`). Where no pools queue is
 * configured (unit tests, the benchmarks), a capacity change places the queue's head at once.
 * (`funds.held` places its own job at once, in funds.ts.)
 */

/**
 * `assignment.ended` -> nudges of the groups its freed GPUs serve (the assignment's model and
 * region, read from the job) and of the job's own group if it went back in the queue. The
 * event is published after the commit that freed the GPUs, so the nudge never overtakes it.
 * A nudge SQS did not take fails the event, which comes back; without a pools queue, the
 * queue's head is placed at once.
 */
export const gpusFreed = async (ended: { readonly jobId: string; readonly assignmentId: string; readonly eventId: string }, deps: MatchingDeps): Promise<void> => {
  const job = await deps.jobs.get(ended.jobId);
  const assignment = job?.assignments.find((candidate) => candidate.assignmentId === ended.assignmentId);
  if (!job || !assignment) return;
  const change = { pools: [{ model: assignment.gpuModel, region: assignment.region }], requeued: [job], cause: ended.eventId };
  if (!deps.pools) {
    await placeQueuedJobs(deps);
    return;
  }
  const lost = await deps.pools.nudge(nudgesForCapacity(change));
  if (lost.length > 0) throw new Error(`${lost.length} pool nudge(s) not taken: the event comes back`);
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
 * A placement group's nudges (however many arrived together): its head is placed once, in
 * batches (`placeBatch`), on capacity read again whatever its age: a nudge follows a write that
 * may be younger than the cache. A nudge delivered twice changes nothing: the head holds only
 * jobs still waiting.
 */
export const placeNudgedGroup = async (group: number, deps: MatchingDeps): Promise<{ placedHead: number }> => {
  const { placed } = await placeQueuedJobs(deps, MAX_BATCH_JOBS, group, 0);
  return { placedHead: placed };
};
