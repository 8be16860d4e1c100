import { onSweep } from '../domain/transitions.ts';
import { applyToJob } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';
import { placeQueuedJobs } from './place-jobs.ts';
import { reconcileAllServices } from './reconcile-service.ts';

/**
 * The scheduled matching sweep, so that a lost event never strands a job. Steps: for every
 * active job, apply the time-driven rules (queue expiry, acceptance timeout, max duration,
 * stop grace, resends); then place what is queued.
 */
export const sweepJobs = async (deps: MatchingDeps): Promise<{ changed: number; placed: number; waiting: number }> => {
  let changed = 0;
  for (const job of await deps.jobs.listActive()) {
    if (await applyToJob(job.jobId, (current, now) => onSweep(current, now, deps.settings), deps)) changed += 1;
  }
  const { placed, waiting } = await placeQueuedJobs(deps, 1000);
  // Inference services: whatever an event missed (docs/services.md).
  if (deps.services) await reconcileAllServices(deps);
  return { changed, placed, waiting };
};
