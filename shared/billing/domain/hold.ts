import type { MicroUsd } from '#platform/money.ts';

/**
 * A job's hold on its renter's funds (ARCHITECTURE.md, flow 3), one per job and keyed by
 * it, so a redelivered `job.submitted` finds the decision already made:
 * - `held`: the amount is held; released on `job.ended`, whatever the job's fate, except that
 *   the hold of a job whose funds ran out is kept through its stop window (`keptUntil`);
 * - `released`: given back. A job that ended before its hold was decided (events arrive
 *   out of order) gets a released marker of amount 0, so a late `job.submitted` holds nothing;
 * - `refused`: available funds did not cover it; the job fails with `insufficient_funds`.
 */
export type HoldStatus = 'held' | 'released' | 'refused';

export interface Hold {
  readonly jobId: string;
  readonly accountId: string;
  readonly amount: MicroUsd;
  readonly status: HoldStatus;
  readonly createdAt: string;
  readonly releasedAt?: string;
  /** For a refusal: what the renter could spend at that moment. */
  readonly available?: MicroUsd;
  /** For a released marker: the job ended before any hold was placed. */
  readonly endedBeforeHold?: boolean;
  /** The job's max duration, when `job.submitted` said: a renewal never covers past it. */
  readonly maxDurationSeconds?: number;
  /** Seconds past the max duration the job may still be billed (stop grace + clock skew): renewals cover them. */
  readonly marginSeconds?: number;
  /**
   * Everything ever held for the job: the first amount plus every renewal (`amount` is what
   * is left). The job's charges never exceed it (absent on holds placed before it was kept).
   */
  readonly heldTotal?: MicroUsd;
  /** When the hold could not be renewed and `funds.exhausted` was announced (once per job). */
  readonly exhaustedAt?: string;
  /** For an exhausted hold whose job ended: released by the renewal schedule from this time on (`stopReserveUntil`). */
  readonly keptUntil?: string;
}

/**
 * Until when the hold of an ended job is kept, or undefined to release it now. The job's
 * agent may still run, and be billed, for the stop grace and clock skew (`marginSeconds`)
 * after matching stopped the job. For a job whose funds ran out that rest of its hold is
 * its stop reserve: released at once, it would go to the renter's other running jobs'
 * renewals, and the stopped job's last charges would meet an available balance they took
 * (issue 13's cap then cuts them, unpaid to the provider). Any other job's hold goes back
 * at once, so a renter sees a cancelled or finished job's funds available again at once.
 */
export const stopReserveUntil = (hold: Hold, endedAt: Date): Date | undefined =>
  hold.exhaustedAt && hold.marginSeconds ? new Date(endedAt.getTime() + hold.marginSeconds * 1000) : undefined;
