import { addSeconds } from '#platform/clock.ts';
import type { Assignment, Job, JobSpec } from './job.ts';
import type { HostMessage } from './messages.ts';

/**
 * Clock skew that metering allows on agents' intervals unless configured otherwise
 * (USAGE_CLOCK_SKEW_SECONDS): the hold must cover it too, since metering may bill it.
 */
export const DEFAULT_USAGE_CLOCK_SKEW_SECONDS = 5;

/**
 * The seconds a job can be billed beyond its max duration (issue 13): the stop grace its
 * agent gets after the max-duration stop, and the clock skew metering allows on intervals.
 * The hold covers them, so a job's charges never have to exceed it.
 */
export const holdMarginSeconds = (stopGraceSeconds: number, clockSkewSeconds = DEFAULT_USAGE_CLOCK_SKEW_SECONDS): number =>
  Math.ceil(stopGraceSeconds + clockSkewSeconds);

const earliest = (a: string | undefined, b: string | undefined): string | undefined => (a === undefined ? b : b === undefined ? a : a < b ? a : b);

/**
 * The last instant of an assignment's lease that can be billed, as soon as the platform
 * knows it (ARCHITECTURE.md, Trust): once it started, its job's start (the first rank's,
 * for the current placement; its own, for an older one) + the max duration + the stop
 * grace, since the max-duration stop is decided then; once a stop was requested, the
 * request + the stop grace; the earlier of the two. Undefined before either is known.
 */
export const billableUntil = (job: Pick<Job, 'startedAt' | 'attempt'> & { readonly spec: Pick<JobSpec, 'maxDurationSeconds'> }, assignment: Assignment, stopGraceSeconds: number): string | undefined => {
  const jobStart = assignment.attempt === job.attempt && job.startedAt ? job.startedAt : assignment.startedAt;
  const byMaxDuration = jobStart ? addSeconds(new Date(jobStart), job.spec.maxDurationSeconds + stopGraceSeconds).toISOString() : undefined;
  // A preemption carries its own deadline (its grace); any other stop ends at the request + the stop grace.
  const byStop = assignment.stopDeadline ?? (assignment.stopRequestedAt ? addSeconds(new Date(assignment.stopRequestedAt), stopGraceSeconds).toISOString() : undefined);
  return earliest(byMaxDuration, byStop);
};

/**
 * The host messages of a transition with the deadlines an agent enforces itself (issue 13):
 * an assignment carries the stop grace; a cancel carries its assignment's billable end and
 * the grace, so an honest agent kills its job before billing would stop counting.
 */
export const withDeadlines = (messages: readonly HostMessage[], job: Job, stopGraceSeconds: number): HostMessage[] =>
  messages.map(({ hostId, message }) => {
    if (message.type === 'assignment') return { hostId, message: { ...message, stopGraceSeconds } };
    const assignment = job.assignments.find((candidate) => candidate.assignmentId === message.assignmentId);
    const deadline = assignment ? billableUntil(job, assignment, stopGraceSeconds) : undefined;
    return { hostId, message: { ...message, graceSeconds: stopGraceSeconds, ...(deadline ? { deadline } : {}) } };
  });

/** The stop grace when none is configured (STOP_GRACE_SECONDS), as DEFAULT_MATCHING_SETTINGS has it. */
export const DEFAULT_STOP_GRACE_SECONDS = 30;
