import { describe, expect, it } from 'vitest';
import type { AccountEntry } from '#billing/domain/ledger.ts';
import { payoutFile } from '#billing/domain/payout-files.ts';
import {
  PAYOUTS_IN_TRANSIT_ACCOUNT,
  PAYOUTS_PAID_ACCOUNT,
  PayoutSettledError,
  payableAmount,
  payoutAmountOf,
  payoutTransaction,
  settlementCutoff,
  settlementDecision,
  settlementTransaction,
  shouldPay,
  type Payout,
} from '#billing/domain/payouts.ts';
import { microUsd } from '#platform/money.ts';

const entry = (amount: number, postedAt: string, kind: AccountEntry['kind'] = 'usage_charge'): AccountEntry => ({
  transactionId: `txn_${postedAt}`, entryId: `ent_${postedAt}_${amount}`, accountId: 'acct_provider', kind, amount: microUsd(amount), reference: 'use_1', postedAt,
});

describe('settlementCutoff', () => {
  it('is the delay before the time asked about', () => {
    expect(settlementCutoff(new Date('2026-12-08T00:00:00Z'), 7 * 24 * 3600)).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('payableAmount', () => {
  const cutoff = '2026-12-01T00:00:00.000Z';

  it('is the balance less the earnings posted at or after the cutoff', () => {
    const recentEntries = [entry(300_000, '2026-12-01T00:00:00.000Z'), entry(200_000, '2026-12-03T00:00:00.000Z')];
    expect(payableAmount({ balance: 1_000_000, recentEntries, cutoff })).toBe(500_000);
  });

  it('counts a returned payout and a payout in the recent range as settled money', () => {
    const recentEntries = [entry(400_000, '2026-12-02T00:00:00.000Z', 'payout_returned'), entry(-400_000, '2026-12-01T10:00:00.000Z', 'payout'), entry(100_000, '2026-12-02T00:00:00.000Z')];
    expect(payableAmount({ balance: 700_000, recentEntries, cutoff })).toBe(600_000);
  });

  it('is never below zero nor above the balance', () => {
    expect(payableAmount({ balance: 100_000, recentEntries: [entry(250_000, '2026-12-02T00:00:00.000Z')], cutoff })).toBe(0);
    expect(payableAmount({ balance: 0, recentEntries: [], cutoff })).toBe(0);
    expect(payableAmount({ balance: 90_000, recentEntries: [entry(-10_000, '2026-12-02T00:00:00.000Z')], cutoff })).toBe(90_000);
  });
});

describe('payoutAmountOf and shouldPay', () => {
  it('pays whole cents, rounded down', () => {
    expect(payoutAmountOf(1_234_567)).toBe(1_230_000);
    expect(payoutAmountOf(9_999)).toBe(0);
    expect(payoutAmountOf(-5)).toBe(0);
  });

  it('pays from one cent, or from the threshold when one is set', () => {
    expect(shouldPay(10_000, null)).toBe(true);
    expect(shouldPay(0, null)).toBe(false);
    expect(shouldPay(24_990_000, 25_000_000)).toBe(false);
    expect(shouldPay(25_000_000, 25_000_000)).toBe(true);
  });
});

describe('payout transactions', () => {
  const payout = { payoutId: 'pay_1', providerId: 'acct_provider', amount: microUsd(1_230_000) };

  it('moves the amount from the provider to in transit, summing to zero', () => {
    const txn = payoutTransaction({ transactionId: 'txn_1', payoutId: 'pay_1', providerId: 'acct_provider', amount: payout.amount, postedAt: 't', entryIds: ['e1', 'e2'] });
    expect(txn.entries.map((e) => [e.accountId, e.amount])).toEqual([['acct_provider', -1_230_000], [PAYOUTS_IN_TRANSIT_ACCOUNT, 1_230_000]]);
    expect(txn).toMatchObject({ kind: 'payout', reference: 'pay_1' });
  });

  it('pays out of transit to external:payouts, or returns it to the provider', () => {
    const paid = settlementTransaction({ transactionId: 'txn_2', payout, outcome: 'paid', postedAt: 't', entryIds: ['e1', 'e2'] });
    const returned = settlementTransaction({ transactionId: 'txn_3', payout, outcome: 'failed', postedAt: 't', entryIds: ['e1', 'e2'] });
    expect(paid.entries.map((e) => [e.accountId, e.amount])).toEqual([[PAYOUTS_IN_TRANSIT_ACCOUNT, -1_230_000], [PAYOUTS_PAID_ACCOUNT, 1_230_000]]);
    expect(returned.entries.map((e) => [e.accountId, e.amount])).toEqual([[PAYOUTS_IN_TRANSIT_ACCOUNT, -1_230_000], ['acct_provider', 1_230_000]]);
    expect([paid.kind, returned.kind]).toEqual(['payout_paid', 'payout_returned']);
  });
});

describe('settlementDecision', () => {
  const inTransit = { payoutId: 'pay_1', status: 'in_transit', reference: null } as const;
  const paid = { payoutId: 'pay_1', status: 'paid', reference: 'PP-1' } as const;
  const failed = { payoutId: 'pay_1', status: 'failed', reference: null } as const;

  it('settles a payout in transit either way', () => {
    expect(settlementDecision(inTransit, { outcome: 'paid', reference: 'PP-1' })).toBe('settle');
    expect(settlementDecision(inTransit, { outcome: 'failed', reference: null })).toBe('settle');
  });

  it('answers a retry with the same reference unchanged', () => {
    expect(settlementDecision(paid, { outcome: 'paid', reference: 'PP-1' })).toBe('unchanged');
    expect(settlementDecision(failed, { outcome: 'failed', reference: null })).toBe('unchanged');
  });

  it('refuses another reference, paying a failed payout and failing a paid one with 409 codes', () => {
    expect(() => settlementDecision(paid, { outcome: 'paid', reference: 'PP-2' })).toThrow(expect.objectContaining({ code: 'payout_already_paid' }));
    expect(() => settlementDecision(paid, { outcome: 'failed', reference: null })).toThrow(expect.objectContaining({ code: 'payout_already_paid' }));
    expect(() => settlementDecision(failed, { outcome: 'paid', reference: 'PP-1' })).toThrow(expect.objectContaining({ code: 'payout_already_failed' }));
    expect(() => settlementDecision(failed, { outcome: 'failed', reference: 'R-2' })).toThrow(PayoutSettledError);
  });
});

describe('payoutFile', () => {
  const base = {
    batchId: 'pob_1', status: 'in_transit', settledBefore: 't0', createdAt: '2026-12-08T00:00:00.000Z', transactionId: 'txn', reference: null,
    failureReason: null, settledAt: null, settlementTransactionId: null, version: 1,
  } as const;
  const payouts: Payout[] = [
    { ...base, payoutId: 'pay_a', providerId: 'acct_a', amount: microUsd(12_340_000), method: { type: 'paypal', details: { email: 'a@example.com' } } },
    { ...base, payoutId: 'pay_b', providerId: 'acct_b', amount: microUsd(1_000_000), method: { type: 'wise', details: { email: 'b@example.com', accountHolderName: 'Bea', currency: 'EUR' } } },
    { ...base, payoutId: 'pay_c', providerId: 'acct_c', amount: microUsd(5_500_000), method: { type: 'bank_transfer', details: { accountHolderName: '=HYPERLINK("x")', iban: 'DE89370400440532013000' } } },
    { ...base, payoutId: 'pay_d', providerId: 'acct_d', amount: microUsd(7_000_000), status: 'paid', reference: 'PP-9', method: { type: 'paypal', details: { email: 'd@example.com' } } },
  ];

  it('lists every payout in the generic file, with exact micro-dollars', () => {
    const file = payoutFile('pob_1', payouts, 'generic');
    const lines = file.content.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('payout_id,batch_id,provider_id,rail,amount_usd,amount_micro_usd,currency,recipient_email,account_holder_name,iban,bic,target_currency,created_at');
    expect(lines).toHaveLength(5);
    expect(file).toMatchObject({ rows: 4, total: 25_840_000, fileName: 'gpuhive-payouts-pob_1-generic.csv' });
    expect(lines[1]).toBe('pay_a,pob_1,acct_a,paypal,12.340000,12340000,USD,a@example.com,,,,,2026-12-08T00:00:00.000Z');
  });

  it("writes each rail's upload with only its payouts still in transit, in cents", () => {
    expect(payoutFile('pob_1', payouts, 'paypal').content).toBe('a@example.com,12.34,USD,pay_a,gpuhive payout pay_a,PayPal\r\n');
    expect(payoutFile('pob_1', payouts, 'wise').content.split('\r\n')[1]).toBe('Bea,b@example.com,pay_b,PRIVATE,source,1.00,USD,EUR');
    expect(payoutFile('pob_1', payouts, 'bank_transfer')).toMatchObject({ rows: 1, total: 5_500_000 });
  });

  it('defuses a formula a provider typed as its name', () => {
    expect(payoutFile('pob_1', payouts, 'bank_transfer').content).toContain(`"'=HYPERLINK(""x"")",DE89370400440532013000`);
  });
});
