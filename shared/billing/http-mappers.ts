import { formatUsd } from '#platform/money.ts';
import type { Balance } from './domain/balance.ts';
import type { AccountEntry, LedgerTransaction } from './domain/ledger.ts';

export const transactionView = (transaction: LedgerTransaction) => ({
  transactionId: transaction.transactionId,
  postedAt: transaction.postedAt,
  kind: transaction.kind,
  reference: transaction.reference,
  entries: transaction.entries.map((entry) => ({ entryId: entry.entryId, accountId: entry.accountId, amount: formatUsd(entry.amount) })),
});

export const balanceView = (balance: Balance & { readonly runwaySeconds: number | null }) => ({
  balance: formatUsd(balance.balance),
  held: formatUsd(balance.held),
  available: formatUsd(balance.available),
  // How long the renter's running jobs can go on at their current rates; null when none runs.
  runwaySeconds: balance.runwaySeconds,
});

export const entryView = (entry: AccountEntry) => ({
  transactionId: entry.transactionId,
  entryId: entry.entryId,
  postedAt: entry.postedAt,
  kind: entry.kind,
  amount: formatUsd(entry.amount),
  reference: entry.reference,
});
