import { ConflictError, NotFoundError } from '#platform/errors.ts';
import { microUsd, type MicroUsd } from '#platform/money.ts';
import type { AccountEntry, LedgerTransaction } from './ledger.ts';
import { postTransaction } from './ledger.ts';
import type { PayoutMethodDetails } from './payout-method.ts';

/**
 * Payouts: a provider's earnings leave the platform through finance's own rails.
 *
 * A payout moves its amount from the provider's account to `platform:payouts-in-transit` when
 * it is made (one ledger transaction, in the same write as the payout item), then from there
 * to `external:payouts` when finance marks it paid, or back to the provider when it failed.
 * So at any time, for every provider:
 *
 *   earnings = paid (in external:payouts) + in transit + the provider's balance
 *
 * and the balance is what is still payable plus what is not yet settled.
 */
export const PAYOUTS_IN_TRANSIT_ACCOUNT = 'platform:payouts-in-transit';
/** Money that left the platform to providers: the mirror of `external:funding`, which grows positive. */
export const PAYOUTS_PAID_ACCOUNT = 'external:payouts';

/** Earnings younger than this are not payable yet: room for disputes and corrections. */
export const DEFAULT_SETTLEMENT_DELAY_SECONDS = 7 * 24 * 3600;
export const WEEK_SECONDS = 7 * 24 * 3600;

export type PayoutStatus = 'in_transit' | 'paid' | 'failed';

export interface Payout {
  readonly payoutId: string;
  readonly batchId: string;
  readonly providerId: string;
  readonly amount: MicroUsd;
  /** The method when the payout was made, whole: the batch file needs it even if the provider changes it later. */
  readonly method: PayoutMethodDetails;
  readonly status: PayoutStatus;
  /** Earnings posted before this time were the settled part the amount was taken from. */
  readonly settledBefore: string;
  readonly createdAt: string;
  /** The ledger transaction that moved the amount into transit. */
  readonly transactionId: string;
  /** The rail's reference (paid), or the rail's failure reference when finance gave one. */
  readonly reference: string | null;
  readonly failureReason: string | null;
  readonly settledAt: string | null;
  /** The ledger transaction that paid it out or returned it. */
  readonly settlementTransactionId: string | null;
  /** Each write is conditional on the version it read. */
  readonly version: number;
}

export interface PayoutBatch {
  readonly batchId: string;
  /** The finance account that asked, or `schedule`. */
  readonly requestedBy: string;
  readonly createdAt: string;
  readonly settledBefore: string;
  /** Set once every provider was looked at. */
  readonly payouts: number | null;
  readonly total: MicroUsd | null;
}

/** Earnings posted at or after this time are not settled when looked at `asOf`. */
export const settlementCutoff = (asOf: Date, delaySeconds: number): string => new Date(asOf.getTime() - delaySeconds * 1000).toISOString();

/**
 * What may be paid to a provider now: its balance less the earnings that are not settled yet.
 *
 * Why from the balance and not from "settled earnings - payouts": the balance already is every
 * earning less every payout in transit or paid, plus every failed payout returned, all in one
 * item that a payout's own write conditions on. What must wait is only the earnings posted
 * since the cutoff, a short range of the account's ledger (`recentEntries`, the entries posted
 * at or after the cutoff). A returned payout is settled money and is payable again at once.
 * Never more than the balance, never below zero.
 */
export const payableAmount = (input: { readonly balance: number; readonly recentEntries: readonly AccountEntry[]; readonly cutoff: string }): MicroUsd => {
  const unsettled = input.recentEntries
    .filter((entry) => entry.kind === 'usage_charge' && entry.amount > 0 && entry.postedAt >= input.cutoff)
    .reduce((total, entry) => total + entry.amount, 0);
  return microUsd(Math.max(0, Math.min(input.balance, input.balance - unsettled)));
};

/** One cent in micro-USD: the smallest amount every rail can send. */
export const CENT = 10_000;

/**
 * What a payout sends: the payable amount in whole cents, rounded down. Rails pay cents, so a
 * payout of sub-cent micro-dollars would be rounded by the rail and no longer match the ledger;
 * the rest stays in the provider's balance for the next batch.
 */
export const payoutAmountOf = (payable: number): MicroUsd => microUsd(Math.floor(Math.max(0, payable) / CENT) * CENT);

/** A provider is paid when at least a cent is payable and it reaches the provider's threshold (if any). */
export const shouldPay = (amount: number, threshold: number | null): boolean => amount >= CENT && amount >= (threshold ?? 0);

