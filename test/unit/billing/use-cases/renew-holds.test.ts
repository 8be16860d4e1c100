import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import type { UsageRecord } from '#billing/domain/charge.ts';
import { DEFAULT_HOLD_SETTINGS } from '#billing/domain/renewal.ts';
import { chargeUsage } from '#billing/use-cases/charge-usage.ts';
import { addCredits } from '#billing/use-cases/credits.ts';
import { placeHold, releaseHold } from '#billing/use-cases/holds.ts';
import { renewHolds } from '#billing/use-cases/renew-holds.ts';
import { T0, at } from '#test/support/factories.ts';
import { inMemoryBilling, type BillingState } from '../fakes.ts';

const renterId = 'acct_renter000000001';
const providerId = 'acct_provider0000001';
const USD = 1_000_000;

type Billing = ReturnType<typeof inMemoryBilling>;

/** A renter with `funds`, one job held at `hold`, and a clock the test moves. */
const setUp = async (funds: number, hold: number, jobs: readonly string[] = ['job_1'], maxDurationSeconds?: number) => {
  const billing = inMemoryBilling(T0);
  await addCredits({ accountId: renterId, amount: microUsd(funds) }, billing.deps);
  for (const jobId of jobs) await placeHold({ jobId, renterId, holdAmount: hold, ...(maxDurationSeconds ? { maxDurationSeconds } : {}) }, billing.deps);
  billing.state.outbox.length = 0;
  return billing;
};

let sequence = 0;
/** `seconds` of `gpus` GPUs at `price` ending now on the billing clock. */
const usageNow = (billing: Billing, seconds: number, price: number, gpus = 1, jobId = 'job_1'): UsageRecord => {
  const to = billing.deps.clock.now();
  sequence += 1;
  return {
    usageRecordId: `use_${sequence}`, assignmentId: `${jobId}.a1.r0`, jobId, renterId, providerId, hostId: 'host_1',
    gpuSeconds: seconds * gpus, from: at(to, -seconds).toISOString(), to: to.toISOString(), pricePerGpuHour: price,
  };
};

const eventsOf = (state: BillingState, type: string) => state.outbox.filter((event) => event.detailType === type).map((event) => event.detail);

