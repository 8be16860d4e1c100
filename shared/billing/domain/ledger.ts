import { microUsd, type MicroUsd } from '#platform/money.ts';

/**
 * The double-entry ledger. Money never appears or vanishes: every transaction moves it
 * between accounts, so its entries sum to zero, and an account's balance is the sum of
 * its entries. Money that comes from outside (a card payment, a wire, a promotional
 * credit) is drawn from the `external:funding` counter-account, whose balance therefore
 * goes negative by everything ever credited. Usage charges (a later issue) will be one
 * transaction too: renter debit, provider credit, platform fee.
 */
export const FUNDING_ACCOUNT = 'external:funding';
/**
 * The platform's fee account: one logical account, kept as `PLATFORM_FEE_SHARDS` ledger
 * accounts (`platform:fees#0` .. `#15`) because every usage charge credits it, and one
 * DynamoDB item takes about 1,000 writes a second (issue 14). Its balance is the sum of the
 * shards (and of `platform:fees` itself, where fees were credited before the split);
 * exports and statements sum them with `isPlatformFeeAccount`.
 */
export const PLATFORM_ACCOUNT = 'platform:fees';
export const PLATFORM_FEE_SHARDS = 16;
export const platformFeeAccount = (shard: number): string => `${PLATFORM_ACCOUNT}#${shard}`;
export const isPlatformFeeAccount = (accountId: string): boolean => accountId === PLATFORM_ACCOUNT || accountId.startsWith(`${PLATFORM_ACCOUNT}#`);
/** Every account the platform's fees may sit in. */
export const platformFeeAccounts = (): string[] => [PLATFORM_ACCOUNT, ...Array.from({ length: PLATFORM_FEE_SHARDS }, (_, shard) => platformFeeAccount(shard))];

/** The fee shard of a usage record: a stable hash of its id, so a redelivery picks the same one. */
export const feeShardOf = (usageRecordId: string): string => {
  let hash = 0;
  for (const char of usageRecordId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return platformFeeAccount(hash % PLATFORM_FEE_SHARDS);
};

/**
 * `payout`: provider -> payouts in transit; `payout_paid`: in transit -> `external:payouts`;
 * `payout_returned`: in transit -> provider, for a payout the rail refused (domain/payouts.ts).
 */
export type TransactionKind = 'credit' | 'usage_charge' | 'payout' | 'payout_paid' | 'payout_returned';

export interface LedgerEntry {
  readonly entryId: string;
  readonly accountId: string;
  /** Signed micro-USD: positive adds to the account's balance, negative takes from it. */
  readonly amount: MicroUsd;
}

export interface LedgerTransaction {
  readonly transactionId: string;
  readonly kind: TransactionKind;
  /** The caller's reference for a credit, the usage record id for a charge; null when none was given. */
  readonly reference: string | null;
  readonly postedAt: string;
  readonly entries: readonly LedgerEntry[];
}

/** One entry as its account's ledger lists it. */
export interface AccountEntry {
  readonly transactionId: string;
  readonly entryId: string;
  readonly accountId: string;
  readonly kind: TransactionKind;
  readonly amount: MicroUsd;
  readonly reference: string | null;
  readonly postedAt: string;
}

/**
 * A transaction that breaks the ledger's invariants. Never the caller's fault: it is a bug
 * in whatever built the transaction, so it is a plain Error (a 500), not a DomainError.
 */
export class UnbalancedTransactionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnbalancedTransactionError';
  }
}

/** The largest single credit an admin may post: 1,000,000 USD. */
export const MAX_CREDIT = microUsd(1_000_000_000_000);

export const sumOf = (amounts: readonly MicroUsd[]): MicroUsd => microUsd(amounts.reduce((total, amount) => total + amount, 0));

/**
 * The only way to make a LedgerTransaction: checks that it has at least two entries, each a
 * non-zero whole number of micro-USD with its own id, and that the entries sum to zero.
 */
