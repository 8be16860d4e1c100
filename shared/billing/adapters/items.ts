import type { UsageCharge } from '../domain/charge.ts';
import type { ChunkCharge } from '../domain/chunk-charge.ts';
import { dayPartition } from '../domain/day-partitions.ts';

/**
 * Items of the billing table (pk / sk):
 * - `BALANCE#<accountId>` / `BALANCE`: `accountId`, `balance` (integer µUSD, the sum of the
 *   account's ledger entries), `held` (the sum of its active holds), `available`
 *   (`balance - held`, kept in the item so one condition `available >= :amount` guards a
 *   hold), `updatedAt`. A CONTRACT: matching reads it directly through its read-only port
 *   for the 402 check. A missing item means zero everywhere.
 * - `HOLD#<jobId>` / `HOLD`: `accountId`, `jobId`, `amount`, `status` (`held` | `released` |
 *   `refused`), `createdAt`, `releasedAt`; a refusal keeps `available`, a job that ended
 *   before its hold a marker with `endedBeforeHold`. While held, `gsi1pk = HOLDS#<accountId>`
 *   and `gsi1sk = <createdAt>#<jobId>` list the account's active holds in `byType`.
 * - `TXN#<txnId>` / `TXN`: a ledger transaction: `txnId`, `kind`, `reference`, `postedAt`, `entries`.
 * - `ACCOUNT#<accountId>` / `ENTRY#<postedAt>#<entryId>`: one entry of a transaction, for
 *   the account's ledger by time: `txnId`, `entryId`, `accountId`, `kind`, `amount`
 *   (signed µUSD), `reference`, `postedAt`; `gsi1pk = LEDGER#<yyyy-mm-dd>#<shard>` and
 *   `gsi1sk = <postedAt>#<entryId>` list the whole ledger by day, for exports.
 * - `CREDITREF#<reference>` / `CREDITREF`: the credit a reference was first used for.
 * - `CHARGE#<usageRecordId>` / `CHARGE`: the charge of one usage record, kept forever (no
 *   TTL: a record resent any time later must find it): `usageRecordId`, `jobId`,
 *   `assignmentId`, `renterId`, `providerId`, `hostId`, `gpuModel`, `from`, `to`, `gpuSeconds`, `pricePerGpuHour`,
 *   `amount` (the renter's), `providerAmount`, `fee`, `fromHold`, `txnId` (absent for a
 *   record that cost 0), `chargedAt`, `jobCost`; `gsi1pk = CHARGES#<yyyy-mm-dd>#<shard>` and
 *   `gsi1sk = <chargedAt>#<usageRecordId>` list charges by the day the money moved, for exports.
 *   A CONTRACT with ENTRY items: the exports context reads both through its read-only port
 *   (shared/exports/adapters/dynamo-billing-reader.ts).
 * - `CHUNK#<chunkId>` / `CHUNK`: the charge of a chunk of usage records (`usage.chunk_recorded`,
 *   issue 14), kept forever: `chunkId`, `jobId`, `assignmentId`, `renterId`, `providerId`,
 *   `hostId`, `gpuModel`, `pricePerGpuHour`, `lines` (one JSON text attribute, a list of one object
 *   per usage record: `usageRecordId`, `gpuSeconds`, `from`, `to`, `amount`, `providerAmount`,
 *   `fee`, `cut`; a list of maps on chunks charged before 2026-12-05's afternoon; both read through
 *   `chunkLinesOf`, chunk-lines.ts), their sums `amount`,
 *   `providerAmount`, `fee` (what the one ledger transaction `txnId` moved), `fromHold`, `cut`,
 *   `chargedAt`, `jobCost`; listed beside CHARGE items under `gsi1pk = CHARGES#<yyyy-mm-dd>#<shard>`,
 *   `gsi1sk = <chargedAt>#<chunkId>`. A CONTRACT with exports, which expand `lines` into rows.
 *   `<shard>` in CHARGES and LEDGER listings is 0-7 by a hash of the item's id
 *   (domain/day-partitions.ts); items written before sharding are under `<LISTING>#<yyyy-mm-dd>`,
 *   which readers query too.
 * - `JOBCOST#<jobId>` / `JOBCOST`: the job's running total: `jobId`, `renterId`, `cost`,
 *   `charges`, `version` (each charge writes only over the version it read), `rates`
 *   (`{ <assignmentId>: { perHour, asOf } }`, each assignment's latest rate), `updatedAt`.
 * - A hold's `amount` is what it still holds: a usage charge takes what it covers out of
 *   it (and out of the balance's `held`), so the same money is never both held and spent.
 * - `RENEWAL#<jobId>` / `RENEWAL`: a pointer that exists while the job's hold is held
 *   (written and deleted in the hold's own transactions): `jobId`, `accountId`;
 *   `gsi1pk = RENEWALS#<shard>`, `gsi1sk = <jobId>` let the renewal schedule list every held
 *   hold in `byType` without a scan or one hot partition. A hold also keeps
 *   `maxDurationSeconds` (from `job.submitted`) and, once its funds ran out, `exhaustedAt`
 *   (and `keptUntil` once that job ended: held through its stop window).
 * - `LOWRUNWAY#<accountId>` / `LOWRUNWAY`: the renter's low-runway warning state: `state`
 *   (`low` | `ok`), `jobIds` (the running jobs the last warning named), `version`, `at`.
 * - `OUTBOX#<eventId>` / `OUTBOX`: the transactional outbox (#platform/outbox.ts).
 * - `PAYOUTMETHOD#<providerId>` / `PAYOUTMETHOD`: the provider's payout method (`method`:
 *   `{ type, details }`, whole; shown masked), `threshold` (µUSD, absent for none), `updatedAt`;
 *   `gsi1pk = PAYOUTMETHODS`, `gsi1sk = <providerId>` list the providers a batch looks at.
 * - `PAYOUTCURSOR#<providerId>` / `PAYOUTCURSOR`: `version`, bumped by every payout in the
 *   payout's own transaction, conditioned on the version read before the payable amount was
 *   computed: two batches at once cannot both pay the same money.
 * - `PAYOUT#<payoutId>` / `PAYOUT`: one payout (domain/payouts.ts): `amount`, `method`,
 *   `status`, `txnId`, `reference`, `failureReason`, `settledAt`, `settlementTxnId`, `version`;
 *   `gsi1pk = PAYOUTS#<providerId>`, `gsi1sk = <createdAt>#<payoutId>`: a provider's payouts.
 * - `PAYOUTBATCH#<batchId>` / `PAYOUTBATCH`: the batch (`requestedBy`, `createdAt`,
 *   `settledBefore`, `payouts`, `total` once done); `gsi1pk = PAYOUTBATCHES`. Beside it,
 *   `PAYOUTBATCH#<batchId>` / `PAYOUT#<payoutId>` points at each of its payouts.
 * - `PAYOUTLOG` / `<createdAt>#<payoutId>`: every payout by time, for finance's unfiltered list
 *   (one partition: payouts are made a few thousand a week, far below a partition's limit).
 */
