import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { microUsd, type MicroUsd } from '#platform/money.ts';
import { applyEntry, canHold, emptyBalance, placeHold, releaseHold, type Balance } from '#billing/domain/balance.ts';
import { FUNDING_ACCOUNT, MAX_CREDIT, creditTransaction, netByAccount, sumOf, type LedgerTransaction } from '#billing/domain/ledger.ts';
import { T0 } from '#test/support/factories.ts';

const renter = 'acct_renter000000001';
const funded = (amount: number): Balance => applyEntry(emptyBalance(renter), microUsd(amount));

describe('applyEntry', () => {
  it('moves balance and available together, and leaves held alone', () => {
    const held = placeHold(funded(10), microUsd(4))!;

    expect(applyEntry(held, microUsd(5))).toEqual({ accountId: renter, balance: 15, held: 4, available: 11 });
  });
});

describe('placeHold', () => {
  it('moves the amount from available to held', () => {
    expect(placeHold(funded(10), microUsd(4))).toEqual({ accountId: renter, balance: 10, held: 4, available: 6 });
  });

  it('holds exactly what is available', () => {
    expect(placeHold(funded(10), microUsd(10))?.available).toBe(0);
  });

  it('refuses one micro-dollar more than is available', () => {
    expect(placeHold(funded(10), microUsd(11))).toBeUndefined();
  });

  it('refuses anything on an account that never had money', () => {
    expect(canHold(emptyBalance(renter), microUsd(1))).toBe(false);
  });

  it('refuses a hold of nothing', () => {
    expect(canHold(funded(10), microUsd(0))).toBe(false);
  });
});

describe('releaseHold', () => {
  it('gives the amount back to available', () => {
    expect(releaseHold(placeHold(funded(10), microUsd(4))!, microUsd(4))).toEqual(funded(10));
  });
});

/**
 * A model of billing as the stores run it, built from the domain's functions only: credits
 * post balanced transactions, holds and releases move funds between available and held.
 */
type Operation =
  | { readonly op: 'credit'; readonly account: number; readonly amount: number }
  | { readonly op: 'hold'; readonly account: number; readonly job: number; readonly amount: number }
  | { readonly op: 'release'; readonly job: number };

const accounts = ['acct_a000000000', 'acct_b000000000', 'acct_c000000000'];

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constant('credit' as const), account: fc.nat(accounts.length - 1), amount: fc.integer({ min: 1, max: MAX_CREDIT }) }),
  fc.record({ op: fc.constant('hold' as const), account: fc.nat(accounts.length - 1), job: fc.nat(20), amount: fc.integer({ min: 1, max: 2 * MAX_CREDIT }) }),
  fc.record({ op: fc.constant('release' as const), job: fc.nat(20) }),
);

const run = (operations: readonly Operation[]) => {
  const journal: LedgerTransaction[] = [];
  const balances = new Map<string, Balance>();
  const holds = new Map<number, { accountId: string; amount: MicroUsd; active: boolean }>();
  const balanceOf = (accountId: string) => balances.get(accountId) ?? emptyBalance(accountId);
  const availableSeen: number[] = [];
  operations.forEach((step, index) => {
    if (step.op === 'credit') {
      const accountId = accounts[step.account]!;
      const transaction = creditTransaction({
        transactionId: `txn_${index}`,
        accountId,
        amount: microUsd(step.amount),
        reference: null,
        postedAt: T0.toISOString(),
        entryIds: [`ent_${index}_a`, `ent_${index}_b`],
      });
      journal.push(transaction);
      for (const [id, net] of netByAccount(transaction)) balances.set(id, applyEntry(balanceOf(id), net));
    } else if (step.op === 'hold') {
      const accountId = accounts[step.account]!;
      if (holds.has(step.job)) return; // one decision per job, as the hold item is keyed by job
      const after = placeHold(balanceOf(accountId), microUsd(step.amount));
      if (after) balances.set(accountId, after);
      holds.set(step.job, { accountId, amount: microUsd(step.amount), active: after !== undefined });
    } else {
      const hold = holds.get(step.job);
      if (!hold?.active) return;
      balances.set(hold.accountId, releaseHold(balanceOf(hold.accountId), hold.amount));
      hold.active = false;
    }
    for (const accountId of accounts) availableSeen.push(balanceOf(accountId).available);
  });
  return { journal, balanceOf, holds, availableSeen };
};

describe('balance properties, for any sequence of credits, holds and releases', () => {
  it("keeps every transaction's entries summing to zero", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        for (const transaction of run(operations).journal) expect(sumOf(transaction.entries.map((entry) => entry.amount))).toBe(0);
      }),
    );
  });

  it("keeps each balance equal to the sum of the account's entries, funding included", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const { journal, balanceOf } = run(operations);
        const entries = journal.flatMap((transaction) => transaction.entries);
        for (const accountId of [...accounts, FUNDING_ACCOUNT]) {
          const sum = sumOf(entries.filter((entry) => entry.accountId === accountId).map((entry) => entry.amount));
          expect(balanceOf(accountId).balance).toBe(sum);
        }
      }),
    );
  });

  it('keeps held equal to the sum of active holds, and available equal to balance - held', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const { balanceOf, holds } = run(operations);
        for (const accountId of accounts) {
          const active = [...holds.values()].filter((hold) => hold.active && hold.accountId === accountId);
          const balance = balanceOf(accountId);
          expect(balance.held).toBe(sumOf(active.map((hold) => hold.amount)));
          expect(balance.available).toBe(balance.balance - balance.held);
        }
      }),
    );
  });

  it('never lets holds make available negative', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        expect(run(operations).availableSeen.filter((available) => available < 0)).toEqual([]);
      }),
    );
  });
});
