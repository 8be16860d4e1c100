import { isPlatformFeeAccount } from '#billing/domain/ledger.ts';
import { PAYOUTS_IN_TRANSIT_ACCOUNT, PAYOUTS_PAID_ACCOUNT } from '#billing/domain/payouts.ts';
import type { LedgerRow, PayoutRow, UsageRow } from './rows.ts';

/**
 * Totals and reconciliation, in integer micro-USD (and whole milli-GPU-seconds), summed as
 * the rows stream past so that no row is kept.
 *
 * - A usage export reconciles when its renter amounts, provider amounts and fees equal the
 *   ledger's usage charges for the same period (renter debits, provider credits, platform
 *   fees), and its rows name as many transactions as the ledger holds usage transactions (a
 *   chunk's rows, one per record, share one). Both select by the time the money
 *   moved, so late usage lands in the same period on both sides.
 * - A ledger export reconciles when its entries sum to zero: every transaction's entries
 *   share one `postedAt`, so a period holds whole transactions.
 */
export interface UsageTotals {
  readonly rows: number;
  readonly milliGpuSeconds: number;
  readonly amount: number;
  readonly providerAmount: number;
  readonly fee: number;
  /**
   * Ledger transactions the rows were charged in: one per charge that moved money (a chunk's
   * rows share one; rows that cost 0 have none).
   */
  readonly charged: number;
}

/** The ledger's usage charges for a period, seen from the ledger's entries. */
export interface LedgerUsageCharges {
  readonly transactions: number;
  /** What renters paid (the debits' size, positive). */
  readonly renterDebits: number;
  readonly providerCredits: number;
  readonly platformFees: number;
}

export interface LedgerTotals {
  readonly rows: number;
  /** Every entry's amount, summed: zero for a balanced ledger. */
  readonly sum: number;
  /** Negative entries, summed (a negative number). */
  readonly debits: number;
  readonly credits: number;
  readonly usageCharges: LedgerUsageCharges;
}

export const emptyUsageTotals = (): UsageTotals => ({ rows: 0, milliGpuSeconds: 0, amount: 0, providerAmount: 0, fee: 0, charged: 0 });
export const emptyLedgerUsageCharges = (): LedgerUsageCharges => ({ transactions: 0, renterDebits: 0, providerCredits: 0, platformFees: 0 });
export const emptyLedgerTotals = (): LedgerTotals => ({ rows: 0, sum: 0, debits: 0, credits: 0, usageCharges: emptyLedgerUsageCharges() });

const checked = (value: number): number => {
  if (!Number.isSafeInteger(value)) throw new RangeError(`a total of ${value} is beyond exact integer arithmetic`);
  return value;
};

export const addUsageRows = (totals: UsageTotals, rows: readonly UsageRow[]): UsageTotals => {
  let { rows: count, milliGpuSeconds, amount, providerAmount, fee, charged } = totals;
  // A chunk's rows come together, from one item, never split across pages: a transaction
  // is new where the previous row's differs.
  let previous: string | null = null;
  for (const row of rows) {
    count += 1;
    milliGpuSeconds += Math.round(row.gpuSeconds * 1000);
    amount += row.amount;
    providerAmount += row.providerAmount;
    fee += row.fee;
    if (row.transactionId !== null && row.transactionId !== previous) charged += 1;
    previous = row.transactionId;
  }
  return { rows: count, milliGpuSeconds: checked(milliGpuSeconds), amount: checked(amount), providerAmount: checked(providerAmount), fee: checked(fee), charged };
};

/**
 * Adds entries to the ledger's usage charges. A usage charge has one debit (the renter), a
 * credit to the provider and one to the platform's fee account; entries of 0 are not posted.
 */
export const addLedgerUsageCharges = (charges: LedgerUsageCharges, rows: readonly LedgerRow[]): LedgerUsageCharges => {
  let { transactions, renterDebits, providerCredits, platformFees } = charges;
  for (const row of rows) {
    if (row.kind !== 'usage_charge') continue;
    if (row.amount < 0) {
      renterDebits -= row.amount;
      transactions += 1;
    } else if (isPlatformFeeAccount(row.accountId)) platformFees += row.amount;
    else providerCredits += row.amount;
  }
  return { transactions, renterDebits: checked(renterDebits), providerCredits: checked(providerCredits), platformFees: checked(platformFees) };
};

export const addLedgerRows = (totals: LedgerTotals, rows: readonly LedgerRow[]): LedgerTotals => {
  let { rows: count, sum, debits, credits } = totals;
  for (const row of rows) {
    count += 1;
    sum += row.amount;
    if (row.amount < 0) debits += row.amount;
    else credits += row.amount;
  }
  return { rows: count, sum: checked(sum), debits: checked(debits), credits: checked(credits), usageCharges: addLedgerUsageCharges(totals.usageCharges, rows) };
};

