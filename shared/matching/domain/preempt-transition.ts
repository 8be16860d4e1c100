import { addSeconds } from '#platform/clock.ts';
import { currentAssignments, isFinal, isLive, type Job } from './job.ts';
import { Transition, unchanged, type Outcome } from './outcome.ts';

/** Why the interruptible work gave way, for its timeline and its next run's GPUHIVE_RESTART_REASON. */
export type PreemptionCause = { readonly kind: 'on-demand'; readonly byJobId: string } | { readonly kind: 'higher-bid'; readonly byJobId: string };

export const describePreemption = (cause: PreemptionCause): string =>
  cause.kind === 'on-demand' ? `preempted by on-demand work (${cause.byJobId})` : `preempted by a higher bid (${cause.byJobId})`;

/**
 * An interruptible job gives way. Every live rank of its current placement gets a cancel
 * whose deadline is now + the preemption grace (the agent sends SIGTERM at once and SIGKILL
 * by the deadline; billing ends there at the latest, `assignment.stopping` carries it). The
 * job goes back to the queue under `on-preemption`, or ends `preempted` otherwise. The
 * caller releases the GPUs in the same write, for the work that preempted it.
 */
export const onPreempted = (job: Job, cause: PreemptionCause, graceSeconds: number, now: Date): Outcome => {
  if (job.spec.tier !== 'interruptible' || isFinal(job.status)) return unchanged(job);
  if (!currentAssignments(job).some(isLive)) return unchanged(job);
  const t = new Transition(job, now);
  const deadline = addSeconds(now, graceSeconds).toISOString();
  const reason = describePreemption(cause);
  const ranks = currentAssignments(job).filter(isLive);
  t.note('preempted', `${reason}: SIGTERM now, stopped by ${deadline} at the latest`, {
    byJobId: cause.byJobId,
    cause: cause.kind,
    deadline,
    assignmentIds: ranks.map((rank) => rank.assignmentId),
    hostIds: [...new Set(ranks.map((rank) => rank.hostId))],
  });
  if (job.spec.restartPolicy === 'on-preemption') {
    t.requeue(reason, 'preemptions', [], deadline);
  } else {
    for (const rank of ranks) t.stop(rank, reason, deadline);
    t.update({ preemptions: (job.preemptions ?? 0) + 1 });
    t.finish('preempted', 'preempted', `preempted: ${reason} (restartPolicy ${job.spec.restartPolicy})`);
  }
  return t.outcome();
};
