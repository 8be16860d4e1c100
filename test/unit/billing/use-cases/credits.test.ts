import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import { ReferenceReusedError } from '#billing/domain/errors.ts';
import { FUNDING_ACCOUNT } from '#billing/domain/ledger.ts';
import { getBalance, listLedger } from '#billing/use-cases/balances.ts';
import { addCredits } from '#billing/use-cases/credits.ts';
import { T0 } from '#test/support/factories.ts';
import { FakeLedgerStore, inMemoryBilling } from '../fakes.ts';

const renterId = 'acct_renter000000001';
const otherId = 'acct_renter000000002';
const usd = (amount: number) => microUsd(amount * 1_000_000);

/** A request whose first look at the reference came before a concurrent one claimed it. */
class ReadBeforeTheWinner extends FakeLedgerStore {
  private looked = false;

  override async getCreditReference(reference: string) {
    if (!this.looked) {
      this.looked = true;
      return undefined;
    }
    return super.getCreditReference(reference);
  }
}

describe('addCredits', () => {
  it('posts a balanced credit that both balances reflect', async () => {
    const { deps } = inMemoryBilling(T0);

    const transaction = await addCredits({ accountId: renterId, amount: usd(25), reference: 'inv-1' }, deps);

    expect(transaction).toMatchObject({ kind: 'credit', reference: 'inv-1', postedAt: T0.toISOString() });
    expect(transaction.transactionId).toMatch(/^txn_/);
    expect(await getBalance(renterId, deps)).toMatchObject({ balance: usd(25), held: 0, available: usd(25) });
    expect(await getBalance(FUNDING_ACCOUNT, deps)).toMatchObject({ balance: -usd(25) });
  });

  it('answers the first transaction for a reference used again with the same account and amount', async () => {
    const billing = inMemoryBilling(T0);
    const first = await addCredits({ accountId: renterId, amount: usd(25), reference: 'inv-1' }, billing.deps);
    billing.advance(30);

    const retry = await addCredits({ accountId: renterId, amount: usd(25), reference: 'inv-1' }, billing.deps);

    expect(retry).toEqual(first);
    expect(billing.state.transactions.size).toBe(1);
  });

  it('refuses a reference used for another amount or account', async () => {
    const { deps } = inMemoryBilling(T0);
    await addCredits({ accountId: renterId, amount: usd(25), reference: 'inv-1' }, deps);

    await expect(addCredits({ accountId: renterId, amount: usd(26), reference: 'inv-1' }, deps)).rejects.toBeInstanceOf(ReferenceReusedError);
    await expect(addCredits({ accountId: otherId, amount: usd(25), reference: 'inv-1' }, deps)).rejects.toMatchObject({ code: 'reference_reused' });
  });

  it('answers the winner when a concurrent request claimed the reference first', async () => {
    const billing = inMemoryBilling(T0);
    const winner = await addCredits({ accountId: renterId, amount: usd(5), reference: 'inv-race' }, billing.deps);
    const ledger = new ReadBeforeTheWinner(billing.state);

    const answer = await addCredits({ accountId: renterId, amount: usd(5), reference: 'inv-race' }, { ...billing.deps, ledger });

    expect(answer).toEqual(winner);
    expect(billing.state.transactions.size).toBe(1);
  });

  it('posts a new transaction every time without a reference', async () => {
    const { deps, state } = inMemoryBilling(T0);

    await addCredits({ accountId: renterId, amount: usd(1) }, deps);
    await addCredits({ accountId: renterId, amount: usd(1) }, deps);

    expect(state.transactions.size).toBe(2);
    expect((await getBalance(renterId, deps)).balance).toBe(usd(2));
  });
});

describe('listLedger', () => {
  it("lists only the caller's entries, newest first, within the range", async () => {
    const billing = inMemoryBilling(T0);
    for (const amount of [1, 2, 3]) {
      await addCredits({ accountId: renterId, amount: usd(amount) }, billing.deps);
      await addCredits({ accountId: otherId, amount: usd(100) }, billing.deps);
      billing.advance(60);
    }

    const page = await listLedger(renterId, { from: '2025-03-10T10:01:00.000Z', limit: 10 }, billing.deps);

    expect(page.items.map((entry) => entry.amount)).toEqual([usd(3), usd(2)]);
  });
});
