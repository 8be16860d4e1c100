import { z } from 'zod';
import { absentAsNull, itemDecoder, stored, storedMicroUsd } from '#platform/item-codec.ts';
import { microUsd, type MicroUsd } from '#platform/money.ts';
import type { JobCost, UsageCharge } from '../domain/charge.ts';
import type { ChargeLine, ChunkCharge } from '../domain/chunk-charge.ts';
import type { Hold, HoldStatus } from '../domain/hold.ts';
import type { AccountEntry, LedgerTransaction, TransactionKind } from '../domain/ledger.ts';
import type { UsageRating } from '../domain/rating.ts';
import type { PayoutMethod, PayoutMethodDetails } from '../domain/payout-method.ts';
import type { Payout, PayoutBatch, PayoutStatus } from '../domain/payouts.ts';
import type { LowRunwayMarker } from '../domain/renewal.ts';
import type { CreditReference, RenewableHold } from '../ports.ts';
import { chunkLinesOf } from './chunk-lines.ts';

/** Codecs of the billing table's items, one per kind (their keys are in items.ts). */

const HOLD_STATUSES = ['held', 'released', 'refused'] as const satisfies readonly HoldStatus[];

/** A job's hold: read on every charge, renewal and release, so only its own attributes are parsed. */
export const toHold = itemDecoder('hold', z.object({
  jobId: z.string(),
  accountId: z.string(),
  amount: storedMicroUsd,
  status: z.enum(HOLD_STATUSES),
  createdAt: z.string(),
  releasedAt: z.string().optional(),
  available: storedMicroUsd.optional(),
  endedBeforeHold: z.boolean().optional(),
  maxDurationSeconds: z.number().optional(),
  marginSeconds: z.number().optional(),
  heldTotal: storedMicroUsd.optional(),
  exhaustedAt: z.string().optional(),
  keptUntil: z.string().optional(),
}).transform((stored): Hold => {
  // Field by field: spreading a rest object of the parsed item costs far more than the parse.
  const hold: { -readonly [K in keyof Hold]: Hold[K] } = {
    jobId: stored.jobId,
    accountId: stored.accountId,
    amount: stored.amount,
    status: stored.status,
    createdAt: stored.createdAt,
  };
  if (stored.releasedAt) hold.releasedAt = stored.releasedAt;
  if (stored.available !== undefined) hold.available = stored.available;
  if (stored.endedBeforeHold) hold.endedBeforeHold = true;
  if (stored.maxDurationSeconds !== undefined) hold.maxDurationSeconds = stored.maxDurationSeconds;
  if (stored.marginSeconds !== undefined) hold.marginSeconds = stored.marginSeconds;
  if (stored.heldTotal !== undefined) hold.heldTotal = stored.heldTotal;
  if (stored.exhaustedAt !== undefined) hold.exhaustedAt = stored.exhaustedAt;
  if (stored.keptUntil !== undefined) hold.keptUntil = stored.keptUntil;
  return hold;
}));

/** A renewal pointer: the job whose hold the renewal sweep extends. */
export const toRenewableHold = itemDecoder('hold renewal pointer', z.object({
  jobId: z.string(),
  accountId: z.string(),
})) satisfies (item: Record<string, unknown>) => RenewableHold;

export const toLowRunwayMarker = itemDecoder('low-runway marker', z.object({
  accountId: z.string(),
  state: z.enum(['low', 'ok']),
  jobIds: z.array(z.string()).nullish().transform((jobIds) => jobIds ?? []),
  version: z.number().int(),
  at: z.string(),
})) satisfies (item: Record<string, unknown>) => LowRunwayMarker;

export const toMethod = itemDecoder('payout method', z.object({
  providerId: z.string(),
  method: stored<PayoutMethodDetails>(),
  threshold: absentAsNull(storedMicroUsd),
  updatedAt: z.string(),
})) satisfies (item: Record<string, unknown>) => PayoutMethod;

export const toPayout = itemDecoder('payout', z.object({
  payoutId: z.string(),
  batchId: z.string(),
  providerId: z.string(),
  amount: storedMicroUsd,
  method: stored<PayoutMethodDetails>(),
  status: z.enum(['in_transit', 'paid', 'failed'] satisfies PayoutStatus[]),
  settledBefore: z.string(),
  createdAt: z.string(),
  txnId: z.string(),
  reference: absentAsNull(z.string()),
  failureReason: absentAsNull(z.string()),
  settledAt: absentAsNull(z.string()),
  settlementTxnId: absentAsNull(z.string()),
  version: z.number().int(),
}).transform(({ txnId, settlementTxnId, ...payout }): Payout => ({ ...payout, transactionId: txnId, settlementTransactionId: settlementTxnId })));

/** A batch's or the log's pointer to a payout. */
export const toPayoutRef = itemDecoder('payout reference', z.object({ payoutId: z.string() }));

/** A provider's payout cursor: the version its next payout's write is conditioned on. */
export const toCursor = itemDecoder('payout cursor', z.object({ version: z.number().int() }));

export const toBatch = itemDecoder('payout batch', z.object({
  batchId: z.string(),
  requestedBy: z.string(),
  createdAt: z.string(),
  settledBefore: z.string(),
  payouts: absentAsNull(z.number().int()),
  total: absentAsNull(storedMicroUsd),
})) satisfies (item: Record<string, unknown>) => PayoutBatch;

const TRANSACTION_KINDS = ['credit', 'usage_charge', 'payout', 'payout_paid', 'payout_returned'] as const satisfies readonly TransactionKind[];

