import type { Page } from '#platform/pagination.ts';
import type { Balance } from '../domain/balance.ts';
import { runningJobs, runwaySeconds } from '../domain/runway.ts';
import type { AccountEntry } from '../domain/ledger.ts';
import type { LedgerRange } from '../ports.ts';
import type { BillingDeps } from './deps.ts';

/** The caller's balance: a renter's funds, or a provider's earnings not yet paid out. */
export const getBalance = (accountId: string, deps: Pick<BillingDeps, 'balances'>): Promise<Balance> => deps.balances.get(accountId);

/** A balance with the runway of the account's running jobs (null when none runs at a known rate). */
export interface BalanceWithRunway extends Balance {
  readonly runwaySeconds: number | null;
}

/**
 * The balance as `GET /v1/billing/balance` shows it. Steps: read the balance and the
 * account's active holds (a provider has none: its runway is null without further reads);
 * read those jobs' running totals, where each assignment's current rate is kept; the
 * runway is what the running jobs can draw on over what they cost (domain/runway.ts).
 */
export const getBalanceWithRunway = async (
  accountId: string,
  deps: Pick<BillingDeps, 'balances' | 'holds' | 'charges' | 'clock'>,
): Promise<BalanceWithRunway> => {
  const [balance, holds] = await Promise.all([deps.balances.get(accountId), deps.holds.listActive(accountId)]);
  if (holds.length === 0) return { ...balance, runwaySeconds: null };
  const costs = await deps.charges.getJobCosts(holds.map((hold) => hold.jobId));
  return { ...balance, runwaySeconds: runwaySeconds(balance.available, runningJobs(holds, costs, deps.clock.now())) };
};

/** The caller's own ledger entries, newest first, within `range`. */
export const listLedger = (
  accountId: string,
  query: LedgerRange & { readonly limit: number; readonly cursor?: string },
  deps: Pick<BillingDeps, 'ledger'>,
): Promise<Page<AccountEntry>> => {
  const range: LedgerRange = { ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) };
  return deps.ledger.listEntries(accountId, range, query.limit, query.cursor);
};
