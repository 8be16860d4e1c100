import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlatformFeeAccount, PLATFORM_ACCOUNT, usageChargeTransaction, accountEntries, creditTransaction } from '#billing/domain/ledger.ts';
import { rateUsage } from '#billing/domain/rating.ts';
import { planChunkCharge, type UsageChunk } from '#billing/domain/chunk-charge.ts';
import { microUsd } from '#platform/money.ts';
import type { LedgerRow, UsageRow } from '#exports/domain/rows.ts';
import {
  addLedgerRows,
  addLedgerUsageCharges,
  addUsageRows,
  emptyLedgerTotals,
  emptyLedgerUsageCharges,
  emptyUsageTotals,
  ledgerDifferences,
  usageDifferences,
} from '#exports/domain/totals.ts';

const AT = '2025-03-10T10:30:00.000Z';

/** A usage record charged as billing charges it: its usage row, and the ledger entries of its transaction. */
const charged = (index: number, gpuSeconds: number, pricePerGpuHour: number, feeBps: number): { row: UsageRow; entries: LedgerRow[] } => {
  const amounts = rateUsage({ gpuSeconds, pricePerGpuHour }, feeBps);
  const usageRecordId = `use_${index}`;
  const transaction = usageChargeTransaction({
    transactionId: `txn_${index}`,
    usageRecordId,
    renterId: `acct_renter_${index % 3}`,
    providerId: `acct_provider_${index % 2}`,
    amounts,
    postedAt: AT,
    entryIds: [`ent_${index}_r`, `ent_${index}_p`, `ent_${index}_f`],
  });
  const row: UsageRow = {
    usageRecordId, jobId: 'job_1', assignmentId: 'asg_1', renterId: `acct_renter_${index % 3}`, providerId: `acct_provider_${index % 2}`, hostId: 'host_1',
    gpuModel: 'RTX 4090', from: AT, to: AT, gpuSeconds, pricePerGpuHour,
    amount: amounts.renter, providerAmount: amounts.provider, fee: amounts.platform, chargedAt: AT, transactionId: transaction?.transactionId ?? null,
  };
  const entries = transaction ? accountEntries(transaction).map((entry) => ({ ...entry, amount: entry.amount as number })) : [];
  return { row, entries };
};

