import { newEvent } from '#events/define.ts';
import { event as fundsHeld } from '#events/billing/funds-held.ts';
import { event as fundsRefused } from '#events/billing/funds-refused.ts';
import { microUsd } from '#platform/money.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import { stopReserveUntil, type Hold } from '../domain/hold.ts';
import type { BillingDeps } from './deps.ts';

export type PlaceHoldOutcome = 'held' | 'refused' | 'already_decided';

/**
 * Holds a submitted job's funds (ARCHITECTURE.md, flow 3). Steps: hold the amount with one
 * conditional write (available funds must cover it, so concurrent submits can never
 * overdraw; the job must have no hold yet) and emit `funds.held`; if they do not cover it,
 * record the refusal (only if the job has no hold yet) and emit `funds.refused` with what was
 * available. A job that already has a hold, a refusal or a marker was decided by an earlier
 * delivery (its event is in the outbox): either write's condition finds it, and nothing more
 * happens. No read first: it is on the path from submit to placement.
 */
export const placeHold = async (
  job: { readonly jobId: string; readonly renterId: string; readonly holdAmount: number; readonly maxDurationSeconds?: number | undefined; readonly holdMarginSeconds?: number | undefined },
  deps: Pick<BillingDeps, 'holds' | 'clock'>,
): Promise<PlaceHoldOutcome> => {
  const now = deps.clock.now();
  const amount = microUsd(job.holdAmount);
  const hold: Hold = {
    jobId: job.jobId,
    accountId: job.renterId,
    amount,
    status: 'held',
    createdAt: now.toISOString(),
    heldTotal: amount,
    ...(job.maxDurationSeconds !== undefined ? { maxDurationSeconds: job.maxDurationSeconds } : {}),
    ...(job.holdMarginSeconds !== undefined ? { marginSeconds: job.holdMarginSeconds } : {}),
  };
  const placed = await deps.holds.place(hold, newEvent(fundsHeld, { jobId: job.jobId, renterId: job.renterId, amount }, now));
  if (placed.outcome === 'placed') return 'held';
  if (placed.outcome === 'exists') return 'already_decided';
  const refusal: Hold = { ...hold, status: 'refused', available: placed.available };
  const refused = newEvent(
    fundsRefused,
    { jobId: job.jobId, renterId: job.renterId, amount, available: placed.available, reason: 'insufficient_funds' },
    now,
  );
  return (await deps.holds.refuse(refusal, refused)) ? 'refused' : 'already_decided';
};

export type ReleaseHoldOutcome = 'released' | 'kept_for_stop' | 'nothing_held' | 'ended_before_hold';

// Each usage charge of a running job uses part of its hold, so a release may lose a few races.
const MAX_ATTEMPTS = 10;

/**
 * Releases an ended job's hold, whatever the job's fate (cancelled or expired while
 * queued included). Steps: read the hold; if it is held, give it back (a conditional
 * write, so two deliveries release it once), or, for a job whose funds ran out, keep it
 * through its stop window (domain/hold.ts, `stopReserveUntil`; the renewal schedule
 * releases it then); if it was refused or already released there is nothing to do; if
 * there is none yet (`job.ended` overtook `job.submitted`), leave a marker so the late
 * submission holds nothing. Emits no event.
 */
export const releaseHold = async (
  job: { readonly jobId: string; readonly renterId: string },
  deps: Pick<BillingDeps, 'holds' | 'clock'>,
): Promise<ReleaseHoldOutcome> => {
  return retryOnConflict<ReleaseHoldOutcome>(
    async () => {
      const hold = await deps.holds.get(job.jobId);
      if (!hold) {
        if (await deps.holds.markEndedBeforeHold(job.jobId, job.renterId, deps.clock.now())) return 'ended_before_hold';
      } else if (hold.status !== 'held') {
        return 'nothing_held';
      } else if (hold.keptUntil) {
        return 'kept_for_stop';
      } else {
        const now = deps.clock.now();
        const keptUntil = stopReserveUntil(hold, now);
        if (keptUntil === undefined) {
          if (await deps.holds.release(hold, now)) return 'released';
        } else if (await deps.holds.keepUntil(hold, keptUntil)) {
          return 'kept_for_stop';
        }
      }
      // Lost a race with another delivery or the placement: read again.
      return CONFLICT;
    },
    { attempts: MAX_ATTEMPTS, exhausted: () => new Error(`the hold of job ${job.jobId} kept changing; the event will be retried`) },
  );
};
