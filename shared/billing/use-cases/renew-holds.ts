import { newEvent } from '#events/define.ts';
import { event as balanceLow } from '#events/billing/balance-low.ts';
import { event as fundsExhausted } from '#events/billing/funds-exhausted.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import type { JobCost } from '../domain/charge.ts';
import type { Hold } from '../domain/hold.ts';
import { decideLowRunway, decideRenewal, type RenewalDecision } from '../domain/renewal.ts';
import { runningJobs, runwaySeconds } from '../domain/runway.ts';
import type { RenewableHold } from '../ports.ts';
import type { BillingDeps } from './deps.ts';

export type RenewOutcome = 'gone' | 'already_exhausted' | 'released' | RenewalDecision['kind'];

export interface RenewHoldsResult {
  readonly holds: number;
  readonly renewed: number;
  readonly partial: number;
  readonly exhausted: number;
  /** Holds of stopped jobs kept through their stop window (`releaseHold`) and released now. */
  readonly released: number;
  readonly lowRunwayWarnings: number;
}

type Deps = Pick<BillingDeps, 'holds' | 'balances' | 'charges' | 'lowRunway' | 'clock' | 'holdSettings'>;

// A renewal races the job's charges (each takes from the hold) and the renter's other holds.
const MAX_ATTEMPTS = 10;

/**
 * Rolls one running job's hold forward (domain/renewal.ts). Steps: read the hold (a pointer
 * whose hold is no longer held is dropped; an exhausted one is left to matching's stop, and
 * released once its job ended and its stop window passed, `keptUntil`),
 * the job's running total (its current rate and first usage) and the renter's balance;
 * decide; write the top-up with one conditional write on the renter's `available` (and on
 * the hold being unchanged); when even all of the available funds cannot cover the minimum,
 * mark the hold exhausted and emit `funds.exhausted` in the same write, once per job. When
 * the hold or the balance moved in between, read again.
 */
export const renewHold = async (renewable: RenewableHold, deps: Deps, renterOutOfFunds = false): Promise<RenewOutcome> => {
  return retryOnConflict<RenewOutcome>(
    async () => {
      const [hold, cost, balance] = await Promise.all([
        deps.holds.get(renewable.jobId),
        deps.charges.getJobCost(renewable.jobId),
        deps.balances.get(renewable.accountId),
      ]);
      if (!hold || hold.status !== 'held') {
        await deps.holds.forgetRenewal(renewable.jobId);
        return 'gone';
      }
      const now = deps.clock.now();
      if (hold.keptUntil && Date.parse(hold.keptUntil) <= now.getTime()) return (await deps.holds.release(hold, now)) ? 'released' : CONFLICT;
      if (hold.exhaustedAt) return 'already_exhausted';
      const decision = decideRenewal(hold, cost, balance.available, now, deps.holdSettings, renterOutOfFunds);
      if (decision.kind === 'no_rate' || decision.kind === 'covered') return decision.kind;
      const exhausted =
        decision.kind === 'exhausted'
          ? newEvent(
              fundsExhausted,
              { jobId: hold.jobId, renterId: hold.accountId, amount: decision.wanted, available: balance.available, reason: 'insufficient_funds' },
              now,
            )
          : undefined;
      if ((await deps.holds.renew(hold, decision.amount, now, exhausted)) === 'renewed') return decision.kind;
      return CONFLICT;
    },
    { attempts: MAX_ATTEMPTS, exhausted: () => new Error(`the hold of job ${renewable.jobId} kept changing; the next run renews it`) },
  );
};

/**
 * Warns a renter whose runway dropped under the threshold, once per crossing. Steps: read
 * the balance and the active holds with their jobs' totals; compute the runway as
 * `GET /v1/billing/balance` shows it; decide against the stored marker; write the marker
 * (guarded by its version) with `balance.low` when it warns. A lost race is left to the
 * next run. Returns whether it warned.
 */
export const checkLowRunway = async (accountId: string, deps: Deps): Promise<boolean> => {
  const [balance, holds, marker] = await Promise.all([deps.balances.get(accountId), deps.holds.listActive(accountId), deps.lowRunway.get(accountId)]);
  const costs: JobCost[] = holds.length === 0 ? [] : await deps.charges.getJobCosts(holds.map((hold: Hold) => hold.jobId));
  const now = deps.clock.now();
  const running = runningJobs(holds, costs, now);
  const runway = runwaySeconds(balance.available, running);
  const runningJobIds = running.map((job) => job.jobId);
  const decision = decideLowRunway(marker, runway, runningJobIds, deps.holdSettings);
  if (decision === 'none') return false;
  const version = (marker?.version ?? 0) + 1;
  const at = now.toISOString();
  if (decision === 'rearm') {
    await deps.lowRunway.save({ accountId, state: 'ok', jobIds: [], version, at });
    return false;
  }
  const event = newEvent(
    balanceLow,
    { accountId, runwaySeconds: runway ?? 0, thresholdSeconds: deps.holdSettings.lowRunwaySeconds, available: balance.available, runningJobIds },
    now,
  );
  return deps.lowRunway.save({ accountId, state: 'low', jobIds: runningJobIds, version, at }, event);
};

const OUT_OF_FUNDS: ReadonlySet<RenewOutcome> = new Set(['exhausted', 'already_exhausted']);

/**
 * The `billing-holds` schedule: renews every held hold (`renewHold`); a renter with a job
 * whose funds are exhausted (now, or still held from an earlier run, kept through its stop
 * window after the job ended) has run out, so each of
 * their other running jobs short of its cover is exhausted in the same run (`decideRenewal`,
 * `renterOutOfFunds`), whichever came first in the list. Then it checks the runway of each
 * renter with one (`checkLowRunway`). A job that fails to renew is logged by the caller and
 * tried again on the next run; it does not stop the others.
 */
export const renewHolds = async (
  deps: Deps,
  onError: (jobId: string, error: unknown) => void = () => undefined,
): Promise<RenewHoldsResult> => {
  const renewable = await deps.holds.listRenewable();
  const counts = { renewed: 0, partial: 0, exhausted: 0, released: 0, lowRunwayWarnings: 0 };
  const outcomes = new Map<string, RenewOutcome>();
  const renew = async (job: RenewableHold, renterOutOfFunds: boolean) => {
    try {
      outcomes.set(job.jobId, await renewHold(job, deps, renterOutOfFunds));
    } catch (error) {
      onError(job.jobId, error);
    }
  };
  for (const job of renewable) await renew(job, false);
  const outOfFunds = new Set(renewable.filter((job) => OUT_OF_FUNDS.has(outcomes.get(job.jobId)!)).map((job) => job.accountId));
  for (const job of renewable) {
    const outcome = outcomes.get(job.jobId);
    if (outOfFunds.has(job.accountId) && outcome !== 'gone' && outcome !== 'released' && !OUT_OF_FUNDS.has(outcome!)) await renew(job, true);
  }
  for (const outcome of outcomes.values()) {
    if (outcome === 'renew') counts.renewed += 1;
    else if (outcome === 'partial') counts.partial += 1;
    else if (outcome === 'exhausted') counts.exhausted += 1;
    else if (outcome === 'released') counts.released += 1;
  }
  for (const accountId of new Set(renewable.map((job) => job.accountId))) {
    try {
      if (await checkLowRunway(accountId, deps)) counts.lowRunwayWarnings += 1;
    } catch (error) {
      onError(accountId, error);
    }
  }
  return { holds: renewable.length, ...counts };
};
