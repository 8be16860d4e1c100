import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#platform/errors.ts';
import { microUsd } from '#platform/money.ts';
import { monthRange } from '#billing/domain/statement.ts';
import { chargeUsage } from '#billing/use-cases/charge-usage.ts';
import { addCredits } from '#billing/use-cases/credits.ts';
import { getStatement } from '#billing/use-cases/statements.ts';
import { inMemoryBilling } from '../fakes.ts';

const renterId = 'acct_renter000000001';
const providerId = 'acct_provider0000001';
const USD = 1_000_000;
const OCTOBER = new Date('2026-10-20T12:00:00.000Z');

/** A renter credited in October, charged in October and November for two jobs on two hosts. */
const history = async () => {
  const billing = inMemoryBilling(OCTOBER);
  const charge = (id: string, jobId: string, hostId: string, gpuSeconds: number) =>
    chargeUsage({
      usageRecordId: id, assignmentId: `${jobId}.a1.r0`, jobId, renterId, providerId, hostId, gpuSeconds,
      from: billing.deps.clock.now().toISOString(), to: billing.deps.clock.now().toISOString(), pricePerGpuHour: 900_000,
    }, billing.deps);
  await addCredits({ accountId: renterId, amount: microUsd(10 * USD), reference: 'inv-1' }, billing.deps);
  await charge('use_1', 'job_1', 'host_1', 1800); // 0.45
  billing.advance(20 * 24 * 3600); // 2026-11-09
  await addCredits({ accountId: renterId, amount: microUsd(5 * USD), reference: 'inv-2' }, billing.deps);
  await charge('use_2', 'job_1', 'host_1', 600); // 0.15
  await charge('use_3', 'job_1', 'host_1', 60.5); // 0.015125
  await charge('use_4', 'job_2', 'host_2', 3600); // 0.90
  billing.advance(30 * 24 * 3600); // 2026-12-09
  await charge('use_5', 'job_2', 'host_2', 3600);
  return billing;
};

describe('monthRange', () => {
  it('gives the month\'s bounds in UTC, December included', () => {
    expect(monthRange('2026-12')).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
    expect(monthRange('2026-13')).toBeUndefined();
    expect(monthRange('2026-1')).toBeUndefined();
  });
});

describe('getStatement', () => {
  it('shows a renter\'s month: opening balance, credits, charges per job and the closing balance', async () => {
    const { deps } = await history();

    const statement = await getStatement({ accountId: renterId, kind: 'renter' }, '2026-11', deps);

    expect(statement).toMatchObject({ month: '2026-11', accountId: renterId, kind: 'renter', openingBalance: 9_550_000, closingBalance: 13_484_875, earnings: [] });
    expect(statement.credits).toEqual([expect.objectContaining({ amount: 5 * USD, reference: 'inv-2', postedAt: '2026-11-09T12:00:00.000Z' })]);
    expect(statement.charges).toEqual([
      { jobId: 'job_1', amount: 165_125, gpuMs: 660_500, records: 2 },
      { jobId: 'job_2', amount: 900_000, gpuMs: 3_600_000, records: 1 },
    ]);
    expect(statement.totals).toEqual({ credits: 5 * USD, charges: 1_065_125, earnings: 0, payouts: 0 });
    expect(statement.closingBalance).toBe(statement.openingBalance + statement.totals.credits - statement.totals.charges);
  });

  it('shows a provider\'s earnings per host', async () => {
    const { deps } = await history();

    const statement = await getStatement({ accountId: providerId, kind: 'provider' }, '2026-11', deps);

    expect(statement).toMatchObject({ kind: 'provider', openingBalance: 405_000, charges: [], credits: [] });
    // Each record's provider share is rounded down on its own: 135,000 + 13,612 and 810,000.
    expect(statement.earnings).toEqual([
      { hostId: 'host_1', amount: 148_612, gpuMs: 660_500, records: 2 },
      { hostId: 'host_2', amount: 810_000, gpuMs: 3_600_000, records: 1 },
    ]);
    expect(statement.closingBalance).toBe(405_000 + 148_612 + 810_000);
  });

  it('shows an empty month with equal opening and closing balances', async () => {
    const { deps } = await history();

    const statement = await getStatement({ accountId: renterId, kind: 'renter' }, '2026-09', deps);

    expect(statement).toMatchObject({ openingBalance: 0, closingBalance: 0, credits: [], charges: [], totals: { credits: 0, charges: 0, earnings: 0 } });
  });

  it('refuses a month that has not begun, and a malformed one, naming month', async () => {
    const { deps } = await history();

    await expect(getStatement({ accountId: renterId, kind: 'renter' }, '2027-01', deps)).rejects.toThrow(ValidationError);
    await expect(getStatement({ accountId: renterId, kind: 'renter' }, '2027-01', deps)).rejects.toMatchObject({ details: [{ field: 'path.month' }] });
    await expect(getStatement({ accountId: renterId, kind: 'renter' }, '12-2026', deps)).rejects.toMatchObject({ details: [{ field: 'path.month' }] });
    // The current month is partial but has a statement.
    await expect(getStatement({ accountId: renterId, kind: 'renter' }, '2026-12', deps)).resolves.toMatchObject({ totals: { charges: 900_000 } });
  });
});

