import { NotFoundError } from '#platform/errors.ts';
import type { Page } from '#platform/pagination.ts';
import type { Job } from '../domain/job.ts';
import { onCancel } from '../domain/transitions.ts';
import { type TimelineEntry } from '../domain/outcome.ts';
import { applyToJob } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';

/** A renter sees only their own jobs: another renter's job is simply not found. */
export const getOwnJob = async (renterId: string, jobId: string, deps: MatchingDeps): Promise<Job> => {
  const job = await deps.jobs.get(jobId);
  if (!job || job.renterId !== renterId) throw new NotFoundError('No such job.');
  return job;
};

export const listJobs = (renterId: string, query: { status?: string; limit: number; cursor?: string }, deps: MatchingDeps): Promise<Page<Job>> =>
  deps.jobs.listByRenter(renterId, query);

export const jobTimeline = async (renterId: string, jobId: string, page: { limit: number; cursor?: string }, deps: MatchingDeps): Promise<Page<TimelineEntry>> => {
  await getOwnJob(renterId, jobId, deps);
  return deps.jobs.timeline(jobId, page.limit, page.cursor);
};

/** Cancels a job: a queued one ends at once, a placed one's hosts get a cancel each. */
export const cancelJob = async (renterId: string, jobId: string, deps: MatchingDeps): Promise<Job> => {
  await getOwnJob(renterId, jobId, deps);
  const outcome = await applyToJob(jobId, (job, now) => onCancel(job, now), deps);
  return outcome?.job ?? (await getOwnJob(renterId, jobId, deps));
};