export const balanceKey = (accountId: string) => ({ pk: `BALANCE#${accountId}`, sk: 'BALANCE' });
export const holdKey = (jobId: string) => ({ pk: `HOLD#${jobId}`, sk: 'HOLD' });
export const transactionKey = (transactionId: string) => ({ pk: `TXN#${transactionId}`, sk: 'TXN' });
export const accountLedgerPk = (accountId: string) => `ACCOUNT#${accountId}`;
export const ENTRY_PREFIX = 'ENTRY#';
export const entryKey = (accountId: string, postedAt: string, entryId: string) => ({
  pk: accountLedgerPk(accountId),
  sk: `${ENTRY_PREFIX}${postedAt}#${entryId}`,
});
export const creditReferenceKey = (reference: string) => ({ pk: `CREDITREF#${reference}`, sk: 'CREDITREF' });
export const chargeKey = (usageRecordId: string) => ({ pk: `CHARGE#${usageRecordId}`, sk: 'CHARGE' });
export const chunkKey = (chunkId: string) => ({ pk: `CHUNK#${chunkId}`, sk: 'CHUNK' });
export const jobCostKey = (jobId: string) => ({ pk: `JOBCOST#${jobId}`, sk: 'JOBCOST' });
/** The day's charge listing, sharded by the charge's (record's or chunk's) id (domain/day-partitions.ts). */
export const chargesDayPk = (chargedAt: string, id: string) => dayPartition('CHARGES', chargedAt, id);

