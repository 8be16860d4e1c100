import type { DomainEvent } from '#events/define.ts';
import type { MicroUsd } from '#platform/money.ts';
import type { Page } from '#platform/pagination.ts';
import type { Balance } from './domain/balance.ts';
import type { JobCost, UsageCharge } from './domain/charge.ts';
import type { ChunkCharge } from './domain/chunk-charge.ts';
import type { Hold } from './domain/hold.ts';
import type { ChargedUsageLine } from './domain/statement.ts';
import type { LowRunwayMarker } from './domain/renewal.ts';
import type { AccountEntry, LedgerTransaction } from './domain/ledger.ts';
import type { PayoutMethod } from './domain/payout-method.ts';
import type { Payout, PayoutBatch, PayoutStatus } from './domain/payouts.ts';

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
  /**
   * Gives a held hold back to available funds; false when it was no longer held, or no
   * longer of `hold.amount` (a charge used part of it in between: read it again).
   */
  release(hold: Hold, at: Date): Promise<boolean>;
  /** Marks a held hold whose job ended as kept until `until` (`keptUntil`); false when it was no longer held. */
  keepUntil(hold: Hold, until: Date): Promise<boolean>;
  /** The account's holds still `held`. */
  listActive(accountId: string): Promise<Hold[]>;
  /** Marks a job that ended before any hold, so a late placement holds nothing; false when one exists. */
  markEndedBeforeHold(jobId: string, accountId: string, at: Date): Promise<boolean>;
  /** Every job whose hold is held, for the renewal schedule (no scan: a pointer per held hold). */
  listRenewable(): Promise<RenewableHold[]>;
  /**
   * Adds `amount` (0 or more) of the account's available funds to the hold, only while the
   * hold is still held at `hold.amount`, not exhausted, and available funds cover it; with
   * `exhausted`, also marks the hold exhausted and commits that event, all in one write.
   * 'stale' when the hold or the balance moved since they were read: nothing was written.
   */
  renew(hold: Hold, amount: MicroUsd, at: Date, exhausted?: DomainEvent): Promise<'renewed' | 'stale'>;
  /** Drops the renewal pointer of a job whose hold is no longer held. */
  forgetRenewal(jobId: string): Promise<void>;
}

/** A job the renewal schedule looks at. */
export interface RenewableHold {
  readonly jobId: string;
  readonly accountId: string;
}

export interface LowRunwayStore {
  get(accountId: string): Promise<LowRunwayMarker | undefined>;
  /** Writes the marker (and the event with it) only while the stored one is at `marker.version - 1`; false otherwise. */
  save(marker: LowRunwayMarker, event?: DomainEvent): Promise<boolean>;
}

/** One usage charge, written whole or not at all. */
export interface ChargeWrite {
  /** Recorded only while no charge has this usage record id. */
  readonly charge: UsageCharge;
  /** The money moved; absent when the record cost nothing. */
  readonly transaction?: LedgerTransaction;
  /**
   * Takes `charge.fromHold` out of this hold, only while it is held with at least that much;
   * for a charge that was cut, only while everything held for the job is still what was read.
   */
  readonly hold?: Hold;
  /** The part of the renter's amount not from the hold: written only while that much is available. */
  readonly fromAvailable: MicroUsd;
  /** The job's new total, only while the stored one is still at version `jobCost.version - 1`. */
  readonly jobCost: JobCost;
  /** `usage.charged`, through the outbox. */
  readonly event: DomainEvent;
}

/**
 * - `charged`: all of it was written;
 * - `already_charged`: another delivery of the record got there first; nothing was written;
 * - `stale`: the hold or the job's total changed since they were read; nothing was written.
 */
export type ChargeWriteResult = 'charged' | 'already_charged' | 'stale';

/** One chunk of usage records charged whole or not at all (issue 14). */
export interface ChunkChargeWrite {
  /** Recorded only while no charge has this chunk id. */
  readonly charge: ChunkCharge;
  /** The chunk's money, one transaction for all its records; absent when it cost nothing. */
  readonly transaction?: LedgerTransaction;
  /**
   * Takes `charge.fromHold` out of this hold, only while it is held with at least that much;
   * for a chunk that was cut, only while everything held for the job is still what was read.
   */
  readonly hold?: Hold;
  /** The part of the renter's amount not from the hold: written only while that much is available. */
  readonly fromAvailable: MicroUsd;
  /** The job's new total, only while the stored one is still at version `jobCost.version - 1`. */
  readonly jobCost: JobCost;
  /** `usage.chunk_charged`, through the outbox. */
  readonly event: DomainEvent;
}

/**
 * Several chunks of one renter charged whole or not at all, in one transaction (issue 14):
 * a FIFO batch brings a renter's chunks together, and one write for them all costs the store
 * one transaction instead of one each, with one balance update per account and one total
 * and hold update per job.
 */
