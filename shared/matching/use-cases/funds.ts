import { placeAvoiding } from '../domain/avoidance.ts';
import { requirementsOf } from '../domain/job.ts';
import { onBalanceLow, onFundsExhausted, onFundsHeld, onFundsRefused, type BalanceLowNotice } from '../domain/funding-transitions.ts';
import { onPlaced, onUnplaceable } from '../domain/transitions.ts';
import { andThen, isNoop } from '../domain/outcome.ts';
import { applyToJob, capacityChanges, commitState } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';
import { freshSecondsFor, placeJob } from './place-jobs.ts';

/**
 * Billing held the job's funds: the job becomes placeable and, in the same transaction when
 * it fits somewhere now, is placed (one write on the hot path from submit to assignment).
 * A job this context never wrote is not its concern (billing publishes for any job id it
 * is given); `job.submitted` is only published once the job is stored, so none is early.
 */
export const fundsHeld = async (jobId: string, deps: MatchingDeps): Promise<void> => {
  const job = await deps.jobs.get(jobId);
  if (!job) return;
  const now = deps.clock.now();
  const held = onFundsHeld(job, now);
  if (isNoop(held, job)) {
    await placeJob(job, deps);
    return;
  }
  // In turn with this process's other placements (see CandidateCache.exclusive).
  const { placement, delivery } = await deps.candidates.exclusive(async () => {
    let candidates = await deps.candidates.all(undefined, [held.job]);
    let chosen = placeAvoiding(held.job, (requirements, seed) => candidates.place(requirements, seed), now, deps.settings);
    if (chosen.kind === 'unplaceable') {
      // The copy may predate a host that just came online: look again before waiting.
      candidates = await deps.candidates.lookAgain(freshSecondsFor(held.job, now), [requirementsOf(held.job)]);
      chosen = placeAvoiding(held.job, (requirements, seed) => candidates.place(requirements, seed), now, deps.settings);
    }
    const outcome = andThen(held, (funded) => (chosen.kind === 'placed' ? onPlaced(funded, chosen.hosts, now) : onUnplaceable(funded, chosen.reason, now)));
    const hosts = await capacityChanges(outcome, (hostId) => candidates.get(hostId));
    return { placement: chosen, delivery: await commitState(job, outcome, hosts, deps) };
  });
  // Sent after the turn: the next funded job is placed meanwhile.
  if (delivery) return delivery();
  // Lost a race (another writer, or a host taken meanwhile): the slow path settles it.
  if (placement.kind === 'placed') await deps.candidates.refresh(placement.hosts.map((host) => host.hostId));
  await applyToJob(jobId, (current, at) => onFundsHeld(current, at), deps);
  const funded = await deps.jobs.get(jobId);
  if (funded) await placeJob(funded, deps);
};

/** Billing refused the hold: the job fails with `insufficient_funds`. */
export const fundsRefused = async (jobId: string, available: number, deps: MatchingDeps): Promise<void> => {
  if (!(await deps.jobs.get(jobId))) return;
  await applyToJob(jobId, (job, now) => onFundsRefused(job, now, available), deps);
};

/**
 * Billing could not renew a running job's hold: the job fails with `insufficient_funds` and
 * its agents get a cancel (as a renter's cancel sends). Redelivery changes nothing more.
 */
export const fundsExhausted = async (jobId: string, available: number, deps: MatchingDeps): Promise<void> => {
  if (!(await deps.jobs.get(jobId))) return;
  await applyToJob(jobId, (job, now) => onFundsExhausted(job, now, available), deps);
};

/** The renter's runway is short: each of the named jobs still going shows it on its timeline. */
export const balanceLow = async (renterId: string, jobIds: readonly string[], notice: BalanceLowNotice, deps: MatchingDeps): Promise<void> => {
  for (const jobId of jobIds) {
    const job = await deps.jobs.get(jobId);
    if (!job || job.renterId !== renterId) continue;
    await applyToJob(jobId, (current, now) => onBalanceLow(current, now, notice), deps);
  }
};
