import { newEvent, type DomainEvent } from '#events/define.ts';
import { event as jobPreempted } from '#events/matching/job-preempted.ts';
import { placeAvoiding } from '../domain/avoidance.ts';
import { release, reserve, type HostCapacity } from '../domain/capacity.ts';
import { currentAssignments, heldBy, isLive, type Job } from '../domain/job.ts';
import { withDeadlines } from '../domain/lease-deadline.ts';
import { onPreempted, type PreemptionCause } from '../domain/preempt-transition.ts';
import { DEFAULT_PREEMPTION_SETTINGS, planPreemption, type PreemptionPlan } from '../domain/preemption.ts';
import type { PoolIndex } from '../domain/pool-index.ts';
import { onPlaced } from '../domain/transitions.ts';
import { type Outcome } from '../domain/outcome.ts';
import type { JobChange } from '../ports.ts';
import type { MatchingDeps } from './deps.ts';
import { eventsOf } from './job-events.ts';

/** The plan that makes room for the job, found as ordinary placement would look (avoidance and maintenance included). */
const planFor = (job: Job, index: PoolIndex, deps: MatchingDeps, now: Date): PreemptionPlan | undefined => {
  const { minRunSeconds } = deps.settings.preemption ?? DEFAULT_PREEMPTION_SETTINGS;
  let plan: PreemptionPlan | undefined;
  const placement = placeAvoiding(
    job,
    (requirements, seed) => {
      plan = planPreemption(requirements, index.values(), now, minRunSeconds, seed);
      return plan ? { kind: 'placed', hosts: plan.hosts } : { kind: 'unplaceable', reason: 'no preemptible work in the way' };
    },
    now,
    deps.settings,
  );
  return placement.kind === 'placed' ? plan : undefined;
};

/**
 * Work that fits nowhere free takes GPUs from interruptible work (docs/interruptible.md).
 * Steps: plan (pure) which interruptible jobs must give way; then, in one transaction, the
 * waiting job is placed on those GPUs (its assignment is sent at once; the agent starts it
 * as soon as the preempted ranks are gone, by their deadline at the latest), each victim is
 * preempted (`onPreempted`: cancel with a deadline of now + the grace, re-queued or ended)
 * and every host is written once with the victims' holds released and the new ones
 * reserved (each checked by its revision: no GPU is ever held twice). Then the host
 * messages (the victims' cancels carry their deadline) and the events: `job.scheduled`,
 * `assignment.stopping` with the deadline as billable end, and `job.preempted`.
 * `beforeCommit` lets a batch write what it holds first. False when there is no room even
 * so, or a concurrent writer won (the hosts are read again).
 */
export const placeByPreempting = async (job: Job, index: PoolIndex, deps: MatchingDeps, beforeCommit: () => Promise<void> = async () => {}): Promise<boolean> => {
  const now = deps.clock.now();
  const plan = planFor(job, index, deps, now);
  if (!plan) return false;
  await beforeCommit();
  const { graceSeconds } = deps.settings.preemption ?? DEFAULT_PREEMPTION_SETTINGS;
  const cause: PreemptionCause = job.spec.tier === 'interruptible' ? { kind: 'higher-bid', byJobId: job.jobId } : { kind: 'on-demand', byJobId: job.jobId };

  const victims: { before: Job; outcome: Outcome; released: string[] }[] = [];
  for (const victim of plan.victims) {
    const before = await deps.jobs.get(victim.jobId);
    if (!before) return false;
    const live = currentAssignments(before).filter(isLive);
    // The index was stale: the hold is no longer this job's current work.
    if (!victim.assignmentIds.every((assignmentId) => live.some((assignment) => assignment.assignmentId === assignmentId))) {
      await deps.candidates.refresh(plan.hosts.map((host) => host.hostId));
      return false;
    }
    const outcome = onPreempted(before, cause, graceSeconds, now);
    victims.push({ before, outcome, released: live.map((assignment) => assignment.assignmentId) });
  }
  const placed = onPlaced(job, plan.hosts, now);

  const hosts = new Map<string, HostCapacity>();
  const load = async (hostId: string): Promise<HostCapacity> => {
    const known = hosts.get(hostId) ?? index.get(hostId) ?? (await deps.capacity.get(hostId));
    if (!known) throw new Error(`No capacity for host ${hostId}`);
    return known;
  };
  for (const { before, released } of victims) {
    for (const assignmentId of released) {
      const assignment = before.assignments.find((candidate) => candidate.assignmentId === assignmentId);
      if (assignment) hosts.set(assignment.hostId, release(await load(assignment.hostId), assignmentId));
    }
  }
  for (const assignment of placed.reserve) hosts.set(assignment.hostId, reserve(await load(assignment.hostId), assignment.assignmentId, heldBy(job.jobId, assignment)));
  const written = [...hosts.values()].map((host) => ({ ...host, revision: (index.get(host.hostId)?.revision ?? host.revision) + 1 }));

  const stopGrace = deps.settings.stopGraceSeconds;
  const changes: JobChange[] = [{ before: job, after: placed.job, timeline: placed.timeline, events: eventsOf(placed, now, stopGrace) }];
  for (const { before, outcome, released } of victims) {
    const preemptedEvent: DomainEvent = newEvent(
      jobPreempted,
      {
        jobId: before.jobId,
        renterId: before.renterId,
        assignmentIds: released,
        hostIds: [...new Set(before.assignments.filter((a) => released.includes(a.assignmentId)).map((a) => a.hostId))],
        cause: cause.kind,
        deadline: new Date(now.getTime() + graceSeconds * 1000).toISOString(),
        requeued: outcome.job.status === 'queued',
        preemptions: outcome.job.preemptions ?? 1,
      },
      now,
    );
    changes.push({ before, after: outcome.job, timeline: outcome.timeline, events: [...eventsOf(outcome, now, stopGrace), preemptedEvent] });
  }

  const result = await deps.jobs.commitBatch(changes, written);
  if (!result.committed) {
    await deps.candidates.refresh(result.staleHostIds.length > 0 ? result.staleHostIds : [...hosts.keys()]);
    return false;
  }
  deps.candidates.remember(written);
  const sends = [...withDeadlines(placed.send, placed.job, stopGrace), ...victims.flatMap(({ outcome }) => withDeadlines(outcome.send, outcome.job, stopGrace))];
  await Promise.all([deps.messenger.send(sends), deps.jobs.publishBatch(changes.flatMap((change) => change.events))]);
  return true;
};
