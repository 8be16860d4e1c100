import { ConflictError, NotFoundError } from '#platform/errors.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import { release, reserve, type HostCapacity } from '../domain/capacity.ts';
import { heldBy, type Job } from '../domain/job.ts';
import { withDeadlines } from '../domain/lease-deadline.ts';
import { isNoop, type Outcome } from '../domain/outcome.ts';
import { eventsOf } from './job-events.ts';
import type { MatchingDeps } from './deps.ts';

const MAX_ATTEMPTS = 5;

/** The host reservations an outcome changes, from `source`, with their revisions bumped. */
export const capacityChanges = async (
  outcome: Outcome,
  source: (hostId: string) => Promise<HostCapacity | undefined> | HostCapacity | undefined,
): Promise<HostCapacity[]> => {
  const touched = new Map<string, HostCapacity>();
  const load = async (hostId: string) => touched.get(hostId) ?? (await source(hostId));
  for (const assignment of outcome.release) {
    const host = await load(assignment.hostId);
    if (host) touched.set(host.hostId, release(host, assignment.assignmentId));
  }
  for (const assignment of outcome.reserve) {
    const host = await load(assignment.hostId);
    if (!host) throw new Error(`No capacity for host ${assignment.hostId}`);
    touched.set(host.hostId, reserve(host, assignment.assignmentId, heldBy(outcome.job.jobId, assignment)));
  }
  return [...touched.values()].map((host) => ({ ...host, revision: host.revision + 1 }));
};

/** What is left after a commit: the host messages (first: an agent is waiting on them), then the events. */
export type Delivery = () => Promise<void>;

/**
 * Commits an outcome: job, reservations, timeline and events in one transaction, and updates
 * this process's copy of the hosts. Returns its delivery, for the caller to run once it has
 * left the placement turn (the next placement need not wait for this one's sends); undefined
 * when a concurrent writer won. What is not delivered is resent by the sweeps.
 */
export const commitState = async (before: Job, outcome: Outcome, hosts: readonly HostCapacity[], deps: MatchingDeps): Promise<Delivery | undefined> => {
  const events = eventsOf(outcome, deps.clock.now(), deps.settings.stopGraceSeconds);
  if (!(await deps.jobs.commit(before, outcome.job, hosts, outcome.timeline, events))) return undefined;
  deps.candidates.remember(hosts);
  return async () => {
    await deps.messenger.send(withDeadlines(outcome.send, outcome.job, deps.settings.stopGraceSeconds));
    await deps.jobs.publish(events);
    // A service replica's change of state (each noted on its timeline; a cost update is not) reconciles its service.
    if (outcome.job.spec.service && outcome.timeline.length > 0) await deps.onReplicaChanged?.(outcome.job);
  };
};

/** `commitState`, then its delivery. False when a concurrent writer won. */
export const commitOutcome = async (before: Job, outcome: Outcome, hosts: readonly HostCapacity[], deps: MatchingDeps): Promise<boolean> => {
  const delivery = await commitState(before, outcome, hosts, deps);
  if (!delivery) return false;
  await delivery();
  return true;
};

/**
 * Read the job, apply a pure transition, commit it if nobody wrote in between; retried on
 * a lost race. Returns the outcome, or undefined when there was nothing to do.
 */
export const applyToJob = async (
  jobId: string,
  transition: (job: Job, now: Date) => Outcome,
  deps: MatchingDeps,
): Promise<Outcome | undefined> => {
  return retryOnConflict<Outcome | undefined>(
    async () => {
      const job = await deps.jobs.get(jobId);
      if (!job) throw new NotFoundError('No such job.');
      const outcome = transition(job, deps.clock.now());
      if (isNoop(outcome, job)) return undefined;
      const hosts = await capacityChanges(outcome, (hostId) => deps.capacity.get(hostId));
      if (await commitOutcome(job, outcome, hosts, deps)) return outcome;
      return CONFLICT;
    },
    { attempts: MAX_ATTEMPTS, exhausted: () => new ConflictError('busy', 'The job is being changed by another request; try again.') },
  );
};
