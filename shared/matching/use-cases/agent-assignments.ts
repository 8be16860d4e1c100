import { ConflictError, NotFoundError } from '#platform/errors.ts';
import { isLive, jobIdOfAssignment, type Assignment, type Job } from '../domain/job.ts';
import { assignmentMessage, onAgentEvent, type AgentEventType } from '../domain/transitions.ts';
import { type Outcome } from '../domain/outcome.ts';
import { onReplicaHealth, type HealthReport } from '../domain/replica-health.ts';
import { applyToJob } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';

const notYours = () => new NotFoundError('No such assignment on this host.');

/** An agent speaks only for its own host's assignments. */
const ownAssignment = (job: Job | undefined, hostId: string, assignmentId: string): Assignment => {
  const assignment = job?.assignments.find((candidate) => candidate.assignmentId === assignmentId);
  if (!assignment || assignment.hostId !== hostId) throw notYours();
  return assignment;
};

/** The assignment as its host's queue carried it, while it is live; for agents reconciling. */
export const getAssignment = async (hostId: string, assignmentId: string, deps: MatchingDeps) => {
  const jobId = jobIdOfAssignment(assignmentId);
  const job = jobId ? await deps.jobs.get(jobId) : undefined;
  const assignment = ownAssignment(job, hostId, assignmentId);
  const live = isLive(assignment) && assignment.state !== 'stopping';
  const peers = job?.assignments.filter((peer) => peer.attempt === assignment.attempt) ?? [];
  return {
    assignmentId,
    jobId: job?.jobId,
    state: assignment.state,
    live,
    ...(live && job ? { message: assignmentMessage(job, assignment, peers) } : {}),
  };
};

/**
 * Records an agent's event on its assignment (accepted, started, exited, failed, stopped),
 * at the platform's receipt time. `accepted` on an assignment that is no longer live is a
 * 409 `assignment_withdrawn`: the agent then drops it. Freed GPUs wake the matcher (through
 * `assignment.ended`).
 */
export const recordAgentEvent = async (
  hostId: string,
  assignmentId: string,
  event: { type: AgentEventType | 'health'; exitCode?: number; message?: string; readyPorts?: readonly number[]; health?: HealthReport },
  deps: MatchingDeps,
): Promise<{ assignmentId: string; state: Assignment['state'] }> => {
  const jobId = jobIdOfAssignment(assignmentId);
  if (!jobId) throw notYours();
  if (event.type === 'health') return recordHealth(hostId, jobId, assignmentId, event.health, deps);
  const outcome: Outcome | undefined = await applyToJob(
    jobId,
    (job, now) => {
      ownAssignment(job, hostId, assignmentId);
      const result = onAgentEvent(job, assignmentId, { ...event, type: event.type as AgentEventType }, now);
      if (result.kind === 'withdrawn') throw new ConflictError('assignment_withdrawn', 'This assignment was withdrawn or cancelled: drop it.');
      return result.outcome;
    },
    deps,
  );
  // Freed GPUs wake the matcher through the `assignment.ended` the commit published (pool-nudges.ts).
  const job = outcome?.job ?? (await deps.jobs.get(jobId));
  return { assignmentId, state: ownAssignment(job, hostId, assignmentId).state };
};

/** A service replica's health report: kept on the assignment; the service reconciles on the write (restart, replace, endpoints). */
const recordHealth = async (hostId: string, jobId: string, assignmentId: string, report: HealthReport | undefined, deps: MatchingDeps) => {
  if (!report) throw new Error('the event schema requires health with type health');
  const outcome = await applyToJob(jobId, (job, now) => {
    ownAssignment(job, hostId, assignmentId);
    return onReplicaHealth(job, assignmentId, report, now);
  }, deps);
  const job = outcome?.job ?? (await deps.jobs.get(jobId));
  return { assignmentId, state: ownAssignment(job, hostId, assignmentId).state };
};