describe('renewHolds', () => {
  it('rolls a running job\'s hold forward to cover the next hour at its current rate', async () => {
    const billing = await setUp(10 * USD, 900_000);
    billing.advance(600);
    await chargeUsage(usageNow(billing, 600, 900_000), billing.deps); // $0.15 out of the hold

    const result = await renewHolds(billing.deps);

    expect(result).toMatchObject({ holds: 1, renewed: 1, exhausted: 0 });
    expect(billing.state.holds.get('job_1')?.amount).toBe(900_000);
    expect(billing.state.balanceOf(renterId)).toMatchObject({ balance: 9_850_000, held: 900_000, available: 8_950_000 });
  });

  it('holds nothing more for a job that has not reported usage yet', async () => {
    const billing = await setUp(10 * USD, 900_000);

    expect(await renewHolds(billing.deps)).toMatchObject({ holds: 1, renewed: 0 });
    expect(billing.state.balanceOf(renterId)).toMatchObject({ held: 900_000, available: 9_100_000 });
  });

  it('announces funds.exhausted once when the hold cannot be renewed, with the last of the funds held', async () => {
    // $1.00 in all, $0.90 held: at $36/h (1 ¢ a second) the hold lasts 90 s.
    const billing = await setUp(USD, 900_000);
    billing.advance(60);
    await chargeUsage(usageNow(billing, 60, 36 * USD), billing.deps);

    await renewHolds(billing.deps);
    await renewHolds(billing.deps);

    expect(eventsOf(billing.state, 'funds.exhausted')).toEqual([
      expect.objectContaining({ jobId: 'job_1', renterId, reason: 'insufficient_funds', available: 100_000, amount: 35_700_000 }),
    ]);
    expect(billing.state.holds.get('job_1')).toMatchObject({ amount: 400_000, exhaustedAt: at(T0, 60).toISOString() });
    expect(billing.state.balanceOf(renterId)).toMatchObject({ balance: 400_000, held: 400_000, available: 0 });
  });

  it('warns once when the runway drops under the threshold, and again after it recovered', async () => {
    const billing = await setUp(2 * USD, 900_000);
    billing.advance(60);
    await chargeUsage(usageNow(billing, 60, 900_000), billing.deps);

    await renewHolds(billing.deps);
    await renewHolds(billing.deps);
    // 1.985 USD at 0.90/h lasts 7,940 s: over the default hour, no warning.
    expect(eventsOf(billing.state, 'balance.low')).toEqual([]);

    // The threshold is 3 h here: 1.985 USD at 0.90/h is 2.2 h.
    const warned = { ...billing.deps, holdSettings: { ...DEFAULT_HOLD_SETTINGS, lowRunwaySeconds: 3 * 3600 } };
    await renewHolds(warned);
    await renewHolds(warned);
    expect(eventsOf(billing.state, 'balance.low')).toEqual([expect.objectContaining({ accountId: renterId, runwaySeconds: 7940, runningJobIds: ['job_1'] })]);

    await addCredits({ accountId: renterId, amount: microUsd(5 * USD) }, billing.deps);
    await renewHolds(warned);
    expect(billing.state.lowRunway.get(renterId)?.state).toBe('ok');
    billing.advance(60);
    await chargeUsage(usageNow(billing, 60, 900_000), billing.deps);
    await renewHolds({ ...warned, holdSettings: { ...DEFAULT_HOLD_SETTINGS, lowRunwaySeconds: 24 * 3600 } });
    expect(eventsOf(billing.state, 'balance.low')).toHaveLength(2);
  });

  it('drops the pointer of a job whose hold was released, and renews nothing for it', async () => {
    const billing = await setUp(10 * USD, 900_000);
    billing.advance(60);
    await chargeUsage(usageNow(billing, 60, 900_000), billing.deps);
    await releaseHold({ jobId: 'job_1', renterId }, billing.deps);

    expect(await renewHolds(billing.deps)).toMatchObject({ holds: 0, renewed: 0 });
    expect(billing.state.balanceOf(renterId)).toMatchObject({ held: 0 });
  });

  it('stops every running job of a renter who ran out at once, so none lives on the stop reserve a stopped job gives back', async () => {
    // $1.90 in all, $0.90 held for each job, $0.10 available; at $36/h (1 ¢ a second) a job
    // must keep 30 s (0.30 USD) of cover. job_1 used 0.75 of its hold, job_2 only 0.10.
    const billing = await setUp(1_900_000, 900_000, ['job_2', 'job_1']);
    const settings = { ...billing.deps, holdSettings: { ...DEFAULT_HOLD_SETTINGS, minCoverSeconds: 30 } };
    billing.advance(75);
    await chargeUsage(usageNow(billing, 75, 36 * USD, 1, 'job_1'), billing.deps);
    await chargeUsage(usageNow(billing, 10, 36 * USD, 1, 'job_2'), billing.deps);

    // job_2 comes first and takes the last 0.10 (0.90 covers its minimum); job_1 cannot
    // cover 0.30 any more: the renter has run out, and job_2 stops with it.
    expect(await renewHolds(settings)).toMatchObject({ holds: 2, exhausted: 2 });
    expect(eventsOf(billing.state, 'funds.exhausted')).toEqual([
      expect.objectContaining({ jobId: 'job_1', renterId, amount: 35_850_000, available: 0 }),
      expect.objectContaining({ jobId: 'job_2', renterId, amount: 35_100_000, available: 0 }),
    ]);

    // job_1's end gives the rest of its hold back; job_2 does not renew from it.
    await releaseHold({ jobId: 'job_1', renterId }, billing.deps);
    expect(await renewHolds(settings)).toMatchObject({ holds: 1, renewed: 0, partial: 0 });
    expect(billing.state.holds.get('job_2')).toMatchObject({ amount: 900_000, exhaustedAt: at(T0, 75).toISOString() });
    expect(billing.state.balanceOf(renterId)).toMatchObject({ balance: 1_050_000, held: 900_000, available: 150_000 });
  });

  it('keeps a stopped job\'s hold through its stop window, so a job that took the last funds cannot renew from it', async () => {
    // $2,000.40 in all and $1,000 held for each job at $1,000/h, with 35 s of stop grace and
    // skew; a hold must keep all but 2 s of the hour. job_2 comes first and takes the last
    // $0.40 as a full top-up, so only job_1 runs out in that run.
    const billing = inMemoryBilling(T0);
    await addCredits({ accountId: renterId, amount: microUsd(2_000_400_000) }, billing.deps);
    for (const jobId of ['job_2', 'job_1']) {
      await placeHold({ jobId, renterId, holdAmount: 1000 * USD, maxDurationSeconds: 86_400, holdMarginSeconds: 35 }, billing.deps);
    }
    const settings = { ...billing.deps, holdSettings: { ...DEFAULT_HOLD_SETTINGS, minCoverSeconds: 3598 } };
    billing.advance(10);
    await chargeUsage(usageNow(billing, 1, 1000 * USD, 1, 'job_2'), billing.deps);
    await chargeUsage(usageNow(billing, 10, 1000 * USD, 1, 'job_1'), billing.deps);
    expect(await renewHolds(settings)).toMatchObject({ exhausted: 1 });
    expect(billing.state.holds.get('job_2')).toMatchObject({ amount: 1000 * USD });
    expect(billing.state.holds.get('job_2')?.exhaustedAt).toBeUndefined();

    // Matching fails job_1 at once; its agent still runs, and is billed, until it stops.
    expect(await releaseHold({ jobId: 'job_1', renterId }, billing.deps)).toBe('kept_for_stop');
    billing.advance(2);
    await chargeUsage(usageNow(billing, 2, 1000 * USD, 1, 'job_1'), billing.deps);
    await chargeUsage(usageNow(billing, 2, 1000 * USD, 1, 'job_2'), billing.deps);

    // job_2 is short of its cover, and the renter has nothing available: it stops too.
    expect(await renewHolds(settings)).toMatchObject({ renewed: 0, exhausted: 1, released: 0 });
    expect(eventsOf(billing.state, 'funds.exhausted').map((event) => event.jobId)).toEqual(['job_1', 'job_2']);
    expect(billing.state.balanceOf(renterId).available).toBe(0);

    // Once job_1's stop window has passed, the rest of its hold goes back.
    const kept = billing.state.holds.get('job_1')!;
    billing.advance(32);
    expect(await renewHolds(settings)).toMatchObject({ released: 0 });
    billing.advance(1);
    expect(await renewHolds(settings)).toMatchObject({ released: 1, renewed: 0 });
    const balance = billing.state.balanceOf(renterId);
    expect(balance).toMatchObject({ held: billing.state.holds.get('job_2')!.amount, available: kept.amount });
    expect(balance.held + balance.available).toBe(balance.balance);
  });

  it('leaves the jobs of another renter alone when one renter runs out', async () => {
    const billing = await setUp(1_000_000, 900_000, ['job_1']);
    const otherRenter = 'acct_renter000000002';
    await addCredits({ accountId: otherRenter, amount: microUsd(10 * USD) }, billing.deps);
    await placeHold({ jobId: 'job_9', renterId: otherRenter, holdAmount: 900_000 }, billing.deps);
    const settings = { ...billing.deps, holdSettings: { ...DEFAULT_HOLD_SETTINGS, minCoverSeconds: 30 } };
    billing.advance(85);
    await chargeUsage(usageNow(billing, 85, 36 * USD, 1, 'job_1'), billing.deps);
    await chargeUsage({ ...usageNow(billing, 10, 36 * USD, 1, 'job_9'), renterId: otherRenter }, billing.deps);

    expect(await renewHolds(settings)).toMatchObject({ holds: 2, exhausted: 1 });
    expect(eventsOf(billing.state, 'funds.exhausted')).toEqual([expect.objectContaining({ jobId: 'job_1' })]);
    expect(billing.state.holds.get('job_9')?.exhaustedAt).toBeUndefined();
  });

  it('never lets concurrent jobs of one renter hold more than the balance', async () => {
    const billing = await setUp(3 * USD, 900_000, ['job_1', 'job_2', 'job_3']);
    billing.advance(1800);
    await Promise.all(['job_1', 'job_2', 'job_3'].map((jobId) => chargeUsage(usageNow(billing, 1800, 1_800_000, 1, jobId), billing.deps)));

    await Promise.all([renewHolds(billing.deps), renewHolds(billing.deps)]);

    const balance = billing.state.balanceOf(renterId);
    expect(balance.available).toBeGreaterThanOrEqual(0);
    expect(balance.held + balance.available).toBe(balance.balance);
    expect(balance.balance).toBe(300_000);
  });
});

