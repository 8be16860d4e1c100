import type { Clock } from '#platform/clock.ts';
import type { HoldSettings } from '../domain/renewal.ts';
import type { BalanceStore, ChargeStore, HoldStore, LedgerStore, LowRunwayStore, PayoutStore } from '../ports.ts';

export interface BillingDeps {
  readonly ledger: LedgerStore;
  readonly balances: BalanceStore;
  readonly holds: HoldStore;
  readonly charges: ChargeStore;
  readonly clock: Clock;
  /** The platform's fee on usage, in basis points (1000 = 10%). */
  readonly platformFeeBps: number;
  readonly lowRunway: LowRunwayStore;
  /** Rolling holds and the low-runway warning. */
  readonly holdSettings: HoldSettings;
  readonly payouts: PayoutStore;
  /** Earnings are payable once older than this many seconds. */
  readonly settlementDelaySeconds: number;
}
