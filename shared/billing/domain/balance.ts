import { microUsd, type MicroUsd } from '#platform/money.ts';

/**
 * An account's money at a glance. `balance` is the sum of all the account's ledger entries;
 * `held` the sum of its active holds; `available` what it may still commit to new jobs,
 * always `balance - held`. The store keeps all three in one item, so that a hold can be
 * guarded by one condition on `available` and concurrent holds can never overdraw.
 * An account that never had money has no item: zero everywhere.
 */
export interface Balance {
  readonly accountId: string;
  readonly balance: MicroUsd;
  readonly held: MicroUsd;
  readonly available: MicroUsd;
}

export const emptyBalance = (accountId: string): Balance => ({
  accountId,
  balance: microUsd(0),
  held: microUsd(0),
  available: microUsd(0),
});

/** A ledger entry posted to the account: balance and available move together, held stays. */
export const applyEntry = (current: Balance, amount: MicroUsd): Balance => ({
  ...current,
  balance: microUsd(current.balance + amount),
  available: microUsd(current.available + amount),
});

/** Whether a hold of `amount` fits: the rule the store's condition `available >= :amount` enforces. */
export const canHold = (current: Balance, amount: MicroUsd): boolean => amount > 0 && current.available >= amount;

/** Moves `amount` from available to held; undefined when available funds do not cover it. */
export const placeHold = (current: Balance, amount: MicroUsd): Balance | undefined =>
  canHold(current, amount)
    ? { ...current, held: microUsd(current.held + amount), available: microUsd(current.available - amount) }
    : undefined;

/** Gives a released hold's `amount` back to available. */
export const releaseHold = (current: Balance, amount: MicroUsd): Balance => ({
  ...current,
  held: microUsd(current.held - amount),
  available: microUsd(current.available + amount),
});

/**
 * A usage charge of `amount` to the renter, `fromHold` of it out of the job's hold: the
 * balance drops by the whole amount, held by what the hold covered, available by the rest.
 * Nothing stops available (or the balance) going below zero: the provider is owed the usage
 * whatever the renter has left, and holds are what keep that rare.
 */
export const chargeBalance = (current: Balance, amount: MicroUsd, fromHold: MicroUsd): Balance => ({
  ...current,
  balance: microUsd(current.balance - amount),
  held: microUsd(current.held - fromHold),
  available: microUsd(current.available - amount + fromHold),
});