/** What a record's charge and a chunk's charge both store of their settlement, listed by day under `id`. */
export const settlementAttributes = (charge: UsageCharge | ChunkCharge, id: string): Record<string, unknown> => ({
  amount: charge.amounts.renter,
  providerAmount: charge.amounts.provider,
  fee: charge.amounts.platform,
  fromHold: charge.fromHold,
  ...(charge.cut ? { cut: charge.cut } : {}),
  ...(charge.transactionId === null ? {} : { txnId: charge.transactionId }),
  chargedAt: charge.chargedAt,
  jobCost: charge.jobCost,
  gsi1pk: chargesDayPk(charge.chargedAt, id),
  gsi1sk: `${charge.chargedAt}#${id}`,
});
export const activeHoldsPk = (accountId: string) => `HOLDS#${accountId}`;
export const renewalKey = (jobId: string) => ({ pk: `RENEWAL#${jobId}`, sk: 'RENEWAL' });
export const RENEWAL_SHARDS = 8;
export const renewalShardPk = (shard: number) => `RENEWALS#${shard}`;
export const renewalShardOf = (jobId: string): number => {
  let hash = 0;
  for (const char of jobId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % RENEWAL_SHARDS;
};
export const lowRunwayKey = (accountId: string) => ({ pk: `LOWRUNWAY#${accountId}`, sk: 'LOWRUNWAY' });
/** The day's ledger listing, sharded by the entry id (domain/day-partitions.ts). */
export const ledgerDayPk = (postedAt: string, entryId: string) => dayPartition('LEDGER', postedAt, entryId);

/**
 * A number attribute as the document client returns it, or as a transaction's
 * cancellation reason carries it (raw `{ N: "..." }`: errors are not unmarshalled).
 */
export const numberAttribute = (value: unknown): number => {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && 'N' in value && typeof value.N === 'string') return Number(value.N);
  return 0;
};

export const payoutMethodKey = (providerId: string) => ({ pk: `PAYOUTMETHOD#${providerId}`, sk: 'PAYOUTMETHOD' });
export const PAYOUT_METHODS_PK = 'PAYOUTMETHODS';
export const payoutCursorKey = (providerId: string) => ({ pk: `PAYOUTCURSOR#${providerId}`, sk: 'PAYOUTCURSOR' });
export const payoutKey = (payoutId: string) => ({ pk: `PAYOUT#${payoutId}`, sk: 'PAYOUT' });
export const providerPayoutsPk = (providerId: string) => `PAYOUTS#${providerId}`;
export const payoutBatchKey = (batchId: string) => ({ pk: `PAYOUTBATCH#${batchId}`, sk: 'PAYOUTBATCH' });
export const payoutBatchMemberKey = (batchId: string, payoutId: string) => ({ pk: `PAYOUTBATCH#${batchId}`, sk: `PAYOUT#${payoutId}` });
export const PAYOUT_BATCHES_PK = 'PAYOUTBATCHES';
export const PAYOUT_LOG_PK = 'PAYOUTLOG';
export const payoutLogKey = (createdAt: string, payoutId: string) => ({ pk: PAYOUT_LOG_PK, sk: `${createdAt}#${payoutId}` });
