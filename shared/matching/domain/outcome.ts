import { currentAssignments, isLive, type Assignment, type FinalStatus, type Job } from './job.ts';
import type { HostMessage } from './messages.ts';
import type { MaintenanceNotice } from './maintenance-notice.ts';

/** A job avoids at most this many hosts (the most recent failures): a long list would hide the fleet. */
export const MAX_AVOIDED_HOSTS = 4;

export interface TimelineEntry {
  readonly at: string;
  readonly type: string;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** A transition's result: the new job and every effect the adapters must carry out. */
export interface Outcome {
  readonly job: Job;
  readonly timeline: readonly TimelineEntry[];
  readonly send: readonly HostMessage[];
  readonly reserve: readonly Assignment[];
  readonly release: readonly Assignment[];
  readonly scheduled: readonly Assignment[];
  readonly started: readonly Assignment[];
  /** Assignments a stop was just requested for: their billable end is now known. */
  readonly stopping?: readonly Assignment[];
  readonly ended: readonly Assignment[];
  readonly jobEnded?: { readonly status: FinalStatus; readonly reason?: string };
  /** Maintenance scheduled on hosts the job runs on, to announce to its renter (maintenance-notice.ts). */
  readonly maintenanceNotices?: readonly MaintenanceNotice[];
}

export const unchanged = (job: Job): Outcome => ({ job, timeline: [], send: [], reserve: [], release: [], scheduled: [], started: [], ended: [] });

/** Two transitions as one: the second applied to the first's job, their effects in order. */
export const andThen = (first: Outcome, next: (job: Job) => Outcome): Outcome => {
  const second = next(first.job);
  const jobEnded = second.jobEnded ?? first.jobEnded;
  return {
    job: second.job,
    timeline: [...first.timeline, ...second.timeline],
    send: [...first.send, ...second.send],
    reserve: [...first.reserve, ...second.reserve],
    release: [...first.release, ...second.release],
    scheduled: [...first.scheduled, ...second.scheduled],
    started: [...first.started, ...second.started],
    ...(first.stopping || second.stopping ? { stopping: [...(first.stopping ?? []), ...(second.stopping ?? [])] } : {}),
    ended: [...first.ended, ...second.ended],
    ...(jobEnded ? { jobEnded } : {}),
    ...(first.maintenanceNotices || second.maintenanceNotices ? { maintenanceNotices: [...(first.maintenanceNotices ?? []), ...(second.maintenanceNotices ?? [])] } : {}),
  };
};

/** True when a transition found nothing to do: no write, no message, no event. */
export const isNoop = (outcome: Outcome, before: Job): boolean =>
  outcome.job === before && outcome.timeline.length === 0 && outcome.send.length === 0 && outcome.ended.length === 0;

/** Accumulates a transition's effects; every transition in transitions.ts and preempt-transition.ts is written with it. */
export class Transition {
  job: Job;
  private readonly at: string;
  private readonly effects = {
    timeline: [] as TimelineEntry[],
    send: [] as HostMessage[],
    reserve: [] as Assignment[],
    release: [] as Assignment[],
    scheduled: [] as Assignment[],
    started: [] as Assignment[],
    stopping: [] as Assignment[],
    ended: [] as Assignment[],
  };
  private jobEnded: Outcome['jobEnded'];

  constructor(job: Job, readonly now: Date) {
    this.job = job;
    this.at = now.toISOString();
  }

  note(type: string, message: string, data?: Record<string, unknown>): void {
    this.effects.timeline.push({ at: this.at, type, message, ...(data ? { data } : {}) });
  }

  update(patch: Partial<Job>): void {
    this.job = { ...this.job, ...patch };
  }

  updateAssignment(assignmentId: string, patch: Partial<Assignment>): Assignment {
    let updated: Assignment | undefined;
    this.job = {
      ...this.job,
      assignments: this.job.assignments.map((assignment) => {
        if (assignment.assignmentId !== assignmentId) return assignment;
        updated = { ...assignment, ...patch };
        return updated;
      }),
    };
    if (!updated) throw new Error(`No assignment ${assignmentId} on ${this.job.jobId}`);
    return updated;
  }

  send(message: HostMessage): void {
    this.effects.send.push(message);
  }

  reserved(assignment: Assignment): void {
    this.effects.reserve.push(assignment);
    this.effects.scheduled.push(assignment);
  }

  started(assignment: Assignment): void {
    this.effects.started.push(assignment);
  }

  /** Ends a live assignment: its GPUs are freed and `assignment.ended` is announced. */
  end(assignment: Assignment, state: Assignment['state'], endedAt: string, reason: string, exitCode?: number): void {
    const ended = this.updateAssignment(assignment.assignmentId, {
      state,
      endedAt,
      endReason: reason,
      ...(exitCode !== undefined ? { exitCode } : {}),
    });
    this.effects.release.push(ended);
    this.effects.ended.push(ended);
  }

  /**
   * Stops a live assignment: one never accepted is withdrawn at once (it never ran); one
   * accepted or running gets a cancel and ends on the agent's `stopped` or after the grace.
   */
  stop(assignment: Assignment, reason: string, deadline?: string): void {
    if (!isLive(assignment) || assignment.state === 'stopping') return;
    this.send({ hostId: assignment.hostId, message: { type: 'cancel', assignmentId: assignment.assignmentId, jobId: this.job.jobId, reason } });
    if (assignment.state === 'offered') {
      this.end(assignment, 'withdrawn', this.at, reason);
      return;
    }
    this.effects.stopping.push(this.updateAssignment(assignment.assignmentId, { state: 'stopping', stopRequestedAt: this.at, stopReason: reason, lastSentAt: this.at, ...(deadline ? { stopDeadline: deadline } : {}) }));
  }

  finish(status: FinalStatus, reason: string | null, message: string): void {
    for (const assignment of this.job.assignments) this.stop(assignment, status === 'cancelled' ? 'cancelled' : reason ?? status);
    this.update({ status, statusReason: reason, endedAt: this.at });
    this.jobEnded = { status, ...(reason ? { reason } : {}) };
    this.note(status, message, reason ? { reason } : undefined);
  }

  /** Places the job again on other hosts: the current ranks stop, the job waits in the queue. */
  requeue(reason: string, counter: 'restarts' | 'notAccepted' | 'preemptions', failedHostIds: readonly string[], stopDeadline?: string): void {
    for (const assignment of currentAssignments(this.job)) this.stop(assignment, reason, stopDeadline);
    const { startedAt: _previousStart, ...rest } = this.job;
    this.job = rest;
    this.update({
      avoidHostIds: [...new Set([...(this.job.avoidHostIds ?? []).filter((hostId) => !failedHostIds.includes(hostId)), ...failedHostIds])].slice(-MAX_AVOIDED_HOSTS),
      avoidSince: this.now.toISOString(),
      queuedAt: this.now.toISOString(),
      status: 'queued',
      statusReason: `waiting for capacity (re-queued: ${reason})`,
      attempt: this.job.attempt + 1,
      [counter]: (this.job[counter] ?? 0) + 1,
      ...(counter === 'notAccepted' ? {} : { restartReason: reason }),
    });
    this.note('requeued', `re-queued: ${reason}`, { reason });
  }

  outcome(): Outcome {
    const { stopping, ...effects } = this.effects;
    return { job: this.job, ...effects, ...(stopping.length > 0 ? { stopping } : {}), ...(this.jobEnded ? { jobEnded: this.jobEnded } : {}) };
  }
}

