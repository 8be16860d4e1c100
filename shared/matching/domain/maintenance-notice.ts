import type { CapacityWindow } from './capacity.ts';
import { isFinal, isLive, type Job } from './job.ts';
import { unchanged, type Outcome } from './outcome.ts';

/** What the renter of a job running on a host is told when the host's provider schedules maintenance. */
export interface MaintenanceNotice {
  readonly hostId: string;
  readonly assignmentIds: readonly string[];
  readonly window: CapacityWindow;
}

/** A job remembers this many told windows: far more than a host can hold ahead (20) over a job's life. */
const MAX_NOTICED = 50;

/**
 * A host the job has live work on announced maintenance windows: each window not yet ended
 * and not yet told goes on the job's timeline and out to its renter (`host.maintenance_scheduled`),
 * once: the told window ids stay on the job, so a redelivered host snapshot adds nothing.
 */
export const onHostMaintenance = (job: Job, hostId: string, windows: readonly CapacityWindow[], now: Date): Outcome => {
  if (isFinal(job.status)) return unchanged(job);
  const live = job.assignments.filter((assignment) => isLive(assignment) && assignment.hostId === hostId);
  if (live.length === 0) return unchanged(job);
  const told = new Set(job.maintenanceNoticed ?? []);
  const fresh = windows.filter((window) => !told.has(window.windowId) && Date.parse(window.endsAt) > now.getTime());
  if (fresh.length === 0) return unchanged(job);
  const at = now.toISOString();
  return {
    ...unchanged(job),
    job: { ...job, maintenanceNoticed: [...(job.maintenanceNoticed ?? []), ...fresh.map((window) => window.windowId)].slice(-MAX_NOTICED) },
    timeline: fresh.map((window) => ({
      at,
      type: 'host_maintenance_scheduled',
      message: `host ${hostId} has ${window.category} maintenance scheduled from ${window.startsAt} to ${window.endsAt}${window.note ? ` (${window.note})` : ''}: work still running then will stop`,
      data: { hostId, windowId: window.windowId, startsAt: window.startsAt, endsAt: window.endsAt, category: window.category },
    })),
    maintenanceNotices: fresh.map((window) => ({ hostId, assignmentIds: live.map((assignment) => assignment.assignmentId), window })),
  };
};