describe('rolling holds (property)', () => {
  it('never lets the renter spend more than the balance, pays the provider every charge, and stops a job at most once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1_000, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 300 }),
        async (gpus, price, extraPercent) => {
          const firstHold = price * gpus;
          const billing = await setUp(Math.ceil((firstHold * (100 + extraPercent)) / 100), firstHold);
          let providerEarned = 0;
          const charge = async (seconds: number) => {
            billing.advance(seconds);
            const result = await chargeUsage(usageNow(billing, seconds, price, gpus), billing.deps);
            if (result.outcome === 'charged') providerEarned += result.charge.amounts.provider;
          };
          for (let minute = 0; minute < 300; minute += 1) {
            await charge(60);
            await renewHolds(billing.deps);
            const balance = billing.state.balanceOf(renterId);
            expect(balance.available).toBeGreaterThanOrEqual(0);
            expect(balance.held).toBeGreaterThanOrEqual(0);
            if (eventsOf(billing.state, 'funds.exhausted').length > 0) {
              // Matching stops it: the agent's last minute and the stop grace are still billed.
              await charge(90);
              await renewHolds(billing.deps);
              await releaseHold({ jobId: 'job_1', renterId }, billing.deps);
              break;
            }
          }
          const balance = billing.state.balanceOf(renterId);
          // The funds last at most four hours at this rate: the job ran out within the five simulated.
          expect(eventsOf(billing.state, 'funds.exhausted')).toHaveLength(1);
          expect(balance.balance).toBeGreaterThanOrEqual(0);
          expect(balance.available).toBeGreaterThanOrEqual(0);
          expect(balance.held + balance.available).toBe(balance.balance);
          expect(billing.state.balanceOf(providerId).balance).toBe(providerEarned);
          const entries = billing.state.entries.filter((entry) => entry.accountId === renterId).reduce((total, entry) => total + entry.amount, 0);
          expect(entries).toBe(balance.balance);
        },
      ),
      { numRuns: 60 },
    );
  });
});
