import { microUsd, type MicroUsd } from '#platform/money.ts';
import type { JobCost } from './charge.ts';
import type { Hold } from './hold.ts';
import { CURRENT_RATE_SECONDS } from './runway.ts';

/**
 * Rolling holds (ARCHITECTURE.md, Money; issue: "holds roll forward"). A job's first hold
 * covers one hour (or its max duration) at its max price. While it runs, each usage charge
 * takes what it costs out of that hold, and a schedule renews the hold so that it always
 * covers the next `coverSeconds` at the job's current rate (or what is left of its max
 * duration), drawing on the renter's available funds with one conditional write. When the
 * available funds cannot bring it there, the renewal takes what there is; once the hold
 * cannot cover even `minCoverSeconds` (one renewal period, the stop grace and a margin),
 * the job's funds are exhausted and it is stopped. So the renter never spends more than
 * the balance allows, and every charge up to the stop draws on money already held for it.
 */
export interface HoldSettings {
  /** How far ahead a running job's hold covers (default one hour). */
  readonly coverSeconds: number;
  /** Below this much cover, after taking everything available, the job's funds are exhausted. */
  readonly minCoverSeconds: number;
  /** `balance.low` fires when the renter's runway drops under this. */
  readonly lowRunwaySeconds: number;
}

export const DEFAULT_HOLD_SETTINGS: HoldSettings = { coverSeconds: 3600, minCoverSeconds: 180, lowRunwaySeconds: 3600 };

const MILLIS_PER_HOUR = 3_600_000;

/**
 * What the job costs per hour now: the sum of its assignments' latest rates, each read from
 * its newest usage record, counted only while that record is at most `CURRENT_RATE_SECONDS`
 * old (an assignment that stopped reporting has stopped, or lost its host). Zero when no
 * assignment reports.
 */
export const currentRate = (cost: JobCost | undefined, now: Date): MicroUsd => {
  if (!cost) return microUsd(0);
  const since = new Date(now.getTime() - CURRENT_RATE_SECONDS * 1000).toISOString();
  return microUsd(Object.values(cost.rates).filter((rate) => rate.asOf >= since).reduce((total, rate) => total + rate.perHour, 0));
};

/** `perHour` for `seconds`, rounded up to the micro-dollar so a hold never falls short. */
export const costOfSeconds = (perHour: MicroUsd, seconds: number): MicroUsd =>
  microUsd(Math.ceil((perHour * Math.max(0, seconds) * 1000) / MILLIS_PER_HOUR));

/** Seconds of the max duration left since the job's first usage (undefined: no max duration known). */
const maxDurationLeft = (hold: Hold, cost: JobCost | undefined, now: Date): number | undefined => {
  if (hold.maxDurationSeconds === undefined) return undefined;
  const startedAt = cost?.firstUsageAt ? Date.parse(cost.firstUsageAt) : now.getTime();
  return hold.maxDurationSeconds - Math.max(0, (now.getTime() - startedAt) / 1000);
};

/**
 * How long the job may still be billed that its hold must cover: `coverSeconds`, or what is
 * left of its max duration since its first usage plus the margin past it (stop grace and
 * clock skew, which metering may still bill), whichever is shorter.
 */
export const secondsToCover = (hold: Hold, cost: JobCost | undefined, now: Date, settings: HoldSettings): number => {
  const left = maxDurationLeft(hold, cost, now);
  if (left === undefined) return settings.coverSeconds;
  return Math.max(0, Math.min(settings.coverSeconds, Math.ceil(left + (hold.marginSeconds ?? 0))));
};

/**
 * Slack for the rate's own rounding (each record's rate is rounded half up, so a job's
 * measured rate can sit a few µUSD/h above its price): a hold within this much of its
 * minimum is not exhausted. Issue 13 saw a fully funded job stopped over 115 µUSD.
 */
export const RENEWAL_TOLERANCE_SECONDS = 2;