/** Each difference between a usage export and the ledger's usage charges, by name; empty when they reconcile. */
export const usageDifferences = (usage: UsageTotals, ledger: LedgerUsageCharges): string[] => [
  ...(usage.amount === ledger.renterDebits ? [] : [`amount ${usage.amount} != ledger renter debits ${ledger.renterDebits}`]),
  ...(usage.providerAmount === ledger.providerCredits ? [] : [`providerAmount ${usage.providerAmount} != ledger provider credits ${ledger.providerCredits}`]),
  ...(usage.fee === ledger.platformFees ? [] : [`fee ${usage.fee} != ledger platform fees ${ledger.platformFees}`]),
  ...(usage.charged === ledger.transactions ? [] : [`${usage.charged} charges != ${ledger.transactions} ledger usage transactions`]),
];

export const ledgerDifferences = (ledger: LedgerTotals): string[] => (ledger.sum === 0 ? [] : [`entries sum to ${ledger.sum}, not 0`]);

/** A payouts export's rows: payouts made in the period, by their status now. */
export interface PayoutTotals {
  readonly rows: number;
  readonly amount: number;
  readonly paid: number;
  readonly inTransit: number;
  readonly failed: number;
}

/**
 * The ledger's side of a payouts export, for the same period:
 * - `made`, `madeAmount`: payout transactions (provider -> in transit), which the rows must match;
 * - the change of the payout identity `earnings = paid + inTransit + providerBalances`, each
 *   summed from the entries of its own accounts: providers' usage earnings; what reached
 *   `external:payouts`; what `platform:payouts-in-transit` gained or lost; and what the
 *   providers' balances gained or lost through earnings, payouts and returns. A payout posted
 *   to the wrong account, or only half posted, breaks it.
 */
export interface LedgerPayouts {
  readonly made: number;
  readonly madeAmount: number;
  readonly earnings: number;
  readonly paid: number;
  readonly inTransit: number;
  readonly providerBalances: number;
}

export const emptyPayoutTotals = (): PayoutTotals => ({ rows: 0, amount: 0, paid: 0, inTransit: 0, failed: 0 });
export const emptyLedgerPayouts = (): LedgerPayouts => ({ made: 0, madeAmount: 0, earnings: 0, paid: 0, inTransit: 0, providerBalances: 0 });

export const addPayoutRows = (totals: PayoutTotals, rows: readonly PayoutRow[]): PayoutTotals => {
  let { rows: count, amount, paid, inTransit, failed } = totals;
  for (const row of rows) {
    count += 1;
    amount += row.amount;
    if (row.status === 'paid') paid += row.amount;
    else if (row.status === 'failed') failed += row.amount;
    else inTransit += row.amount;
  }
  return { rows: count, amount: checked(amount), paid: checked(paid), inTransit: checked(inTransit), failed: checked(failed) };
};

const isProviderEarning = (row: LedgerRow): boolean => row.kind === 'usage_charge' && row.amount > 0 && !isPlatformFeeAccount(row.accountId);

export const addLedgerPayouts = (payouts: LedgerPayouts, rows: readonly LedgerRow[]): LedgerPayouts => {
  let { made, madeAmount, earnings, paid, inTransit, providerBalances } = payouts;
  for (const row of rows) {
    if (isProviderEarning(row)) {
      earnings += row.amount;
      providerBalances += row.amount;
    } else if (row.accountId === PAYOUTS_IN_TRANSIT_ACCOUNT) {
      inTransit += row.amount;
      if (row.kind === 'payout') {
        made += 1;
        madeAmount += row.amount;
      }
    } else if (row.accountId === PAYOUTS_PAID_ACCOUNT) paid += row.amount;
    else if (row.kind === 'payout' || row.kind === 'payout_returned') providerBalances += row.amount;
  }
  return {
    made, madeAmount: checked(madeAmount), earnings: checked(earnings), paid: checked(paid), inTransit: checked(inTransit), providerBalances: checked(providerBalances),
  };
};

/** Each difference between a payouts export and the ledger, by name; empty when they reconcile. */
export const payoutDifferences = (totals: PayoutTotals, ledger: LedgerPayouts): string[] => [
  ...(totals.amount === ledger.madeAmount ? [] : [`payouts ${totals.amount} != ledger payouts made ${ledger.madeAmount}`]),
  ...(totals.rows === ledger.made ? [] : [`${totals.rows} payouts != ${ledger.made} ledger payout transactions`]),
  ...(ledger.earnings === ledger.paid + ledger.inTransit + ledger.providerBalances
    ? []
    : [`earnings ${ledger.earnings} != paid ${ledger.paid} + in transit ${ledger.inTransit} + providers' balances ${ledger.providerBalances}`]),
];
