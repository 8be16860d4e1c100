import { newId } from '#platform/ids.ts';
import type { MicroUsd } from '#platform/money.ts';
import { ReferenceReusedError } from '../domain/errors.ts';
import { creditTransaction, type LedgerTransaction } from '../domain/ledger.ts';
import type { CreditReference } from '../ports.ts';
import type { BillingDeps } from './deps.ts';

export interface AddCreditsInput {
  /**
   * Any id of the accounts context's form. Billing cannot read the accounts table (no
   * read-only port is declared for it), so a credit to an id that names no account is
   * posted all the same; the admin who typed it owns that mistake.
   */
  readonly accountId: string;
  readonly amount: MicroUsd;
  /** The admin's own reference (an invoice or payment id): makes the credit idempotent. */
  readonly reference?: string;
}

/**
 * Credits an account from the funding counter-account. Steps: with a reference already
 * used, answer its first transaction (same account and amount) or refuse (409
 * `reference_reused`); otherwise post the balanced transaction, its two entries, both
 * balances and the reference in one write, and if a concurrent request claimed the
 * reference in between, answer as above. Emits no event.
 */
export const addCredits = async (input: AddCreditsInput, deps: Pick<BillingDeps, 'ledger' | 'clock'>): Promise<LedgerTransaction> => {
  const { reference } = input;
  if (reference !== undefined) {
    const used = await deps.ledger.getCreditReference(reference);
    if (used) return firstCredit(used, input, deps);
  }
  const now = deps.clock.now();
  const transaction = creditTransaction({
    transactionId: newId('txn', now),
    accountId: input.accountId,
    amount: input.amount,
    reference: reference ?? null,
    postedAt: now.toISOString(),
    entryIds: [newId('ent', now), newId('ent', now)],
  });
  const creditReference = reference === undefined
    ? undefined
    : { reference, transactionId: transaction.transactionId, accountId: input.accountId, amount: input.amount };
  const outcome = await deps.ledger.post(transaction, creditReference ? { creditReference } : {});
  if (outcome === 'posted') return transaction;
  const winner = reference === undefined ? undefined : await deps.ledger.getCreditReference(reference);
  if (!winner) throw new Error(`credit reference ${reference ?? ''} was taken but cannot be read`);
  return firstCredit(winner, input, deps);
};

const firstCredit = async (used: CreditReference, input: AddCreditsInput, deps: Pick<BillingDeps, 'ledger'>): Promise<LedgerTransaction> => {
  if (used.accountId !== input.accountId || used.amount !== input.amount) throw new ReferenceReusedError(used.reference);
  const transaction = await deps.ledger.getTransaction(used.transactionId);
  if (!transaction) throw new Error(`credit reference ${used.reference} names a missing transaction ${used.transactionId}`);
  return transaction;
};
