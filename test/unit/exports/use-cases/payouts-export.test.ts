import { describe, expect, it } from 'vitest';
import { accountEntries, usageChargeTransaction } from '#billing/domain/ledger.ts';
import { payoutTransaction, settlementTransaction } from '#billing/domain/payouts.ts';
import type { LedgerRow, PayoutRow } from '#exports/domain/rows.ts';
import { addLedgerPayouts, emptyLedgerPayouts } from '#exports/domain/totals.ts';
import { requestExport } from '#exports/use-cases/request-export.ts';
import { runExport } from '#exports/use-cases/run-export.ts';
import { microUsd } from '#platform/money.ts';
import { FakeBillingReader, fakeExportsDeps } from '../fakes.ts';

const NOW = new Date('2025-03-11T09:00:00.000Z');
const period = { from: '2025-03-10T00:00:00.000Z', to: '2025-03-11T00:00:00.000Z' };
const rows = (transaction: Parameters<typeof accountEntries>[0]): LedgerRow[] => accountEntries(transaction).map((entry) => ({ ...entry, amount: entry.amount as number }));

const earning = usageChargeTransaction({
  transactionId: 'txn_use', usageRecordId: 'use_1', renterId: 'acct_renter', providerId: 'acct_provider',
  amounts: { renter: microUsd(1_000_000), provider: microUsd(900_000), platform: microUsd(100_000) }, postedAt: '2025-03-10T01:00:00.000Z', entryIds: ['e1', 'e2', 'e3'],
})!;
const made = (payoutId: string, amount: number, at: string) =>
  payoutTransaction({ transactionId: `txn_${payoutId}`, payoutId, providerId: 'acct_provider', amount: microUsd(amount), postedAt: at, entryIds: [`${payoutId}a`, `${payoutId}b`] });
const settled = (payoutId: string, amount: number, outcome: 'paid' | 'failed', at: string) =>
  settlementTransaction({ transactionId: `txn_${payoutId}_${outcome}`, payout: { payoutId, providerId: 'acct_provider', amount: microUsd(amount) }, outcome, postedAt: at, entryIds: [`${payoutId}c`, `${payoutId}d`] });
const row = (payoutId: string, amount: number, status: string, createdAt: string): PayoutRow => ({
  payoutId, batchId: 'pob_1', providerId: 'acct_provider', rail: 'paypal', amount, status, reference: status === 'paid' ? 'PP-1' : null, failureReason: null,
  createdAt, settledAt: null, transactionId: `txn_${payoutId}`,
});

const ledger = [
  ...rows(earning),
  ...rows(made('pay_1', 500_000, '2025-03-10T02:00:00.000Z')),
  ...rows(settled('pay_1', 500_000, 'paid', '2025-03-10T03:00:00.000Z')),
  ...rows(made('pay_2', 300_000, '2025-03-10T04:00:00.000Z')),
  ...rows(settled('pay_2', 300_000, 'failed', '2025-03-10T05:00:00.000Z')),
  ...rows(made('pay_3', 200_000, '2025-03-10T06:00:00.000Z')),
];

describe('addLedgerPayouts', () => {
  it('sums payouts made, and earnings = paid + in transit + providers\' balances from each account\'s own entries', () => {
    const totals = addLedgerPayouts(emptyLedgerPayouts(), ledger);

    expect(totals).toEqual({ made: 3, madeAmount: 1_000_000, earnings: 900_000, paid: 500_000, inTransit: 200_000, providerBalances: 200_000 });
    expect(totals.earnings).toBe(totals.paid + totals.inTransit + totals.providerBalances);
  });
});

describe('runExport of payouts', () => {
  it('writes one row per payout made in the period and reconciles with the ledger', async () => {
    const payouts = [row('pay_1', 500_000, 'paid', '2025-03-10T02:00:00.000Z'), row('pay_2', 300_000, 'failed', '2025-03-10T04:00:00.000Z'), row('pay_3', 200_000, 'in_transit', '2025-03-10T06:00:00.000Z')];
    const { deps } = fakeExportsDeps(NOW, { billing: new FakeBillingReader([], ledger, 2, payouts) });
    const { exportId } = await requestExport({ kind: 'payouts', format: 'csv', period }, 'acct_finance', undefined, deps);
    const job = deps.exports.jobs.get(exportId)!;

    await runExport({ exportId, runId: job.runId }, deps);

    const lines = deps.files.files.get(job.fileKey)!.body.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('payoutId,batchId,providerId,rail,amount,status,reference,failureReason,createdAt,settledAt,transactionId');
    expect(lines[1]).toBe('pay_1,pob_1,acct_provider,paypal,0.500000,paid,PP-1,,2025-03-10T02:00:00.000Z,,txn_pay_1');
    expect(deps.exports.jobs.get(exportId)).toMatchObject({
      status: 'succeeded',
      result: { kind: 'payouts', totals: { rows: 3, amount: 1_000_000, paid: 500_000, failed: 300_000, inTransit: 200_000 }, differences: [] },
    });
  });

  it('names the difference when a payout has no ledger transaction', async () => {
    const payouts = [row('pay_1', 500_000, 'paid', '2025-03-10T02:00:00.000Z'), row('pay_9', 100_000, 'in_transit', '2025-03-10T07:00:00.000Z')];
    const { deps } = fakeExportsDeps(NOW, { billing: new FakeBillingReader([], [...rows(earning), ...rows(made('pay_1', 500_000, '2025-03-10T02:00:00.000Z'))], 2, payouts) });
    const { exportId } = await requestExport({ kind: 'payouts', format: 'csv', period }, 'acct_finance', undefined, deps);

    await runExport({ exportId, runId: deps.exports.jobs.get(exportId)!.runId }, deps);

    expect(deps.exports.jobs.get(exportId)?.result?.differences).toEqual(['payouts 600000 != ledger payouts made 500000', '2 payouts != 1 ledger payout transactions']);
  });
});