/** Provider -> in transit, made with the payout. */
export const payoutTransaction = (input: {
  readonly transactionId: string;
  readonly payoutId: string;
  readonly providerId: string;
  readonly amount: MicroUsd;
  readonly postedAt: string;
  readonly entryIds: readonly [string, string];
}): LedgerTransaction =>
  postTransaction({
    transactionId: input.transactionId,
    kind: 'payout',
    reference: input.payoutId,
    postedAt: input.postedAt,
    entries: [
      { entryId: input.entryIds[0], accountId: input.providerId, amount: microUsd(-input.amount) },
      { entryId: input.entryIds[1], accountId: PAYOUTS_IN_TRANSIT_ACCOUNT, amount: input.amount },
    ],
  });

/** In transit -> paid out (finance sent it), or back to the provider (the rail refused it). */
export const settlementTransaction = (input: {
  readonly transactionId: string;
  readonly payout: Pick<Payout, 'payoutId' | 'providerId' | 'amount'>;
  readonly outcome: 'paid' | 'failed';
  readonly postedAt: string;
  readonly entryIds: readonly [string, string];
}): LedgerTransaction =>
  postTransaction({
    transactionId: input.transactionId,
    kind: input.outcome === 'paid' ? 'payout_paid' : 'payout_returned',
    reference: input.payout.payoutId,
    postedAt: input.postedAt,
    entries: [
      { entryId: input.entryIds[0], accountId: PAYOUTS_IN_TRANSIT_ACCOUNT, amount: microUsd(-input.payout.amount) },
      {
        entryId: input.entryIds[1],
        accountId: input.outcome === 'paid' ? PAYOUTS_PAID_ACCOUNT : input.payout.providerId,
        amount: input.payout.amount,
      },
    ],
  });

export class PayoutNotFoundError extends NotFoundError {
  override readonly code = 'payout_not_found';
  constructor(readonly payoutId: string) {
    super(`No payout ${payoutId}.`);
  }
}

export class PayoutBatchNotFoundError extends NotFoundError {
  override readonly code = 'payout_batch_not_found';
  constructor(readonly batchId: string) {
    super(`No payout batch ${batchId}.`);
  }
}

/** 409: the payout was already settled in a way this request contradicts. */
export class PayoutSettledError extends ConflictError {
  constructor(code: 'payout_already_paid' | 'payout_already_failed', message: string) {
    super(code, message);
  }
}

/**
 * What marking a payout paid or failed does, from its current state:
 * - in transit: settle it (`settle`);
 * - already settled the same way with the same reference (and for a failure, no reference
 *   on either side counts as the same): answer it as it is (`unchanged`), so a retry is safe;
 * - anything else (paid with another reference, paying a failed payout, failing a paid one):
 *   409, because money already moved the other way and only a person can sort it out.
 */
export const settlementDecision = (
  payout: Pick<Payout, 'payoutId' | 'status' | 'reference'>,
  request: { readonly outcome: 'paid' | 'failed'; readonly reference: string | null },
): 'settle' | 'unchanged' => {
  if (payout.status === 'in_transit') return 'settle';
  if (payout.status === 'paid') {
    if (request.outcome === 'paid' && payout.reference === request.reference) return 'unchanged';
    throw new PayoutSettledError(
      'payout_already_paid',
      request.outcome === 'paid'
        ? `Payout ${payout.payoutId} was already marked paid with another reference.`
        : `Payout ${payout.payoutId} was already marked paid; it cannot fail now.`,
    );
  }
  if (request.outcome === 'failed' && payout.reference === request.reference) return 'unchanged';
  throw new PayoutSettledError(
    'payout_already_failed',
    request.outcome === 'paid'
      ? `Payout ${payout.payoutId} failed and its money went back to the provider; the next batch pays it again.`
      : `Payout ${payout.payoutId} was already marked failed with another reference.`,
  );
};

/** The payout once settled. */
export const settledPayout = (
  payout: Payout,
  input: { readonly outcome: 'paid' | 'failed'; readonly reference: string | null; readonly reason: string | null; readonly at: string; readonly transactionId: string },
): Payout => ({
  ...payout,
  status: input.outcome,
  reference: input.reference,
  failureReason: input.outcome === 'failed' ? input.reason : null,
  settledAt: input.at,
  settlementTransactionId: input.transactionId,
  version: payout.version + 1,
});

export class PayoutMethodNotSetError extends NotFoundError {
  override readonly code = 'payout_method_not_set';
  constructor() {
    super('No payout method is set: PUT /v1/payouts/method first.');
  }
}

/** The `requestedBy` of the weekly schedule's batches. */
export const SCHEDULED_BATCH_REQUESTER = 'schedule';
