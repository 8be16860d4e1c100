import { addSeconds } from '#platform/clock.ts';
import { requirementsOf, type Job } from './job.ts';
import { placingClearOfMaintenance, type RunSpanSettings } from './maintenance-fit.ts';
import type { Placement, Requirements } from './placement.ts';
import type { MatchingSettings } from './matching-settings.ts';

/** The hosts a job still avoids and until when, or undefined once the avoidance lapsed (or there is none). */
export const activeAvoidance = (
  job: Pick<Job, 'avoidHostIds' | 'avoidSince' | 'queuedAt' | 'createdAt'>,
  now: Date,
  settings: Pick<MatchingSettings, 'avoidFailedHostSeconds'>,
): { readonly hostIds: readonly string[]; readonly until: Date } | undefined => {
  if (!job.avoidHostIds || job.avoidHostIds.length === 0) return undefined;
  // A job re-queued before `avoidSince` existed counts from its re-queue.
  const until = addSeconds(new Date(job.avoidSince ?? job.queuedAt ?? job.createdAt), settings.avoidFailedHostSeconds);
  return now < until ? { hostIds: job.avoidHostIds, until } : undefined;
};

/**
 * Places a queued job, skipping the hosts that failed it while its avoidance lasts. When
 * only those hosts would fit, the reason says so and when they are tried again, instead of
 * claiming no host offers what the job wants.
 */
export const placeAvoiding = (
  job: Job,
  placeAnywhere: (requirements: Requirements, seed: string) => Placement,
  now: Date,
  settings: Pick<MatchingSettings, 'avoidFailedHostSeconds'> & RunSpanSettings,
): Placement => {
  // Never into a maintenance window: a separate predicate, applied to every placement below.
  const place = placingClearOfMaintenance(job, placeAnywhere, now, settings);
  const avoidance = activeAvoidance(job, now, settings);
  const { avoidHostIds: _all, ...requirements } = requirementsOf(job);
  if (!avoidance) return place(requirements, job.jobId);
  const placement = place({ ...requirements, avoidHostIds: avoidance.hostIds }, job.jobId);
  if (placement.kind === 'placed') return placement;
  const withoutAvoidance = place(requirements, job.jobId);
  if (withoutAvoidance.kind === 'unplaceable') return placement;
  const failed = [...new Set(withoutAvoidance.hosts.map((host) => host.hostId).filter((hostId) => avoidance.hostIds.includes(hostId)))];
  return {
    kind: 'unplaceable',
    reason: `the only matching hosts failed this job (${failed.join(', ')}); retrying them at ${avoidance.until.toISOString()}`,
  };
};
