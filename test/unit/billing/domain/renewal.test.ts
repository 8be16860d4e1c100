import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import type { JobCost } from '#billing/domain/charge.ts';
import type { Hold } from '#billing/domain/hold.ts';
import { DEFAULT_HOLD_SETTINGS, costOfSeconds, currentRate, decideLowRunway, decideRenewal, secondsToCover } from '#billing/domain/renewal.ts';
import { T0, at } from '#test/support/factories.ts';

const USD = 1_000_000;
const hold = (amount: number, extra: Partial<Hold> = {}): Hold => ({
  jobId: 'job_1', accountId: 'acct_r', amount: microUsd(amount), status: 'held', createdAt: T0.toISOString(), ...extra,
});
/** A job whose one assignment last reported at `asOf`, costing `perHour`. */
const cost = (perHour: number, asOf: Date = T0, firstUsageAt?: Date): JobCost => ({
  jobId: 'job_1', renterId: 'acct_r', cost: microUsd(0), charges: 1, version: 1,
  rates: { asg_1: { perHour: microUsd(perHour), asOf: asOf.toISOString() } },
  ...(firstUsageAt ? { firstUsageAt: firstUsageAt.toISOString() } : {}),
});

describe('currentRate', () => {
  it('adds the assignments that reported in the last ten minutes and ignores silent ones', () => {
    const job: JobCost = { ...cost(0), rates: { a: { perHour: microUsd(900_000), asOf: T0.toISOString() }, b: { perHour: microUsd(500_000), asOf: at(T0, -601).toISOString() } } };
    expect(currentRate(job, T0)).toBe(900_000);
    expect(currentRate(undefined, T0)).toBe(0);
  });
});

describe('costOfSeconds', () => {
  it('rounds up to the micro-dollar so a hold never falls short', () => {
    expect(costOfSeconds(microUsd(900_000), 3600)).toBe(900_000);
    expect(costOfSeconds(microUsd(1), 1)).toBe(1);
    expect(costOfSeconds(microUsd(900_000), -5)).toBe(0);
  });
});

describe('secondsToCover', () => {
  it('covers an hour, or what is left of the max duration since the first usage', () => {
    expect(secondsToCover(hold(0), cost(1), T0, DEFAULT_HOLD_SETTINGS)).toBe(3600);
    expect(secondsToCover(hold(0, { maxDurationSeconds: 7200 }), cost(1, T0, at(T0, -5400)), T0, DEFAULT_HOLD_SETTINGS)).toBe(1800);
    expect(secondsToCover(hold(0, { maxDurationSeconds: 600 }), cost(1, T0, at(T0, -900)), T0, DEFAULT_HOLD_SETTINGS)).toBe(0);
  });
});

