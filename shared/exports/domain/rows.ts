import { replicaOfJobId } from '#matching/domain/service.ts';
import { formatUsd, microUsd } from '#platform/money.ts';

/**
 * The rows finance receives (API.md, Finance), one per usage charge or per ledger entry,
 * with amounts as integer micro-USD until they are written.
 */
export interface UsageRow {
  readonly usageRecordId: string;
  readonly jobId: string;
  readonly assignmentId: string;
  readonly renterId: string;
  readonly providerId: string;
  readonly hostId: string;
  /** Absent on charges billed before billing kept the model. */
  readonly gpuModel: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly gpuSeconds: number;
  /** micro-USD per GPU-hour. */
  readonly pricePerGpuHour: number;
  /** What the renter paid, micro-USD. */
  readonly amount: number;
  readonly providerAmount: number;
  readonly fee: number;
  readonly chargedAt: string;
  /** The ledger transaction; null for a record that cost nothing (no money moved). */
  readonly transactionId: string | null;
}

export interface LedgerRow {
  readonly transactionId: string;
  readonly entryId: string;
  readonly postedAt: string;
  readonly accountId: string;
  readonly kind: string;
  /** Signed micro-USD: negative takes from the account. */
  readonly amount: number;
  readonly reference: string | null;
}

/** One payout made in the period, with its status as it is now. */
export interface PayoutRow {
  readonly payoutId: string;
  readonly batchId: string;
  readonly providerId: string;
  readonly rail: string;
  /** micro-USD. */
  readonly amount: number;
  readonly status: string;
  readonly reference: string | null;
  readonly failureReason: string | null;
  readonly createdAt: string;
  readonly settledAt: string | null;
  readonly transactionId: string;
}

/** GPU-seconds are kept to the millisecond: `1800` -> `"1800.000"`. */
export const formatGpuSeconds = (gpuSeconds: number): string => {
  const millis = Math.round(gpuSeconds * 1000);
  return `${Math.floor(millis / 1000)}.${String(millis % 1000).padStart(3, '0')}`;
};

const usd = (amount: number): string => formatUsd(microUsd(amount));

/**
 * The columns of each kind, in file order: one name in the CSV header and the JSON Lines
 * keys alike, each with how its value is written (ISO-8601 UTC times, USD amounts as
 * decimal strings with six decimals, an empty CSV field / JSON null for no value).
 */
export const usageColumns: readonly (readonly [string, (row: UsageRow) => string | null])[] = [
  ['usageRecordId', (row) => row.usageRecordId],
  ['jobId', (row) => row.jobId],
  ['assignmentId', (row) => row.assignmentId],
  ['renterId', (row) => row.renterId],
  ['providerId', (row) => row.providerId],
  ['hostId', (row) => row.hostId],
  ['gpuModel', (row) => row.gpuModel],
  ['from', (row) => row.from],
  ['to', (row) => row.to],
  ['gpuSeconds', (row) => formatGpuSeconds(row.gpuSeconds)],
  ['pricePerGpuHour', (row) => usd(row.pricePerGpuHour)],
  ['amount', (row) => usd(row.amount)],
  ['providerAmount', (row) => usd(row.providerAmount)],
  ['fee', (row) => usd(row.fee)],
  ['chargedAt', (row) => row.chargedAt],
  ['transactionId', (row) => row.transactionId],
  // Last, so files read by position keep their columns: the inference service a replica job serves (read from its id).
  ['serviceId', (row) => replicaOfJobId(row.jobId)?.serviceId ?? null],
];

export const ledgerColumns: readonly (readonly [string, (row: LedgerRow) => string | null])[] = [
  ['transactionId', (row) => row.transactionId],
  ['entryId', (row) => row.entryId],
  ['postedAt', (row) => row.postedAt],
  ['accountId', (row) => row.accountId],
  ['kind', (row) => row.kind],
  ['amount', (row) => usd(row.amount)],
  ['reference', (row) => row.reference],
];

export const payoutColumns: readonly (readonly [string, (row: PayoutRow) => string | null])[] = [
  ['payoutId', (row) => row.payoutId],
  ['batchId', (row) => row.batchId],
  ['providerId', (row) => row.providerId],
  ['rail', (row) => row.rail],
  ['amount', (row) => usd(row.amount)],
  ['status', (row) => row.status],
  ['reference', (row) => row.reference],
  ['failureReason', (row) => row.failureReason],
  ['createdAt', (row) => row.createdAt],
  ['settledAt', (row) => row.settledAt],
  ['transactionId', (row) => row.transactionId],
];
