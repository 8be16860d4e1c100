import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { microUsd, type MicroUsd } from '#platform/money.ts';
import {
  FUNDING_ACCOUNT,
  MAX_CREDIT,
  UnbalancedTransactionError,
  accountEntries,
  creditTransaction,
  netByAccount,
  postTransaction,
  sumOf,
  type LedgerTransaction,
} from '#billing/domain/ledger.ts';
import { T0 } from '#test/support/factories.ts';

const renter = 'acct_renter000000001';

const credit = (amount: number, accountId = renter) =>
  creditTransaction({
    transactionId: 'txn_1',
    accountId,
    amount: microUsd(amount),
    reference: 'inv-1',
    postedAt: T0.toISOString(),
    entryIds: ['ent_1', 'ent_2'],
  });

/** A transaction as a buggy caller might build it: amounts unchecked, so postTransaction must check them. */
const draft = (amounts: readonly number[]): LedgerTransaction => ({
  transactionId: 'txn_draft',
  kind: 'usage_charge',
  reference: 'usage_1',
  postedAt: T0.toISOString(),
  entries: amounts.map((amount, index) => ({ entryId: `ent_${index}`, accountId: `acct_${index}`, amount: amount as MicroUsd })),
});

describe('creditTransaction', () => {
  it('credits the account and debits the funding counter-account by the same amount', () => {
    const transaction = credit(25_000_000);

    expect(transaction.kind).toBe('credit');
    expect(transaction.entries).toEqual([
      { entryId: 'ent_1', accountId: renter, amount: 25_000_000 },
      { entryId: 'ent_2', accountId: FUNDING_ACCOUNT, amount: -25_000_000 },
    ]);
  });

  it('accepts exactly the largest credit', () => {
    expect(credit(MAX_CREDIT).entries[0]?.amount).toBe(MAX_CREDIT);
  });

  it.each([0, -1, MAX_CREDIT + 1])('refuses a credit of %d micro-USD', (amount) => {
    expect(() => credit(amount)).toThrow(UnbalancedTransactionError);
  });
});

describe('postTransaction', () => {
  it('accepts a usage charge shaped as renter debit, provider credit and platform fee', () => {
    // ARCHITECTURE.md, Money: $0.90/h for 1,800 GPU-seconds.
    expect(postTransaction(draft([-450_000, 405_000, 45_000])).entries).toHaveLength(3);
  });

  it('refuses entries that do not sum to zero', () => {
    expect(() => postTransaction(draft([-450_000, 405_000, 44_999]))).toThrow(/sum to -1/);
  });

  it('refuses a transaction of one entry', () => {
    expect(() => postTransaction(draft([0]))).toThrow(UnbalancedTransactionError);
  });

  it('refuses a zero entry', () => {
    expect(() => postTransaction(draft([5, 0, -5]))).toThrow(/amount 0/);
  });

  it('refuses a fractional micro-dollar', () => {
    expect(() => postTransaction(draft([0.5, -0.5]))).toThrow(UnbalancedTransactionError);
  });

  it('refuses two entries with one id', () => {
    const transaction = draft([1, -1]);

    expect(() => postTransaction({ ...transaction, entries: transaction.entries.map((entry) => ({ ...entry, entryId: 'ent_same' })) })).toThrow(/repeats/);
  });
});

describe('netByAccount', () => {
  it('adds up the entries of one account, so a store writes its balance once', () => {
    const transaction = postTransaction({
      ...draft([0, 0, 0]),
      entries: [
        { entryId: 'a', accountId: 'acct_x', amount: microUsd(-10) },
        { entryId: 'b', accountId: 'acct_y', amount: microUsd(7) },
        { entryId: 'c', accountId: 'acct_x', amount: microUsd(3) },
      ],
    });

    expect([...netByAccount(transaction)]).toEqual([['acct_x', -7], ['acct_y', 7]]);
  });
});

describe('accountEntries', () => {
  it("carries the transaction's id, kind, reference and time onto each entry", () => {
    expect(accountEntries(credit(1))[1]).toEqual({
      transactionId: 'txn_1',
      entryId: 'ent_2',
      accountId: FUNDING_ACCOUNT,
      kind: 'credit',
      amount: -1,
      reference: 'inv-1',
      postedAt: T0.toISOString(),
    });
  });
});

/** Non-zero signed amounts up to ten million dollars each. */
const amount = fc.integer({ min: -1e13, max: 1e13 }).filter((value) => value !== 0);

/** Entries that balance: any non-zero amounts, then the one that brings them to zero. */
const balancedAmounts = fc
  .array(amount, { minLength: 1, maxLength: 8 })
  .map((amounts) => [...amounts, -amounts.reduce((total, value) => total + value, 0)])
  .filter((amounts) => amounts.every((value) => value !== 0));

describe('ledger properties', () => {
  it('every credit sums to zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_CREDIT }), (value) => {
        expect(sumOf(credit(value).entries.map((entry) => entry.amount))).toBe(0);
      }),
    );
  });

  it('accepts any entries that sum to zero, and their net per account sums to zero too', () => {
    fc.assert(
      fc.property(balancedAmounts, (amounts) => {
        const transaction = postTransaction(draft(amounts));
        expect(sumOf([...netByAccount(transaction).values()])).toBe(0);
      }),
    );
  });

  it('refuses the same entries with any one of them changed', () => {
    fc.assert(
      fc.property(balancedAmounts, fc.nat(), amount, (amounts, pick, delta) => {
        const index = pick % amounts.length;
        const skewed = amounts.map((value, i) => (i === index ? value + delta : value));
        fc.pre(skewed.every((value) => value !== 0));
        expect(() => postTransaction(draft(skewed))).toThrow(UnbalancedTransactionError);
      }),
    );
  });
});

