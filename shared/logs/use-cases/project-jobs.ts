import type { Detail } from '#events/define.ts';
import type { events } from '#events/index.ts';
import { addSeconds } from '#platform/clock.ts';
import type { LogsDeps } from './deps.ts';

export type JobEvent =
  | { readonly kind: 'submitted'; readonly detail: Detail<typeof events.jobSubmitted> }
  | { readonly kind: 'scheduled'; readonly detail: Detail<typeof events.jobScheduled> }
  | { readonly kind: 'ended'; readonly detail: Detail<typeof events.jobEnded> };

/**
 * The logs context's own copy of who may read a job's logs and which host may write them:
 * `job.submitted` makes the job known to its renter (an empty log), `job.scheduled` adds its
 * assignments with their hosts, `job.ended` makes a follower's `complete` possible (with when it was heard of). Every
 * write is an idempotent upsert, so repeats and any order converge.
 */
export const projectJobEvent = async (event: JobEvent, deps: Pick<LogsDeps, 'projection' | 'settings' | 'clock'>): Promise<void> => {
  const { detail } = event;
  if (event.kind === 'submitted') return deps.projection.jobSeen(detail.jobId, detail.renterId);
  if (event.kind === 'scheduled') {
    const { assignments } = event.detail;
    return deps.projection.assignmentsScheduled(
      detail.jobId,
      detail.renterId,
      assignments.map(({ assignmentId, hostId, rank }) => ({ assignmentId, hostId, rank })),
    );
  }
  const expiresAt = addSeconds(new Date(detail.occurredAt), deps.settings.retentionDays * 86_400);
  return deps.projection.jobEnded(detail.jobId, detail.renterId, detail.occurredAt, deps.clock.now().toISOString(), expiresAt);
};

/** `job.scheduled` events of one SQS batch together (issue 14): one write for all their jobs and assignments. */
export const projectScheduledJobs = async (scheduled: readonly Detail<typeof events.jobScheduled>[], deps: Pick<LogsDeps, 'projection'>): Promise<void> =>
  deps.projection.assignmentsScheduledMany(
    scheduled.map(({ jobId, renterId, assignments }) => ({ jobId, renterId, assignments: assignments.map(({ assignmentId, hostId, rank }) => ({ assignmentId, hostId, rank })) })),
  );
