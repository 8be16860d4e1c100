import type { Page } from '#platform/pagination.ts';
import type { Balance } from '../domain/balance.ts';
import type { AccountEntry } from '../domain/ledger.ts';
import type { LedgerRange } from '../ports.ts';
import type { BillingDeps } from './deps.ts';

/** The caller's balance: a renter's funds, or a provider's earnings not yet paid out. */
export const getBalance = (accountId: string, deps: Pick<BillingDeps, 'balances'>): Promise<Balance> => deps.balances.get(accountId);

/** The caller's own ledger entries, newest first, within `range`. */
export const listLedger = (
  accountId: string,
  query: LedgerRange & { readonly limit: number; readonly cursor?: string },
  deps: Pick<BillingDeps, 'ledger'>,
): Promise<Page<AccountEntry>> => {
  const range: LedgerRange = { ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) };
  return deps.ledger.listEntries(accountId, range, query.limit, query.cursor);
};
