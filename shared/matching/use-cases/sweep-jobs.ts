import type { Job } from '../domain/job.ts';
import { isNoop } from '../domain/outcome.ts';
import { onSweep } from '../domain/transitions.ts';
import { applyToJob } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';
import { placeJobs } from './place-jobs.ts';
import { reconcileAllServices } from './reconcile-service.ts';

/** Queued jobs one sweep places at most, oldest first. */
const SWEEP_PLACE_LIMIT = 1000;

/**
 * The scheduled matching sweep, so that a lost event never strands a job. Steps: for every
 * active job, apply the time-driven rules (queue expiry, acceptance timeout, max duration,
 * stop grace, resends); then place what is queued of the jobs it listed, oldest first. The
 * work index is read once: a job is read again (and changed) only where its listed copy has
 * something due, so a sweep with nothing due costs the index's queries and no more; a job
 * whose change the index did not show yet is swept on the next run.
 */
export const sweepJobs = async (deps: MatchingDeps): Promise<{ changed: number; placed: number; waiting: number }> => {
  const due = (job: Job, now: Date) => onSweep(job, now, deps.settings);
  let changed = 0;
  const queued: Job[] = [];
  for (const listed of await deps.jobs.listActive()) {
    let job = listed;
    if (!isNoop(due(listed, deps.clock.now()), listed)) {
      const outcome = await applyToJob(listed.jobId, due, deps);
      if (outcome) {
        changed += 1;
        job = outcome.job;
      }
    }
    if (job.status === 'queued' && job.fundsHeld) queued.push(job);
  }
  const oldestFirst = queued.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, SWEEP_PLACE_LIMIT);
  const { placed, waiting } = await placeJobs(oldestFirst, deps);
  // Inference services: whatever an event missed (docs/services.md).
  if (deps.services) await reconcileAllServices(deps);
  return { changed, placed, waiting };
};
