import { newEvent, type DomainEvent } from '#events/define.ts';
import { event as hostMaintenanceScheduled } from '#events/matching/host-maintenance-scheduled.ts';
import { event as assignmentEnded } from '#events/matching/assignment-ended.ts';
import { event as assignmentStarted } from '#events/matching/assignment-started.ts';
import { event as assignmentStopping } from '#events/matching/assignment-stopping.ts';
import { event as jobEnded } from '#events/matching/job-ended.ts';
import { event as jobScheduled } from '#events/matching/job-scheduled.ts';
import type { Assignment, Job } from '../domain/job.ts';
import { billableUntil, DEFAULT_STOP_GRACE_SECONDS } from '../domain/lease-deadline.ts';
import type { Outcome } from '../domain/outcome.ts';

const lease = (job: Job, assignment: Assignment, stopGraceSeconds: number) => {
  const until = billableUntil(job, assignment, stopGraceSeconds);
  return {
  assignmentId: assignment.assignmentId,
  jobId: job.jobId,
  renterId: job.renterId,
  hostId: assignment.hostId,
  providerId: assignment.providerId,
  gpuCount: assignment.gpuIndices.length,
  gpuModel: assignment.gpuModel,
  pricePerGpuHour: assignment.pricePerGpuHour,
  ...(assignment.startedAt ? { leaseStart: assignment.startedAt } : {}),
  ...(assignment.startedAt && assignment.endedAt ? { leaseEnd: assignment.endedAt } : {}),
  ...(assignment.endReason ? { reason: assignment.endReason } : {}),
  ...(until ? { billableUntil: until } : {}),
  };
};

/** The events a transition announces, in the catalogue's words. */
export const eventsOf = (outcome: Outcome, now: Date, stopGraceSeconds = DEFAULT_STOP_GRACE_SECONDS): DomainEvent[] => {
  const { job } = outcome;
  const events: DomainEvent[] = [];
  if (outcome.scheduled.length > 0) {
    events.push(
      newEvent(
        jobScheduled,
        {
          jobId: job.jobId,
          renterId: job.renterId,
          assignments: outcome.scheduled.map((a) => ({
            assignmentId: a.assignmentId,
            hostId: a.hostId,
            providerId: a.providerId,
            gpuIndices: [...a.gpuIndices],
            gpuModel: a.gpuModel,
            pricePerGpuHour: a.pricePerGpuHour,
            rank: a.rank,
          })),
        },
        now,
      ),
    );
  }
  for (const assignment of outcome.started) events.push(newEvent(assignmentStarted, lease(job, assignment, stopGraceSeconds), now));
  for (const assignment of outcome.stopping ?? []) {
    const stopped = lease(job, assignment, stopGraceSeconds);
    // `stop` always sets the request time, so the deadline is known.
    if (assignment.stopRequestedAt && stopped.billableUntil) {
      events.push(newEvent(assignmentStopping, { ...stopped, ...(assignment.stopReason ? { reason: assignment.stopReason } : {}), stopRequestedAt: assignment.stopRequestedAt, billableUntil: stopped.billableUntil }, now));
    }
  }
  for (const assignment of outcome.ended) events.push(newEvent(assignmentEnded, lease(job, assignment, stopGraceSeconds), now));
  for (const notice of outcome.maintenanceNotices ?? []) {
    events.push(newEvent(hostMaintenanceScheduled, { renterId: job.renterId, jobId: job.jobId, hostId: notice.hostId, assignmentIds: [...notice.assignmentIds], window: notice.window }, now));
  }
  if (outcome.jobEnded) events.push(newEvent(jobEnded, { jobId: job.jobId, renterId: job.renterId, ...outcome.jobEnded }, now));
  return events;
};