describe('decideRenewal', () => {
  const perHour = 900_000; // $0.90 an hour

  it('never exhausts a hold that covers the rest of the max duration, even a rounding short of it (issue 13)', () => {
    // $60/h, max 60 s, 26 s gone: the rest costs 566,667; the hold is 115 µUSD short and nothing is available.
    const fullyFunded = hold(566_552, { maxDurationSeconds: 60, marginSeconds: 35 });
    const decision = decideRenewal(fullyFunded, cost(60_000_000, T0, at(T0, -26)), microUsd(0), T0, DEFAULT_HOLD_SETTINGS);

    expect(decision.kind).toBe('partial');
  });

  it('covers the stop grace and skew past the max duration, as the first hold does', () => {
    const nearlyDone = hold(0, { maxDurationSeconds: 3600, marginSeconds: 35 });
    // 3,540 s of 3,600 gone: one minute + 35 s left costs 23,750 at $0.90/h.
    expect(decideRenewal(nearlyDone, cost(perHour, T0, at(T0, -3540)), microUsd(5 * USD), T0, DEFAULT_HOLD_SETTINGS)).toEqual({ kind: 'renew', amount: 23_750, target: 23_750 });
  });

  it('leaves a hold alone while nothing reports usage', () => {
    expect(decideRenewal(hold(10), undefined, microUsd(100 * USD), T0, DEFAULT_HOLD_SETTINGS)).toEqual({ kind: 'no_rate' });
    expect(decideRenewal(hold(10), cost(perHour, at(T0, -700)), microUsd(100 * USD), T0, DEFAULT_HOLD_SETTINGS)).toEqual({ kind: 'no_rate' });
  });

  it('tops the hold up to the next hour at the current rate when available funds cover it', () => {
    expect(decideRenewal(hold(600_000), cost(perHour), microUsd(5 * USD), T0, DEFAULT_HOLD_SETTINGS)).toEqual({ kind: 'renew', amount: 300_000, target: 900_000 });
  });

  it('does nothing when the hold already covers the next hour, and never shrinks it', () => {
    expect(decideRenewal(hold(4 * USD), cost(perHour), microUsd(0), T0, DEFAULT_HOLD_SETTINGS)).toEqual({ kind: 'covered', target: 900_000 });
  });

  it('never covers past the max duration', () => {
    const nearlyDone = hold(10_000, { maxDurationSeconds: 3600 });
    // 3,540 s of 3,600 gone: one minute left costs 15,000.
    expect(decideRenewal(nearlyDone, cost(perHour, T0, at(T0, -3540)), microUsd(5 * USD), T0, DEFAULT_HOLD_SETTINGS)).toEqual({ kind: 'renew', amount: 5_000, target: 15_000 });
  });

  it('takes what is available when that still covers the minimum', () => {
    // Minimum: 180 s at $0.90/h = 45,000. Held 40,000 + available 10,000 = 50,000.
    expect(decideRenewal(hold(40_000), cost(perHour), microUsd(10_000), T0, DEFAULT_HOLD_SETTINGS)).toEqual({ kind: 'partial', amount: 10_000, target: 900_000 });
  });

  it('is exhausted when even all of the available funds cannot cover the minimum', () => {
    expect(decideRenewal(hold(40_000), cost(perHour), microUsd(4_000), T0, DEFAULT_HOLD_SETTINGS)).toEqual({ kind: 'exhausted', amount: 4_000, wanted: 860_000, target: 900_000 });
    expect(decideRenewal(hold(40_000), cost(perHour), microUsd(-2_000), T0, DEFAULT_HOLD_SETTINGS)).toEqual({ kind: 'exhausted', amount: 0, wanted: 860_000, target: 900_000 });
  });

  it('is exhausted, with what is available, once another job of the renter ran out and the funds cannot renew it fully', () => {
    // 600,000 held covers far more than the minimum: alone it would take the 10,000 and go on.
    expect(decideRenewal(hold(600_000), cost(perHour), microUsd(10_000), T0, DEFAULT_HOLD_SETTINGS, true)).toEqual({ kind: 'exhausted', amount: 10_000, wanted: 300_000, target: 900_000 });
    // A top-up that renews it fully, or a hold still covering its hour, keeps it running.
    expect(decideRenewal(hold(600_000), cost(perHour), microUsd(5 * USD), T0, DEFAULT_HOLD_SETTINGS, true)).toEqual({ kind: 'renew', amount: 300_000, target: 900_000 });
    expect(decideRenewal(hold(900_000), cost(perHour), microUsd(0), T0, DEFAULT_HOLD_SETTINGS, true)).toEqual({ kind: 'covered', target: 900_000 });
    expect(decideRenewal(hold(600_000), undefined, microUsd(0), T0, DEFAULT_HOLD_SETTINGS, true)).toEqual({ kind: 'no_rate' });
  });
});

describe('decideLowRunway', () => {
  const settings = DEFAULT_HOLD_SETTINGS;
  const low = { accountId: 'acct_r', state: 'low' as const, jobIds: ['job_1'], version: 1, at: T0.toISOString() };

  it('warns once when the runway drops under the threshold', () => {
    expect(decideLowRunway(undefined, 1200, ['job_1'], settings)).toBe('warn');
    expect(decideLowRunway(low, 900, ['job_1'], settings)).toBe('none');
  });

  it('re-arms when the runway recovers, and warns again on the next crossing', () => {
    expect(decideLowRunway(low, 3600, ['job_1'], settings)).toBe('rearm');
    expect(decideLowRunway({ ...low, state: 'ok', jobIds: [] }, 1200, ['job_1'], settings)).toBe('warn');
  });

  it('warns again when none of the jobs it warned about still runs', () => {
    expect(decideLowRunway(low, 1200, ['job_2'], settings)).toBe('warn');
  });

  it('says nothing while nothing runs', () => {
    expect(decideLowRunway(undefined, null, [], settings)).toBe('none');
    expect(decideLowRunway(undefined, 5000, ['job_1'], settings)).toBe('none');
  });
});
