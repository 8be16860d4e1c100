import { isLive, type Job } from './job.ts';
import { unchanged, type Outcome } from './outcome.ts';

/**
 * A service replica's health, as its agent checks it (agent/src/runner/health-check.ts):
 * `healthy` after a check passed; `failing` after failures fewer than the threshold;
 * `unhealthy` once `failureThreshold` checks in a row failed after the startup grace.
 */
export type HealthState = 'healthy' | 'failing' | 'unhealthy';

export interface HealthReport {
  readonly state: HealthState;
  readonly failures: number;
  readonly statusCode?: number;
  readonly message?: string;
}

export interface ReplicaHealth extends HealthReport {
  /** The platform's receipt time of the report. */
  readonly checkedAt: string;
}

/**
 * Records a health report on a live assignment (the agent sends one when the state changes).
 * The timeline notes each change of state; repeated reports only refresh the assignment.
 */
export const onReplicaHealth = (job: Job, assignmentId: string, report: HealthReport, now: Date): Outcome => {
  const assignment = job.assignments.find((candidate) => candidate.assignmentId === assignmentId);
  if (!assignment || !isLive(assignment) || !job.spec.service) return unchanged(job);
  const at = now.toISOString();
  const health: ReplicaHealth = {
    state: report.state,
    failures: report.failures,
    ...(report.statusCode !== undefined ? { statusCode: report.statusCode } : {}),
    ...(report.message ? { message: report.message } : {}),
    checkedAt: at,
  };
  const changed = assignment.health?.state !== report.state;
  const after: Job = {
    ...job,
    assignments: job.assignments.map((candidate) => (candidate.assignmentId === assignmentId ? { ...candidate, health } : candidate)),
  };
  const detail = report.message ? `: ${report.message}` : '';
  return {
    ...unchanged(after),
    timeline: changed
      ? [{ at, type: `health_${report.state}`, message: `health check on ${assignment.hostId} ${report.state}${report.state === 'healthy' ? '' : ` (${report.failures} failure(s))`}${detail}`, data: { assignmentId } }]
      : [],
  };
};
