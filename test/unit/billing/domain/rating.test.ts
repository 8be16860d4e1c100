import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RatingError, rateUsage, roundHalfUp, toMilliGpuSeconds } from '#billing/domain/rating.ts';

/** GPU-seconds as metering sends them: to the millisecond, up to a 64-GPU host for 30 days. */
const gpuSeconds = fc.integer({ min: 0, max: 64 * 30 * 24 * 3_600_000 }).map((millis) => millis / 1000);
/** Up to $100 per GPU-hour. */
const price = fc.integer({ min: 0, max: 100_000_000 });
const feeBps = fc.integer({ min: 0, max: 10_000 });

describe('rateUsage', () => {
  it('holds the worked example of ARCHITECTURE.md: $0.90/h for 1,800 GPU-seconds', () => {
    expect(rateUsage({ gpuSeconds: 1800, pricePerGpuHour: 900_000 })).toEqual({ renter: 450_000, provider: 405_000, platform: 45_000 });
  });

  it('rounds the renter amount half up: 2 ms at $0.90/h is 0.5 µUSD, 1 ms is 0.25', () => {
    expect(rateUsage({ gpuSeconds: 0.002, pricePerGpuHour: 900_000 }).renter).toBe(1);
    expect(rateUsage({ gpuSeconds: 0.001, pricePerGpuHour: 900_000 }).renter).toBe(0);
  });

  it('gives the fee rounding remainder to the platform', () => {
    // 15 µUSD at 10%: the provider's exact share is 13.5, so it earns 13 and the platform 2.
    expect(rateUsage({ gpuSeconds: 0.06, pricePerGpuHour: 900_000 })).toEqual({ renter: 15, provider: 13, platform: 2 });
  });

  it('takes the configured fee', () => {
    expect(rateUsage({ gpuSeconds: 1800, pricePerGpuHour: 900_000 }, 2_500)).toEqual({ renter: 450_000, provider: 337_500, platform: 112_500 });
    expect(rateUsage({ gpuSeconds: 1800, pricePerGpuHour: 900_000 }, 0)).toEqual({ renter: 450_000, provider: 450_000, platform: 0 });
  });

  it.each([-1, 10_001, 0.5])('refuses a fee of %d basis points', (fee) => {
    expect(() => rateUsage({ gpuSeconds: 1, pricePerGpuHour: 1 }, fee)).toThrow(RatingError);
  });

  it('refuses a negative price or usage', () => {
    expect(() => rateUsage({ gpuSeconds: -1, pricePerGpuHour: 1 })).toThrow(RatingError);
    expect(() => rateUsage({ gpuSeconds: 1, pricePerGpuHour: -1 })).toThrow(RatingError);
  });

  it('never creates or loses a micro-dollar: renter debit, provider and platform credits sum to zero', () => {
    fc.assert(
      fc.property(gpuSeconds, price, feeBps, (seconds, perHour, fee) => {
        const rating = rateUsage({ gpuSeconds: seconds, pricePerGpuHour: perHour }, fee);
        expect(-rating.renter + rating.provider + rating.platform).toBe(0);
        expect(rating.provider).toBeGreaterThanOrEqual(0);
        expect(rating.platform).toBeGreaterThanOrEqual(0);
        for (const amount of Object.values(rating)) expect(Number.isSafeInteger(amount)).toBe(true);
      }),
    );
  });

  it('charges the exact rational to within half a micro-dollar, and the platform its exact fee to within one', () => {
    fc.assert(
      fc.property(gpuSeconds, price, feeBps, (seconds, perHour, fee) => {
        const rating = rateUsage({ gpuSeconds: seconds, pricePerGpuHour: perHour }, fee);
        const exactTimes3_600_000 = toMilliGpuSeconds(seconds) * BigInt(perHour);
        const error = BigInt(rating.renter) * 3_600_000n - exactTimes3_600_000;
        expect(error * 2n <= 3_600_000n && error * 2n > -3_600_000n).toBe(true);
        const feeError = BigInt(rating.platform) * 10_000n - BigInt(rating.renter) * BigInt(fee);
        expect(feeError >= 0n && feeError < 10_000n).toBe(true);
      }),
    );
  });

  it('is monotone in GPU-seconds: more usage never costs the renter less or earns the provider less', () => {
    fc.assert(
      fc.property(gpuSeconds, gpuSeconds, price, feeBps, (a, b, perHour, fee) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const less = rateUsage({ gpuSeconds: low, pricePerGpuHour: perHour }, fee);
        const more = rateUsage({ gpuSeconds: high, pricePerGpuHour: perHour }, fee);
        expect(more.renter).toBeGreaterThanOrEqual(less.renter);
        expect(more.provider).toBeGreaterThanOrEqual(less.provider);
      }),
    );
  });
});

describe('roundHalfUp', () => {
  it.each([
    [1n, 2n, 1n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [5n, 2n, 3n],
    [0n, 7n, 0n],
  ])('%d / %d rounds to %d', (numerator, denominator, expected) => {
    expect(roundHalfUp(numerator, denominator)).toBe(expected);
  });
});

describe('toMilliGpuSeconds', () => {
  it('reads GPU-seconds to the millisecond without floating-point drift', () => {
    expect(toMilliGpuSeconds(0.1 + 0.2)).toBe(300n);
    expect(toMilliGpuSeconds(1800)).toBe(1_800_000n);
  });
});
