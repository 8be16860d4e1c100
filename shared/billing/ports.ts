import type { DomainEvent } from '#events/define.ts';
import type { MicroUsd } from '#platform/money.ts';
import type { Page } from '#platform/pagination.ts';
import type { Balance } from './domain/balance.ts';
import type { Hold } from './domain/hold.ts';
import type { AccountEntry, LedgerTransaction } from './domain/ledger.ts';

/** The credit a reference was first used for: a retry with the same reference gets it back. */
export interface CreditReference {
  readonly reference: string;
  readonly transactionId: string;
  readonly accountId: string;
  readonly amount: MicroUsd;
}

/** A time window on the ledger: `from` inclusive, `to` exclusive, both ISO-8601 UTC. */
export interface LedgerRange {
  readonly from?: string;
  readonly to?: string;
}

export interface LedgerStore {
  /**
   * Posts the transaction, its entries and every balance it changes in one write. With
   * `creditReference`, only while that reference is unused: 'reference_taken' otherwise,
   * and nothing is written.
   */
  post(transaction: LedgerTransaction, options?: { readonly creditReference?: CreditReference }): Promise<'posted' | 'reference_taken'>;
  getCreditReference(reference: string): Promise<CreditReference | undefined>;
  getTransaction(transactionId: string): Promise<LedgerTransaction | undefined>;
  /** The account's entries in the range, newest first. */
  listEntries(accountId: string, range: LedgerRange, limit: number, cursor?: string): Promise<Page<AccountEntry>>;
}

export interface BalanceStore {
  /** The account's balance; zero everywhere when it never had money. */
  get(accountId: string): Promise<Balance>;
}

export type PlaceHoldResult =
  | { readonly outcome: 'placed' }
  | { readonly outcome: 'insufficient_funds'; readonly available: MicroUsd }
  /** Another delivery of the same job got there first. */
  | { readonly outcome: 'exists' };

export interface HoldStore {
  get(jobId: string): Promise<Hold | undefined>;
  /**
   * Holds `hold.amount` of the account's available funds and records the hold with its
   * event, atomically, only if available funds cover it and the job has no hold yet.
   */
  place(hold: Hold, event: DomainEvent): Promise<PlaceHoldResult>;
  /** Records a refusal with its event; false when the job already has a hold or a marker. */
  refuse(refusal: Hold, event: DomainEvent): Promise<boolean>;
  /** Gives a held hold back to available funds; false when it was no longer held. */
  release(hold: Hold, at: Date): Promise<boolean>;
  /** Marks a job that ended before any hold, so a late placement holds nothing; false when one exists. */
  markEndedBeforeHold(jobId: string, accountId: string, at: Date): Promise<boolean>;
}
