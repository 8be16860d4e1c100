import { replicaOfJobId } from '#matching/domain/service.ts';
import { formatUsd } from '#platform/money.ts';
import type { Balance } from '../domain/balance.ts';
import type { AccountEntry, LedgerTransaction } from '../domain/ledger.ts';
import type { Statement } from '../domain/statement.ts';

/** A service replica's job line names its service (docs/services.md): its id is read from the job id, nothing is looked up. */
const serviceOfJob = (jobId: string): { serviceId?: string } => {
  const replica = replicaOfJobId(jobId);
  return replica ? { serviceId: replica.serviceId } : {};
};

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

/** The statement as the API contract shows it: money as USD strings, GPU-seconds as numbers. */
export const statementView = (statement: Statement) => ({
  month: statement.month,
  accountId: statement.accountId,
  kind: statement.kind,
  openingBalance: formatUsd(statement.openingBalance),
  closingBalance: formatUsd(statement.closingBalance),
  credits: statement.credits.map((credit) => ({ transactionId: credit.transactionId, amount: formatUsd(credit.amount), reference: credit.reference, postedAt: credit.postedAt })),
  charges: statement.charges.map((line) => ({ jobId: line.jobId, ...serviceOfJob(line.jobId), amount: formatUsd(line.amount), gpuSeconds: line.gpuMs / 1000, records: line.records })),
  earnings: statement.earnings.map((line) => ({ hostId: line.hostId, amount: formatUsd(line.amount), gpuSeconds: line.gpuMs / 1000, records: line.records })),
  payouts: statement.payouts.map((line) => ({ payoutId: line.payoutId, kind: line.kind, amount: formatUsd(line.amount), postedAt: line.postedAt })),
  totals: {
    credits: formatUsd(statement.totals.credits),
    charges: formatUsd(statement.totals.charges),
    earnings: formatUsd(statement.totals.earnings),
    payouts: formatUsd(statement.totals.payouts),
  },
});
