import { describe, expect, it } from 'vitest';
import { FUNDING_ACCOUNT, usageChargeTransaction } from '#billing/domain/ledger.ts';
import { PAYOUTS_IN_TRANSIT_ACCOUNT, PAYOUTS_PAID_ACCOUNT } from '#billing/domain/payouts.ts';
import { createPayoutBatch, listPayouts, setPayoutMethod, settlePayout } from '#billing/use-cases/payouts.ts';
import { events } from '#events/index.ts';
import { microUsd } from '#platform/money.ts';
import { T0 } from '#test/support/factories.ts';
import { inMemoryBilling, type BillingState } from '../fakes.ts';

const DAY = 24 * 3600;
const providerId = 'acct_provider00000001';
const paypal = { type: 'paypal', details: { email: 'ada@example.com' } } as const;

let records = 0;
/** A real usage charge posted now: the renter pays, the provider earns `earned`, the platform a tenth of it. */
const earn = async (billing: ReturnType<typeof inMemoryBilling>, provider: string, earned: number) => {
  records += 1;
  const now = billing.deps.clock.now();
  const fee = Math.floor(earned / 9);
  const transaction = usageChargeTransaction({
    transactionId: `txn_use${records}`, usageRecordId: `use_${records}`, renterId: 'acct_renter000000001', providerId: provider,
    amounts: { renter: microUsd(earned + fee), provider: microUsd(earned), platform: microUsd(fee) }, postedAt: now.toISOString(),
    entryIds: [`ent_${records}a`, `ent_${records}b`, `ent_${records}c`],
  });
  if (transaction) await billing.deps.ledger.post(transaction);
};

const ledgerSum = (state: BillingState) => state.entries.reduce((total, entry) => total + entry.amount, 0);

describe('createPayoutBatch', () => {
  it('pays only earnings older than the settlement delay, in whole cents, and moves them to in transit', async () => {
    const billing = inMemoryBilling(T0);
    await setPayoutMethod({ providerId, method: paypal, threshold: null }, billing.deps);
    await earn(billing, providerId, 1_234_567);
    billing.advance(6 * DAY);
    await earn(billing, providerId, 500_000);

    const early = await createPayoutBatch({ requestedBy: 'acct_finance' }, billing.deps);
    billing.advance(DAY + 1);
    const batch = await createPayoutBatch({ requestedBy: 'acct_finance' }, billing.deps);

    expect(early.payouts).toHaveLength(0);
    expect(early.skipped.nothing_payable).toBe(1);
    expect(batch.payouts).toEqual([expect.objectContaining({ providerId, amount: 1_230_000, status: 'in_transit', method: paypal })]);
    expect(batch.batch).toMatchObject({ payouts: 1, total: 1_230_000 });
    expect(billing.state.balanceOf(providerId).balance).toBe(1_734_567 - 1_230_000);
    expect(billing.state.balanceOf(PAYOUTS_IN_TRANSIT_ACCOUNT).balance).toBe(1_230_000);
    expect(ledgerSum(billing.state)).toBe(0);
  });

  it('leaves a provider below its threshold, and one without a method, alone', async () => {
    const billing = inMemoryBilling(T0);
    await setPayoutMethod({ providerId, method: paypal, threshold: microUsd(25_000_000) }, billing.deps);
    await earn(billing, providerId, 24_990_000);
    await earn(billing, 'acct_nomethod000000001', 50_000_000);
    billing.advance(8 * DAY);

    const batch = await createPayoutBatch({ requestedBy: 'schedule' }, billing.deps);

    expect(batch.payouts).toHaveLength(0);
    expect(batch.skipped.below_threshold).toBe(1);
    expect(billing.state.balanceOf('acct_nomethod000000001').balance).toBe(50_000_000);
  });

  it('pays a provider once when two batches run at once', async () => {
    const billing = inMemoryBilling(T0);
    await setPayoutMethod({ providerId, method: paypal, threshold: null }, billing.deps);
    await earn(billing, providerId, 3_000_000);
    billing.advance(8 * DAY);

    const [first, second] = await Promise.all([createPayoutBatch({ requestedBy: 'a' }, billing.deps), createPayoutBatch({ requestedBy: 'b' }, billing.deps)]);

    expect(first.payouts.length + second.payouts.length).toBe(1);
    expect(billing.state.balanceOf(providerId).balance).toBe(0);
  });
});