export type RenewalDecision =
  /** No current rate (not started, or silent): the hold stands as it is. */
  | { readonly kind: 'no_rate' }
  /** The hold already covers what it must. */
  | { readonly kind: 'covered'; readonly target: MicroUsd }
  /** Add `amount` from available funds: the hold then covers the whole target. */
  | { readonly kind: 'renew'; readonly amount: MicroUsd; readonly target: MicroUsd }
  /** Available funds fall short of the target but what they add still covers the minimum. */
  | { readonly kind: 'partial'; readonly amount: MicroUsd; readonly target: MicroUsd }
  /**
   * Even with all of the available funds (`amount`, possibly 0) the hold cannot cover the
   * minimum: the funds are exhausted and the job must stop. `wanted` is the renewal refused.
   */
  | { readonly kind: 'exhausted'; readonly amount: MicroUsd; readonly wanted: MicroUsd; readonly target: MicroUsd };

/**
 * Decides one renewal of a running job's hold. The hold never shrinks here (it is released
 * when the job ends); a job whose funds were already found exhausted is left alone.
 *
 * `renterOutOfFunds`: another running job of the same renter was found exhausted and is not
 * released yet. A job of that renter whose hold is short of its target, and that the
 * available funds cannot bring there (no top-up came), is exhausted too, at once: left
 * running, it could renew only from the stopped job's hold, and that rest is the stopped
 * job's stop reserve (its agent still runs, and is billed, until it stops), which is why
 * that hold is kept through the stop window (`stopReserveUntil`, hold.ts).
 */
export const decideRenewal = (
  hold: Hold,
  cost: JobCost | undefined,
  available: MicroUsd,
  now: Date,
  settings: HoldSettings,
  renterOutOfFunds = false,
): RenewalDecision => {
  const perHour = currentRate(cost, now);
  if (perHour <= 0) return { kind: 'no_rate' };
  const seconds = secondsToCover(hold, cost, now, settings);
  const target = costOfSeconds(perHour, seconds);
  if (hold.amount >= target) return { kind: 'covered', target };
  const wanted = microUsd(target - hold.amount);
  if (available >= wanted) return { kind: 'renew', amount: wanted, target };
  const amount = microUsd(Math.max(0, available));
  // Slack for rounding only: a wider one would let a job run on past its funds.
  const tolerance = costOfSeconds(perHour, RENEWAL_TOLERANCE_SECONDS);
  // A hold that already covers the rest of the max duration can only run into its margin: never exhausted.
  const left = maxDurationLeft(hold, cost, now);
  const restOfMax = left === undefined ? undefined : costOfSeconds(perHour, Math.max(0, Math.ceil(left)));
  if (restOfMax !== undefined && hold.amount + amount + tolerance >= restOfMax) return { kind: 'partial', amount, target };
  if (renterOutOfFunds) return { kind: 'exhausted', amount, wanted, target };
  const minimum = costOfSeconds(perHour, Math.min(settings.minCoverSeconds, seconds));
  if (hold.amount + amount + tolerance >= minimum) return { kind: 'partial', amount, target };
  return { kind: 'exhausted', amount, wanted, target };
};

/**
 * Whether the renter's low-runway warning is armed: it fires once per crossing. It is
 * re-armed when the runway recovers (`rearm`), or when none of the jobs it warned about
 * still runs (a new job is a new situation).
 */
export interface LowRunwayMarker {
  readonly accountId: string;
  readonly state: 'low' | 'ok';
  /** The running jobs the last warning named. */
  readonly jobIds: readonly string[];
  readonly version: number;
  readonly at: string;
}

export type LowRunwayDecision = 'warn' | 'rearm' | 'none';

export const decideLowRunway = (
  marker: LowRunwayMarker | undefined,
  runwaySeconds: number | null,
  runningJobIds: readonly string[],
  settings: HoldSettings,
): LowRunwayDecision => {
  if (runwaySeconds === null || runningJobIds.length === 0) return 'none';
  if (runwaySeconds >= settings.lowRunwaySeconds) return marker?.state === 'low' ? 'rearm' : 'none';
  const warned = marker?.state === 'low' && marker.jobIds.some((jobId) => runningJobIds.includes(jobId));
  return warned ? 'none' : 'warn';
};
