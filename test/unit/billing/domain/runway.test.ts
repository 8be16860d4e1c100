import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import { emptyJobCost, type JobCost } from '#billing/domain/charge.ts';
import type { Hold } from '#billing/domain/hold.ts';
import { CURRENT_RATE_SECONDS, runningJobs, runwaySeconds } from '#billing/domain/runway.ts';
import { T0, at } from '#test/support/factories.ts';

const renterId = 'acct_renter000000001';
const hold = (jobId: string, amount: number): Hold => ({ jobId, accountId: renterId, amount: microUsd(amount), status: 'held', createdAt: T0.toISOString() });
const costWith = (jobId: string, rates: Record<string, { perHour: number; asOf: Date }>): JobCost => ({
  ...emptyJobCost(jobId, renterId),
  rates: Object.fromEntries(Object.entries(rates).map(([id, rate]) => [id, { perHour: microUsd(rate.perHour), asOf: rate.asOf.toISOString() }])),
});

describe('runningJobs', () => {
  it('sums the current rates of each held job\'s assignments and leaves out jobs with none', () => {
    const now = at(T0, 3600);
    const jobs = runningJobs(
      [hold('job_1', 1_000_000), hold('job_2', 2_000_000), hold('job_queued', 3_000_000)],
      [
        costWith('job_1', { a: { perHour: 900_000, asOf: at(now, -60) }, b: { perHour: 900_000, asOf: at(now, -30) } }),
        costWith('job_2', { c: { perHour: 450_000, asOf: at(now, -CURRENT_RATE_SECONDS - 1) } }),
      ],
      now,
    );

    expect(jobs).toEqual([{ jobId: 'job_1', held: 1_000_000, perHour: 1_800_000 }]);
  });
});

describe('runwaySeconds', () => {
  it('is null when nothing runs at a known rate', () => {
    expect(runwaySeconds(microUsd(5_000_000), [])).toBeNull();
  });

  it('divides available funds plus the running jobs\' holds by their hourly cost', () => {
    // $0.90 free + $0.90 held, at $1.80 an hour: one hour.
    expect(runwaySeconds(microUsd(900_000), [{ jobId: 'job_1', held: microUsd(900_000), perHour: microUsd(1_800_000) }])).toBe(3600);
  });

  it('is zero when nothing is left', () => {
    expect(runwaySeconds(microUsd(-100), [{ jobId: 'job_1', held: microUsd(0), perHour: microUsd(1) }])).toBe(0);
  });

  it('never promises more than the funds cover, and is short of it by under a second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 1e9 }), (funds, perHour) => {
        const seconds = runwaySeconds(microUsd(funds), [{ jobId: 'job_1', held: microUsd(0), perHour: microUsd(perHour) }]) ?? 0;
        expect(BigInt(seconds) * BigInt(perHour) <= BigInt(funds) * 3600n).toBe(true);
        expect(BigInt(seconds + 1) * BigInt(perHour) > BigInt(funds) * 3600n).toBe(true);
      }),
    );
  });
});