describe('statements (property)', () => {
  it('chain month to month and add up: closing = opening + credits - charges + earnings, for renters and providers', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('credit' as const), usd: fc.integer({ min: 1, max: 1_000 }) }),
      fc.record({ kind: fc.constant('usage' as const), job: fc.constantFrom('job_1', 'job_2'), host: fc.constantFrom('host_1', 'host_2'), gpuMs: fc.integer({ min: 1, max: 7_200_000 }) }),
      fc.record({ kind: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 40 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const billing = inMemoryBilling(new Date('2026-01-15T00:00:00.000Z'));
        let n = 0;
        for (const next of steps) {
          if (next.kind === 'credit') await addCredits({ accountId: renterId, amount: microUsd(next.usd * USD) }, billing.deps);
          else if (next.kind === 'wait') billing.advance(next.days * 24 * 3600);
          else {
            n += 1;
            const at = billing.deps.clock.now().toISOString();
            await chargeUsage({ usageRecordId: `use_${n}`, assignmentId: `${next.job}.a1.r0`, jobId: next.job, renterId, providerId, hostId: next.host, gpuSeconds: next.gpuMs / 1000, from: at, to: at, pricePerGpuHour: 900_000 }, billing.deps);
          }
        }
        const months = Array.from(new Set(['2026-01', ...billing.state.entries.map((entry) => entry.postedAt.slice(0, 7))])).sort();
        for (const [accountId, kind] of [[renterId, 'renter'], [providerId, 'provider']] as const) {
          let previousClosing = 0;
          let gpuMs = 0;
          for (const month of months) {
            const statement = await getStatement({ accountId, kind }, month, billing.deps);
            expect(statement.openingBalance).toBe(previousClosing);
            expect(statement.closingBalance).toBe(statement.openingBalance + statement.totals.credits - statement.totals.charges + statement.totals.earnings);
            const lines = kind === 'renter' ? statement.charges : statement.earnings;
            expect(lines.reduce((total, line) => total + line.amount, 0)).toBe(kind === 'renter' ? statement.totals.charges : statement.totals.earnings);
            gpuMs += lines.reduce((total, line) => total + line.gpuMs, 0);
            previousClosing = statement.closingBalance;
          }
          expect(previousClosing).toBe(billing.state.balanceOf(accountId).balance);
          // A record too small to cost its side a micro-dollar leaves no entry on that side.
          const charged = [...billing.state.charges.values()].filter((charge) => (kind === 'renter' ? charge.amounts.renter : charge.amounts.provider) > 0);
          expect(gpuMs).toBe(charged.reduce((total, charge) => total + Math.round(charge.gpuSeconds * 1000), 0));
        }
      }),
      { numRuns: 40 },
    );
  });
});
