import type { MicroUsd } from '#platform/money.ts';
import type { Outcome } from '../domain/transitions.ts';
import { unchanged } from '../domain/transitions.ts';
import { applyToJob } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';

/**
 * Billing charged usage: the job shows its cost so far. Charges can arrive out of order and
 * twice, and each carries the running total, so the highest total seen wins.
 */
export const recordCost = async (jobId: string, jobCost: MicroUsd, deps: MatchingDeps): Promise<void> => {
  if (!(await deps.jobs.get(jobId))) return;
  await applyToJob(jobId, (job): Outcome => (jobCost > job.cost ? { ...unchanged(job), job: { ...job, cost: jobCost } } : unchanged(job)), deps);
};
