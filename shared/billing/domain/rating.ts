import { microUsd, type MicroUsd } from '#platform/money.ts';

/**
 * Rating: what one validated usage record costs, and who gets what (ARCHITECTURE.md, Money).
 * Pure integer arithmetic with BigInt: no floating point touches an amount.
 *
 * The rounding rule, applied once per usage record and nowhere else:
 * 1. GPU-seconds arrive "to the millisecond" (a JSON number); they become whole
 *    milli-GPU-seconds, the unit the meter measures in (`toMilliGpuSeconds`).
 * 2. The renter pays `milliGpuSeconds x pricePerGpuHour / 3,600,000` micro-USD, rounded half
 *    up from the exact rational (`roundHalfUp`): the renter is never off by more than half
 *    a micro-dollar per record, in either direction.
 * 3. The provider earns the renter's amount times `(10,000 - feeBps) / 10,000`, rounded
 *    down; the platform takes the rest. So renter = provider + platform exactly: the fee's
 *    rounding remainder always goes to the platform, and no micro-dollar is made or lost.
 *
 * Example: 1 GPU at $0.900000/h for 1,800 GPU-seconds, fee 10%: renter 450,000 µUSD,
 * provider 405,000, platform 45,000.
 */
export const BASIS_POINTS = 10_000;
/** The platform's fee when `PLATFORM_FEE_BPS` is not set: 10%. */
export const DEFAULT_PLATFORM_FEE_BPS = 1_000;

const MILLIS_PER_HOUR = 3_600_000n;

export interface UsageToRate {
  /** GPU-seconds after validation and clipping, to the millisecond. */
  readonly gpuSeconds: number;
  /** What the renter pays per GPU-hour, micro-USD. */
  readonly pricePerGpuHour: number;
}

/** One record's money, all three non-negative: `renter = provider + platform`. */
export interface UsageRating {
  /** What the renter pays. */
  readonly renter: MicroUsd;
  /** What the provider earns. */
  readonly provider: MicroUsd;
  /** The platform's fee, rounding remainder included. */
  readonly platform: MicroUsd;
}

export class RatingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RatingError';
  }
}

/** `numerator / denominator` rounded half up, for a non-negative numerator and a positive denominator. */
export const roundHalfUp = (numerator: bigint, denominator: bigint): bigint => {
  if (numerator < 0n || denominator <= 0n) throw new RatingError(`cannot round ${numerator}/${denominator}`);
  return (2n * numerator + denominator) / (2n * denominator);
};

/** GPU-seconds (a number, to the millisecond) as whole milli-GPU-seconds. */
export const toMilliGpuSeconds = (gpuSeconds: number): bigint => {
  if (!Number.isFinite(gpuSeconds) || gpuSeconds < 0) throw new RatingError(`${gpuSeconds} is not a number of GPU-seconds`);
  const millis = Math.round(gpuSeconds * 1000);
  if (!Number.isSafeInteger(millis)) throw new RatingError(`${gpuSeconds} GPU-seconds is too large to rate`);
  return BigInt(millis);
};

const toMicroUsd = (amount: bigint): MicroUsd => {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new RatingError(`${amount} micro-USD is too large`);
  return microUsd(Number(amount));
};

export const assertFeeBps = (feeBps: number): number => {
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > BASIS_POINTS) throw new RatingError(`a fee of ${feeBps} basis points is not between 0 and 10000`);
  return feeBps;
};

/**
 * Splits what the renter pays between provider and platform (rule 3 above): the provider's
 * share rounded down, the remainder the platform's. `rateUsage` uses it, and so does a
 * charge cut to its job's holds.
 */
export const splitFee = (renter: MicroUsd, feeBps: number = DEFAULT_PLATFORM_FEE_BPS): UsageRating => {
  assertFeeBps(feeBps);
  const provider = (BigInt(renter) * BigInt(BASIS_POINTS - feeBps)) / BigInt(BASIS_POINTS);
  return { renter, provider: toMicroUsd(provider), platform: toMicroUsd(BigInt(renter) - provider) };
};

/** The one named rounding function of the money path: see the rule above. */
export const rateUsage = (usage: UsageToRate, feeBps: number = DEFAULT_PLATFORM_FEE_BPS): UsageRating => {
  assertFeeBps(feeBps);
  if (!Number.isSafeInteger(usage.pricePerGpuHour) || usage.pricePerGpuHour < 0) {
    throw new RatingError(`${usage.pricePerGpuHour} is not a price in micro-USD per GPU-hour`);
  }
  const renter = roundHalfUp(toMilliGpuSeconds(usage.gpuSeconds) * BigInt(usage.pricePerGpuHour), MILLIS_PER_HOUR);
  return splitFee(toMicroUsd(renter), feeBps);
};
