import type { Clock } from '#platform/clock.ts';
import type { BalanceStore, HoldStore, LedgerStore } from '../ports.ts';

export interface BillingDeps {
  readonly ledger: LedgerStore;
  readonly balances: BalanceStore;
  readonly holds: HoldStore;
  readonly clock: Clock;
}