describe('settlePayout', () => {
  const paidOut = async () => {
    const billing = inMemoryBilling(T0);
    await setPayoutMethod({ providerId, method: paypal, threshold: null }, billing.deps);
    await earn(billing, providerId, 2_000_000);
    billing.advance(8 * DAY);
    const { payouts } = await createPayoutBatch({ requestedBy: 'acct_finance' }, billing.deps);
    return { billing, payout: payouts[0]! };
  };

  it('pays a payout out of transit once, emits payout.paid once, and answers a retry with the same reference unchanged', async () => {
    const { billing, payout } = await paidOut();

    const paid = await settlePayout({ payoutId: payout.payoutId, outcome: 'paid', reference: 'PP-1', reason: null }, billing.deps);
    const again = await settlePayout({ payoutId: payout.payoutId, outcome: 'paid', reference: 'PP-1', reason: null }, billing.deps);

    expect(paid).toMatchObject({ status: 'paid', reference: 'PP-1' });
    expect(again).toEqual(paid);
    expect(billing.state.balanceOf(PAYOUTS_IN_TRANSIT_ACCOUNT).balance).toBe(0);
    expect(billing.state.balanceOf(PAYOUTS_PAID_ACCOUNT).balance).toBe(2_000_000);
    expect(billing.state.outbox.filter((event) => event.detailType === events.payoutPaid.DETAIL_TYPE)).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ payoutId: payout.payoutId, providerId, amount: 2_000_000, rail: 'paypal', reference: 'PP-1' }) }),
    ]);
    await expect(settlePayout({ payoutId: payout.payoutId, outcome: 'paid', reference: 'PP-2', reason: null }, billing.deps)).rejects.toMatchObject({ code: 'payout_already_paid' });
    await expect(settlePayout({ payoutId: payout.payoutId, outcome: 'failed', reference: null, reason: 'x' }, billing.deps)).rejects.toMatchObject({ code: 'payout_already_paid' });
  });

  it('returns a failed payout to the provider, who is paid it again by the next batch; paying the failed one is refused', async () => {
    const { billing, payout } = await paidOut();

    const failed = await settlePayout({ payoutId: payout.payoutId, outcome: 'failed', reference: null, reason: 'account closed' }, billing.deps);
    const next = await createPayoutBatch({ requestedBy: 'acct_finance' }, billing.deps);

    expect(failed).toMatchObject({ status: 'failed', failureReason: 'account closed' });
    expect(next.payouts).toEqual([expect.objectContaining({ amount: 2_000_000 })]);
    await expect(settlePayout({ payoutId: payout.payoutId, outcome: 'paid', reference: 'PP-1', reason: null }, billing.deps)).rejects.toMatchObject({ code: 'payout_already_failed' });
    expect(billing.state.outbox.filter((event) => event.detailType === events.payoutPaid.DETAIL_TYPE)).toHaveLength(0);
    expect(ledgerSum(billing.state)).toBe(0);
  });

  it('answers 404 for an unknown payout', async () => {
    const { billing } = await paidOut();
    await expect(settlePayout({ payoutId: 'pay_missing', outcome: 'paid', reference: 'PP-1', reason: null }, billing.deps)).rejects.toMatchObject({ code: 'payout_not_found' });
  });
});

describe('listPayouts', () => {
  it("filters by provider, batch and status", async () => {
    const billing = inMemoryBilling(T0);
    for (const id of [providerId, 'acct_provider00000002']) {
      await setPayoutMethod({ providerId: id, method: paypal, threshold: null }, billing.deps);
      await earn(billing, id, 1_000_000);
    }
    billing.advance(8 * DAY);
    const { batch, payouts } = await createPayoutBatch({ requestedBy: 'acct_finance' }, billing.deps);
    await settlePayout({ payoutId: payouts[0]!.payoutId, outcome: 'paid', reference: 'PP-1', reason: null }, billing.deps);

    expect((await listPayouts({ providerId }, 50, undefined, billing.deps)).items.map((p) => p.providerId)).toEqual([providerId]);
    expect((await listPayouts({ batchId: batch.batchId }, 50, undefined, billing.deps)).items).toHaveLength(2);
    expect((await listPayouts({ status: 'paid' }, 50, undefined, billing.deps)).items.map((p) => p.payoutId)).toEqual([payouts[0]!.payoutId]);
    expect(billing.state.balanceOf(FUNDING_ACCOUNT).balance).toBe(0);
  });
});

describe('statements with payouts', () => {
  it("show a provider's payouts and returns, and the closing balance follows from them", async () => {
    const { getStatement } = await import('#billing/use-cases/statements.ts');
    const billing = inMemoryBilling(new Date('2026-11-01T00:00:00Z'));
    await setPayoutMethod({ providerId, method: paypal, threshold: null }, billing.deps);
    await earn(billing, providerId, 3_000_000);
    billing.advance(8 * DAY);
    const { payouts } = await createPayoutBatch({ requestedBy: 'acct_finance' }, billing.deps);
    await settlePayout({ payoutId: payouts[0]!.payoutId, outcome: 'failed', reference: null, reason: 'closed' }, billing.deps);

    // The test's earnings were posted straight to the ledger, so their charges are stood in for here.
    const charges = { ...billing.deps.charges, getCharges: async (ids: readonly string[]) => ids.map((id) => ({ usageRecordId: id, jobId: 'job_1', hostId: 'host_1', gpuSeconds: 1 }) as never) };
    const statement = await getStatement({ accountId: providerId, kind: 'provider' }, '2026-11', { ...billing.deps, charges });

    expect(statement.payouts.map((line) => [line.kind, line.amount])).toEqual([['payout', 3_000_000], ['payout_returned', 3_000_000]]);
    expect(statement.totals).toMatchObject({ earnings: 3_000_000, payouts: 0 });
    expect(statement.closingBalance).toBe(3_000_000);
  });
});