export const postTransaction = (draft: LedgerTransaction): LedgerTransaction => {
  if (draft.entries.length < 2) throw new UnbalancedTransactionError(`${draft.transactionId} has fewer than two entries`);
  for (const entry of draft.entries) {
    if (!Number.isSafeInteger(entry.amount) || entry.amount === 0) {
      throw new UnbalancedTransactionError(`${draft.transactionId}: entry ${entry.entryId} has amount ${entry.amount}`);
    }
  }
  if (new Set(draft.entries.map((entry) => entry.entryId)).size !== draft.entries.length) {
    throw new UnbalancedTransactionError(`${draft.transactionId} repeats an entry id`);
  }
  const total = sumOf(draft.entries.map((entry) => entry.amount));
  if (total !== 0) throw new UnbalancedTransactionError(`${draft.transactionId} entries sum to ${total}, not 0`);
  return draft;
};

/** An admin credit: the account gains `amount`, drawn from the funding counter-account. */
export const creditTransaction = (input: {
  readonly transactionId: string;
  readonly accountId: string;
  readonly amount: MicroUsd;
  readonly reference: string | null;
  readonly postedAt: string;
  readonly entryIds: readonly [string, string];
}): LedgerTransaction => {
  if (input.amount <= 0 || input.amount > MAX_CREDIT) {
    throw new UnbalancedTransactionError(`a credit must be more than 0 and at most ${MAX_CREDIT} micro-USD, not ${input.amount}`);
  }
  return postTransaction({
    transactionId: input.transactionId,
    kind: 'credit',
    reference: input.reference,
    postedAt: input.postedAt,
    entries: [
      { entryId: input.entryIds[0], accountId: input.accountId, amount: input.amount },
      { entryId: input.entryIds[1], accountId: FUNDING_ACCOUNT, amount: microUsd(-input.amount) },
    ],
  });
};

/**
 * What the transaction changes on each account's balance. A store writes one balance
 * update per account (DynamoDB refuses two operations on one item in a transaction).
 */
export const netByAccount = (transaction: LedgerTransaction): ReadonlyMap<string, MicroUsd> => {
  const net = new Map<string, MicroUsd>();
  for (const entry of transaction.entries) net.set(entry.accountId, microUsd((net.get(entry.accountId) ?? 0) + entry.amount));
  return net;
};

/** The entries of `transaction` as each account's ledger lists them. */
export const accountEntries = (transaction: LedgerTransaction): AccountEntry[] =>
  transaction.entries.map((entry) => ({
    transactionId: transaction.transactionId,
    entryId: entry.entryId,
    accountId: entry.accountId,
    kind: transaction.kind,
    amount: entry.amount,
    reference: transaction.reference,
    postedAt: transaction.postedAt,
  }));

/**
 * A usage charge (ARCHITECTURE.md, flow 5): the renter pays, the provider earns, the platform
 * takes its fee, with the usage record id as the reference of every entry. Entries of zero
 * are left out (a fee of 0%, or a provider share that rounds to 0); a record that costs
 * nothing moves no money and makes no transaction: undefined.
 */
export const usageChargeTransaction = (input: {
  readonly transactionId: string;
  readonly usageRecordId: string;
  readonly renterId: string;
  readonly providerId: string;
  readonly amounts: { readonly renter: MicroUsd; readonly provider: MicroUsd; readonly platform: MicroUsd };
  readonly postedAt: string;
  readonly entryIds: readonly [string, string, string];
}): LedgerTransaction | undefined => {
  const { renter, provider, platform } = input.amounts;
  if (renter === 0) return undefined;
  const entries: LedgerEntry[] = [
    { entryId: input.entryIds[0], accountId: input.renterId, amount: microUsd(-renter) },
    { entryId: input.entryIds[1], accountId: input.providerId, amount: provider },
    { entryId: input.entryIds[2], accountId: feeShardOf(input.usageRecordId), amount: platform },
  ];
  return postTransaction({
    transactionId: input.transactionId,
    kind: 'usage_charge',
    reference: input.usageRecordId,
    postedAt: input.postedAt,
    entries: entries.filter((entry) => entry.amount !== 0),
  });
};
