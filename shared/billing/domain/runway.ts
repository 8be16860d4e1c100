import type { MicroUsd } from '#platform/money.ts';
import type { JobCost } from './charge.ts';
import type { Hold } from './hold.ts';

/**
 * An assignment's rate counts as current while its newest usage is at most this old.
 * Agents report every minute, so ten minutes of silence means it stopped, or its host is
 * gone: its rate would only make the runway look shorter than it is.
 */
export const CURRENT_RATE_SECONDS = 600;

/** A job the renter has running: what its hold still holds, and what it costs per hour now. */
export interface RunningJob {
  readonly jobId: string;
  readonly held: MicroUsd;
  readonly perHour: MicroUsd;
}

/**
 * The renter's running jobs: those with an active hold whose assignments reported usage in
 * the last `CURRENT_RATE_SECONDS`. The current rate of a job is the sum of its assignments'
 * latest rates, each read from its newest usage record (price x GPU-seconds / wall time:
 * what billing actually charges, idle GPUs and clipping included), not from the price the
 * job was submitted with, which billing never sees (`job.submitted` carries only the hold).
 */
export const runningJobs = (holds: readonly Hold[], costs: readonly JobCost[], now: Date): RunningJob[] => {
  const since = new Date(now.getTime() - CURRENT_RATE_SECONDS * 1000).toISOString();
  const costByJob = new Map(costs.map((cost) => [cost.jobId, cost]));
  return holds.flatMap((hold) => {
    const rates = Object.values(costByJob.get(hold.jobId)?.rates ?? {}).filter((rate) => rate.asOf >= since);
    const perHour = rates.reduce((total, rate) => total + rate.perHour, 0);
    return perHour > 0 ? [{ jobId: hold.jobId, held: hold.amount, perHour: perHour as MicroUsd }] : [];
  });
};

/**
 * How long the running jobs can go on at their current rates: what they can draw on (the
 * renter's available funds plus their own holds; other jobs' holds are spoken for) over
 * what they cost per second, rounded down. Null when nothing runs at a known rate: no
 * spending, no runway to speak of. Zero when nothing is left.
 */
export const runwaySeconds = (available: MicroUsd, running: readonly RunningJob[]): number | null => {
  const perHour = running.reduce((total, job) => total + job.perHour, 0);
  if (perHour <= 0) return null;
  const funds = available + running.reduce((total, job) => total + job.held, 0);
  if (funds <= 0) return 0;
  return Number((BigInt(funds) * 3600n) / BigInt(perHour));
};
