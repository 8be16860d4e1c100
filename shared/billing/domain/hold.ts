import type { MicroUsd } from '#platform/money.ts';

/**
 * A job's hold on its renter's funds (ARCHITECTURE.md, flow 3), one per job and keyed by
 * it, so a redelivered `job.submitted` finds the decision already made:
 * - `held`: the amount is held; released on `job.ended`, whatever the job's fate;
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
}
