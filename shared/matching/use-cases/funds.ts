import { onFundsHeld, onFundsRefused } from '../domain/transitions.ts';
import { applyToJob } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';
import { placeJob } from './place-jobs.ts';

/**
 * Billing held the job's funds: the job becomes placeable, and the matcher tries it at once.
 * A job this context never wrote is not its concern (billing publishes for any job id it
 * is given); `job.submitted` is only published once the job is stored, so none is early.
 */
export const fundsHeld = async (jobId: string, deps: MatchingDeps): Promise<void> => {
  if (!(await deps.jobs.get(jobId))) return;
  await applyToJob(jobId, (job, now) => onFundsHeld(job, now), deps);
  const job = await deps.jobs.get(jobId);
  if (job) await placeJob(job, deps);
};

/** Billing refused the hold: the job fails with `insufficient_funds`. */
export const fundsRefused = async (jobId: string, available: number, deps: MatchingDeps): Promise<void> => {
  if (!(await deps.jobs.get(jobId))) return;
  await applyToJob(jobId, (job, now) => onFundsRefused(job, now, available), deps);
};