export interface ChunkChargesWrite {
  readonly renterId: string;
  /** Each chunk's charge (recorded only while no charge has its id), its ledger transaction (absent when it cost nothing) and `usage.chunk_charged`. */
  readonly chunks: readonly { readonly charge: ChunkCharge; readonly transaction?: LedgerTransaction; readonly event: DomainEvent }[];
  /**
   * Per job whose hold the chunks use: takes `fromHold` out of it, only while it is held with
   * at least that much; with `cut`, only while everything held for the job is what was read.
   */
  readonly holds: readonly { readonly hold: Hold; readonly fromHold: MicroUsd; readonly cut: boolean }[];
  /** Everything not from holds: written only while that much of the renter's funds is available. */
  readonly fromAvailable: MicroUsd;
  /** Each job's new total, only while the stored one is still at version `version - 1`. */
  readonly jobCosts: readonly JobCost[];
}

/** What a statement needs of the charge a usage entry references: a record's charge (`UsageCharge` has it), or a chunk's. */
export type ChargedUsage = ChargedUsageLine;

/** What `ChargeStore.readForChunks` found; absent holds and totals are left out. */
export interface ChunkChargeReads {
  readonly charged: readonly ChunkCharge[];
  readonly holds: ReadonlyMap<string, Hold>;
  readonly jobCosts: ReadonlyMap<string, JobCost>;
  readonly balance: Balance;
}

export interface ChargeStore {
  getCharge(usageRecordId: string): Promise<UsageCharge | undefined>;
  /** The charges of these usage records that exist (any order). */
  getCharges(usageRecordIds: readonly string[]): Promise<UsageCharge[]>;
  getJobCost(jobId: string): Promise<JobCost | undefined>;
  getJobCosts(jobIds: readonly string[]): Promise<JobCost[]>;
  /**
   * The charge, its ledger transaction and entries, every balance it changes (the renter's
   * held and available too), the hold, the job's total and the event, in one transaction.
   */
  charge(write: ChargeWrite): Promise<ChargeWriteResult>;
  getChunkCharge(chunkId: string): Promise<ChunkCharge | undefined>;
  /**
   * The chunk's charge with its lines, its one ledger transaction and entries, every balance
   * it changes, the hold, the job's total and the event, in one transaction.
   */
  chargeChunk(write: ChunkChargeWrite): Promise<ChargeWriteResult>;
  /** The charges of these chunks that exist (any order). */
  getChunkCharges(chunkIds: readonly string[]): Promise<ChunkCharge[]>;
  /**
   * Everything charging these chunks reads, in one round trip: those charged already, their
   * jobs' holds and running totals, and the renter's balance (each read consistently).
   */
  readForChunks(chunkIds: readonly string[], jobIds: readonly string[], renterId: string): Promise<ChunkChargeReads>;
  /**
   * Several chunks of one renter in one transaction (`ChunkChargesWrite`): `already_charged`
   * when any of them was charged already (nothing written: read which, and charge the rest).
   */
  chargeChunks(write: ChunkChargesWrite): Promise<ChargeWriteResult>;
  /** What the chunks with these ids charged, by chunk id, for statements; unknown ids are left out. */
  getChunkUsage(chunkIds: readonly string[]): Promise<ReadonlyMap<string, ChargedUsage>>;
}

/** Which payouts finance lists: all, or one provider's, or one batch's; `status` narrows any of them. */
export interface PayoutFilter {
  readonly providerId?: string;
  readonly batchId?: string;
  readonly status?: PayoutStatus;
}

/** A payout made whole or not at all. */
export interface PayoutWrite {
  readonly payout: Payout;
  /** Provider -> in transit; posted only while the provider has at least the amount available. */
  readonly transaction: LedgerTransaction;
  /** The provider's payout cursor as read before the payable amount was computed. */
  readonly cursorVersion: number;
}

export interface PayoutSettlementWrite {
  /** The payout settled, at `version` one above the stored one. */
  readonly payout: Payout;
  readonly transaction: LedgerTransaction;
  /** `payout.paid`, through the outbox; none for a failure. */
  readonly event?: DomainEvent;
}

export interface PayoutStore {
  getMethod(providerId: string): Promise<PayoutMethod | undefined>;
  saveMethod(method: PayoutMethod): Promise<void>;
  /** Every provider with a method set, page by page. */
  listMethods(limit: number, cursor?: string): Promise<Page<PayoutMethod>>;
  /** The provider's payout cursor: bumped by every payout made; 0 before the first. */
  getCursorVersion(providerId: string): Promise<number>;
  saveBatch(batch: PayoutBatch): Promise<void>;
  getBatch(batchId: string): Promise<PayoutBatch | undefined>;
  /**
   * The payout, its batch's and the log's pointers, its ledger transaction with both balances,
   * and the cursor moved to `cursorVersion + 1`, in one write; 'stale' when another payout to
   * the provider was made since the cursor was read (nothing written).
   */
  createPayout(write: PayoutWrite): Promise<'created' | 'stale'>;
  getPayout(payoutId: string): Promise<Payout | undefined>;
  /** Newest first. */
  listPayouts(filter: PayoutFilter, limit: number, cursor?: string): Promise<Page<Payout>>;
  /** Every payout of a batch, for its file. */
  listBatchPayouts(batchId: string): Promise<Payout[]>;
  /** Settles the payout with its transaction (and event) only while it is still in transit at the version before; false otherwise. */
  settle(write: PayoutSettlementWrite): Promise<boolean>;
}
