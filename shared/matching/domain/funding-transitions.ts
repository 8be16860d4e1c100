import { formatUsd } from '#platform/money.ts';
import { isFinal, type Job } from './job.ts';
import { Transition, unchanged, type Outcome } from './outcome.ts';

/** Billing held the job's funds: it may now be placed. */
export const onFundsHeld = (job: Job, now: Date): Outcome => {
  if (job.fundsHeld || job.status !== 'queued') return unchanged(job);
  const t = new Transition(job, now);
  t.update({ fundsHeld: true, statusReason: 'waiting for capacity' });
  t.note('funds_held', `funds held: ${formatUsd(job.holdAmount)} USD`);
  return t.outcome();
};

export const onFundsRefused = (job: Job, now: Date, available: number): Outcome => {
  if (job.status !== 'queued') return unchanged(job);
  const t = new Transition(job, now);
  t.finish('failed', 'insufficient_funds', `the balance could not cover the hold of ${formatUsd(job.holdAmount)} USD (available ${formatUsd(available as Job['cost'])})`);
  return t.outcome();
};

/**
 * Billing could not roll the running job's hold forward: the job fails with
 * `insufficient_funds`, each live assignment gets a cancel (its lease ends on the agent's
 * `stopped`, or at the stop grace), and usage up to then is still billed.
 */
export const onFundsExhausted = (job: Job, now: Date, available: number): Outcome => {
  if (isFinal(job.status)) return unchanged(job);
  const t = new Transition(job, now);
  t.finish('failed', 'insufficient_funds', `failed: funds ran out; the hold could not be renewed (available ${formatUsd(available as Job['cost'])} USD)`);
  return t.outcome();
};

/** What a `balance.low` says, for the timeline. */
export interface BalanceLowNotice {
  readonly runwaySeconds: number;
  readonly thresholdSeconds: number;
  /** When billing raised it: a redelivery, or an older notice arriving late, adds nothing. */
  readonly raisedAt: string;
}

/** The renter's runway is short: a job still going shows it on its timeline, once per notice. */
export const onBalanceLow = (job: Job, now: Date, notice: BalanceLowNotice): Outcome => {
  if (isFinal(job.status) || (job.balanceLowAt !== undefined && job.balanceLowAt >= notice.raisedAt)) return unchanged(job);
  const t = new Transition(job, now);
  t.update({ balanceLowAt: notice.raisedAt });
  const minutes = Math.floor(notice.runwaySeconds / 60);
  t.note('balance_low', `balance low: at current rates the renter's funds last about ${minutes} min (warning under ${Math.floor(notice.thresholdSeconds / 60)} min)`, {
    runwaySeconds: notice.runwaySeconds,
    thresholdSeconds: notice.thresholdSeconds,
  });
  return t.outcome();
};