describe('usage reconciliation', () => {
  it('reconciles the worked example: 0.45 paid, 0.405 earned, 0.045 fee, one transaction', () => {
    const { row, entries } = charged(1, 1800, 900_000, 1000);

    const usage = addUsageRows(emptyUsageTotals(), [row]);
    const ledger = addLedgerUsageCharges(emptyLedgerUsageCharges(), entries);

    expect(usage).toEqual({ rows: 1, milliGpuSeconds: 1_800_000, amount: 450_000, providerAmount: 405_000, fee: 45_000, charged: 1 });
    expect(ledger).toEqual({ transactions: 1, renterDebits: 450_000, providerCredits: 405_000, platformFees: 45_000 });
    expect(usageDifferences(usage, ledger)).toEqual([]);
  });

  it('reconciles any set of charges with the ledger they posted, zero-cost records and 0% or 100% fees included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 5_000_000_000 }), fc.integer({ min: 0, max: 10_000 })), { maxLength: 40 }),
        (records) => {
          const made = records.map(([milli, price, fee], index) => charged(index, milli / 1000, price, fee));
          const usage = addUsageRows(emptyUsageTotals(), made.map((m) => m.row));
          const ledger = addLedgerUsageCharges(emptyLedgerUsageCharges(), made.flatMap((m) => m.entries));
          expect(usageDifferences(usage, ledger)).toEqual([]);
        },
      ),
    );
  });

  it('reconciles chunks charged in one transaction each, listed as a row per record (issue 14)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 5_000_000 }), fc.integer({ min: 0, max: 10_000 })), { maxLength: 15 }),
        (chunks) => {
          const rows: UsageRow[] = [];
          const entries: LedgerRow[] = [];
          for (const [index, [millis, price, feeBps]] of chunks.entries()) {
            const chunk: UsageChunk = {
              chunkId: `uch_${index}`, assignmentId: 'asg_1', jobId: `job_${index}`, renterId: 'acct_renter', providerId: 'acct_provider', hostId: 'host_1', pricePerGpuHour: price,
              records: millis.map((milli, n) => ({ usageRecordId: `use_${index}_${n}`, gpuSeconds: milli / 1000, from: AT, to: AT })),
            };
            const plan = planChunkCharge(chunk, undefined, undefined, microUsd(0), feeBps);
            const transaction = usageChargeTransaction({
              transactionId: `txn_${index}`, usageRecordId: chunk.chunkId, renterId: 'acct_renter', providerId: 'acct_provider', amounts: plan.amounts, postedAt: AT,
              entryIds: [`ent_${index}_r`, `ent_${index}_p`, `ent_${index}_f`],
            });
            for (const line of plan.lines) {
              rows.push({
                usageRecordId: line.usageRecordId, jobId: chunk.jobId, assignmentId: 'asg_1', renterId: 'acct_renter', providerId: 'acct_provider', hostId: 'host_1', gpuModel: null,
                from: AT, to: AT, gpuSeconds: line.gpuSeconds, pricePerGpuHour: price, amount: line.amounts.renter, providerAmount: line.amounts.provider, fee: line.amounts.platform,
                chargedAt: AT, transactionId: transaction?.transactionId ?? null,
              });
            }
            if (transaction) entries.push(...accountEntries(transaction).map((entry) => ({ ...entry, amount: entry.amount as number })));
          }

          const usage = addUsageRows(emptyUsageTotals(), rows);
          const ledger = addLedgerUsageCharges(emptyLedgerUsageCharges(), entries);

          expect(usage.rows).toBe(chunks.reduce((sum, [millis]) => sum + millis.length, 0));
          expect(usageDifferences(usage, ledger)).toEqual([]);
        },
      ),
    );
  });

  it('ignores credits when it sums the ledger\'s usage charges', () => {
    const credit = creditTransaction({ transactionId: 'txn_c', accountId: 'acct_renter_0', amount: microUsd(5_000_000), reference: null, postedAt: AT, entryIds: ['ent_c1', 'ent_c2'] });
    const rows = accountEntries(credit).map((entry) => ({ ...entry, amount: entry.amount as number }));
    expect(addLedgerUsageCharges(emptyLedgerUsageCharges(), rows)).toEqual(emptyLedgerUsageCharges());
  });

  it('names each side that differs: a charge whose ledger entries are missing', () => {
    const first = charged(1, 1800, 900_000, 1000);
    const second = charged(2, 60, 900_000, 1000);
    const usage = addUsageRows(emptyUsageTotals(), [first.row, second.row]);
    const ledger = addLedgerUsageCharges(emptyLedgerUsageCharges(), first.entries);
    expect(usageDifferences(usage, ledger)).toEqual([
      'amount 465000 != ledger renter debits 450000',
      'providerAmount 418500 != ledger provider credits 405000',
      'fee 46500 != ledger platform fees 45000',
      '2 charges != 1 ledger usage transactions',
    ]);
  });

  it('counts the platform\'s fee entries apart from the provider\'s', () => {
    const { entries } = charged(1, 3600, 1_000_000, 2500);
    expect(entries.find((entry) => isPlatformFeeAccount(entry.accountId))?.amount).toBe(250_000);
    expect(addLedgerUsageCharges(emptyLedgerUsageCharges(), entries)).toMatchObject({ providerCredits: 750_000, platformFees: 250_000 });
  });

  it('sums the fee shards and the unsharded fee account as platform fees (issue 14)', () => {
    const { entries } = charged(1, 3600, 1_000_000, 2500);
    const fee = entries.find((entry) => isPlatformFeeAccount(entry.accountId));
    const unsharded = entries.map((entry) => (entry === fee ? { ...entry, accountId: PLATFORM_ACCOUNT } : entry));

    expect(fee?.accountId).toMatch(/^platform:fees#\d+$/);
    expect(addLedgerUsageCharges(emptyLedgerUsageCharges(), [...entries, ...unsharded])).toMatchObject({ providerCredits: 1_500_000, platformFees: 500_000 });
  });
});

describe('ledger reconciliation', () => {
  it('finds that whole transactions sum to zero', () => {
    const credit = creditTransaction({ transactionId: 'txn_c', accountId: 'acct_renter_0', amount: microUsd(5_000_000), reference: 'inv-1', postedAt: AT, entryIds: ['ent_c1', 'ent_c2'] });
    const rows = [...accountEntries(credit).map((entry) => ({ ...entry, amount: entry.amount as number })), ...charged(1, 1800, 900_000, 1000).entries];

    const totals = addLedgerRows(emptyLedgerTotals(), rows);

    expect(totals).toMatchObject({ rows: 5, sum: 0, debits: -5_450_000, credits: 5_450_000 });
    expect(ledgerDifferences(totals)).toEqual([]);
  });

  it('says by how much an incomplete ledger is off', () => {
    const entries = charged(1, 1800, 900_000, 1000).entries.slice(1);
    expect(ledgerDifferences(addLedgerRows(emptyLedgerTotals(), entries))).toEqual(['entries sum to 450000, not 0']);
  });

  it('sums across pages the same as at once', () => {
    const rows = Array.from({ length: 10 }, (_, index) => charged(index, 60 * (index + 1), 450_000, 1000).entries).flat();
    const paged = [rows.slice(0, 7), rows.slice(7, 19), rows.slice(19)].reduce(addLedgerRows, emptyLedgerTotals());
    expect(paged).toEqual(addLedgerRows(emptyLedgerTotals(), rows));
  });
});