/** One entry of a transaction, as its account's ledger lists it. */
export const toEntry = itemDecoder('ledger entry', z.object({
  txnId: z.string(),
  entryId: z.string(),
  accountId: z.string(),
  kind: z.enum(TRANSACTION_KINDS),
  amount: storedMicroUsd,
  reference: absentAsNull(z.string()),
  postedAt: z.string(),
}).transform(({ txnId, ...entry }): AccountEntry => ({ transactionId: txnId, ...entry })));

export const toTransaction = itemDecoder('ledger transaction', z.object({
  txnId: z.string(),
  kind: z.enum(TRANSACTION_KINDS),
  reference: absentAsNull(z.string()),
  postedAt: z.string(),
  entries: z.array(z.object({ entryId: z.string(), accountId: z.string(), amount: storedMicroUsd })),
}).transform(({ txnId, ...transaction }): LedgerTransaction => ({ transactionId: txnId, ...transaction })));

/** The credit a reference was first used for. */
export const toCreditReference = itemDecoder('credit reference', z.object({
  reference: z.string(),
  txnId: z.string(),
  accountId: z.string(),
  amount: storedMicroUsd,
}).transform(({ reference, txnId, accountId, amount }): CreditReference => ({ reference, transactionId: txnId, accountId, amount })));

/** An amount a charge leaves out when there is none (a cut, or a figure older items lack): zero. */
const amountOrZero = z.number().int().optional().transform((value) => microUsd(value ?? 0));
/** A cut is kept only when something was cut. */
const cutOf = (cut: MicroUsd) => (cut > 0 ? { cut } : {});
/** An optional text attribute, left out of the domain value when the item has none. */
const optionalText = z.string().nullish();

/** A charge's split of the renter's amount, as a record's charge, a chunk's and each chunk line store it. */
const splitAttributes = { amount: amountOrZero, providerAmount: amountOrZero, fee: amountOrZero, cut: amountOrZero };
const amountsOf = (split: { amount: MicroUsd; providerAmount: MicroUsd; fee: MicroUsd }): UsageRating =>
  ({ renter: split.amount, provider: split.providerAmount, platform: split.fee });

/** What a record's charge and a chunk's charge both settled: the split, the hold's part, the ledger transaction. */
const settlementAttributes = { ...splitAttributes, fromHold: amountOrZero, txnId: absentAsNull(z.string()), chargedAt: z.string(), jobCost: amountOrZero };
const settlementOf = (stored: z.output<z.ZodObject<typeof settlementAttributes>>) => ({
  amounts: amountsOf(stored),
  ...cutOf(stored.cut),
  fromHold: stored.fromHold,
  transactionId: stored.txnId,
  chargedAt: stored.chargedAt,
  jobCost: stored.jobCost,
});

/** Who a charge is between and where the usage ran, shared by a record's charge and a chunk's. */
const partiesAttributes = {
  jobId: z.string(),
  assignmentId: z.string(),
  renterId: z.string(),
  providerId: z.string(),
  hostId: z.string(),
  gpuModel: optionalText,
  pricePerGpuHour: z.number(),
};
const partiesOf = (stored: z.output<z.ZodObject<typeof partiesAttributes>>) => ({
  jobId: stored.jobId,
  assignmentId: stored.assignmentId,
  renterId: stored.renterId,
  providerId: stored.providerId,
  hostId: stored.hostId,
  ...(stored.gpuModel == null ? {} : { gpuModel: stored.gpuModel }),
});

export const toCharge = itemDecoder('usage charge', z.object({
  usageRecordId: z.string(),
  ...partiesAttributes,
  from: optionalText,
  to: optionalText,
  gpuSeconds: z.number(),
  ...settlementAttributes,
}).transform((stored): UsageCharge => ({
  usageRecordId: stored.usageRecordId,
  ...partiesOf(stored),
  ...(stored.from == null ? {} : { from: stored.from }),
  ...(stored.to == null ? {} : { to: stored.to }),
  gpuSeconds: stored.gpuSeconds,
  pricePerGpuHour: stored.pricePerGpuHour,
  ...settlementOf(stored),
})));

const toLine = z.object({
  usageRecordId: z.string(),
  gpuSeconds: z.number(),
  from: z.string(),
  to: z.string(),
  ...splitAttributes,
}).transform((line): ChargeLine => ({
  usageRecordId: line.usageRecordId,
  gpuSeconds: line.gpuSeconds,
  from: line.from,
  to: line.to,
  amounts: amountsOf(line),
  ...cutOf(line.cut),
}));

export const toChunkCharge = itemDecoder('chunk charge', z.object({
  chunkId: z.string(),
  ...partiesAttributes,
  lines: z.preprocess(chunkLinesOf, z.array(toLine).optional()),
  ...settlementAttributes,
}).transform((stored): ChunkCharge => ({
  chunkId: stored.chunkId,
  ...partiesOf(stored),
  pricePerGpuHour: stored.pricePerGpuHour,
  lines: stored.lines ?? [],
  ...settlementOf(stored),
})));

/** A job's running total; the counts and rates are absent on a total no charge has built on yet. */
export const toJobCost = itemDecoder('job cost', z.object({
  jobId: z.string(),
  renterId: z.string(),
  cost: amountOrZero,
  charges: z.number().int().default(0),
  version: z.number().int().default(0),
  rates: z.record(z.string(), z.object({ perHour: storedMicroUsd, asOf: z.string() })).optional(),
  firstUsageAt: optionalText,
  cut: amountOrZero,
}).transform((stored): JobCost => ({
  jobId: stored.jobId,
  renterId: stored.renterId,
  cost: stored.cost,
  charges: stored.charges,
  version: stored.version,
  rates: stored.rates ?? {},
  ...(stored.firstUsageAt == null ? {} : { firstUsageAt: stored.firstUsageAt }),
  ...cutOf(stored.cut),
})));
