import { newEvent } from '#events/define.ts';
import { event as usageChunkCharged } from '#events/billing/usage-chunk-charged.ts';
import { newId } from '#platform/ids.ts';
import { microUsd } from '#platform/money.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import { planChunkCharge, type ChunkCharge, type ChunkPlan, type UsageChunk } from '../domain/chunk-charge.ts';
import { usageChargeTransaction } from '../domain/ledger.ts';
import type { BillingDeps } from './deps.ts';

export type ChargeChunkOutcome =
  | { readonly outcome: 'charged'; readonly charge: ChunkCharge }
  | { readonly outcome: 'already_charged'; readonly charge?: ChunkCharge };

/**
 * A renter's chunks arrive one at a time (a FIFO group per renter), so a lost race is rare:
 * a hold renewal or release, or the same job charged from another path, in between.
 */
const MAX_ATTEMPTS = 25;

/**
 * What a planned chunk writes: its charge with a line per record, one ledger transaction for
 * the sums (none when nothing is owed) and its `usage.chunk_charged`.
 */
export const chunkChargeParts = (chunk: UsageChunk, plan: ChunkPlan, now: Date) => {
  const chargedAt = now.toISOString();
  const transaction = usageChargeTransaction({
    transactionId: newId('txn', now),
    // The chunk id is the entries' reference and picks the fee shard.
    usageRecordId: chunk.chunkId,
    renterId: chunk.renterId,
    providerId: chunk.providerId,
    amounts: plan.amounts,
    postedAt: chargedAt,
    entryIds: [newId('ent', now), newId('ent', now), newId('ent', now)],
  });
  const charge: ChunkCharge = {
    chunkId: chunk.chunkId,
    jobId: chunk.jobId,
    assignmentId: chunk.assignmentId,
    renterId: chunk.renterId,
    providerId: chunk.providerId,
    hostId: chunk.hostId,
    ...(chunk.gpuModel === undefined ? {} : { gpuModel: chunk.gpuModel }),
    pricePerGpuHour: chunk.pricePerGpuHour,
    lines: plan.lines,
    amounts: plan.amounts,
    ...(plan.cut > 0 ? { cut: plan.cut } : {}),
    fromHold: transaction ? plan.fromHold : microUsd(0),
    transactionId: transaction?.transactionId ?? null,
    chargedAt,
    jobCost: plan.jobCost.cost,
  };
  const event = newEvent(
    usageChunkCharged,
    {
      chunkId: chunk.chunkId, jobId: chunk.jobId, renterId: chunk.renterId, records: chunk.records.length, amount: plan.amounts.renter,
      jobCost: plan.jobCost.cost, chargedAt, ...(plan.cut > 0 ? { cut: plan.cut } : {}),
    },
    now,
  );
  return { charge, transaction, event };
};

/**
 * Charges a chunk of usage records (`usage.chunk_recorded`) once, in one transaction
 * (issue 14; ARCHITECTURE.md, flow 5). Steps: read, in one round trip, whether the chunk has a
 * charge (then an earlier delivery charged it: nothing more), the job's hold, its running
 * total and the renter's balance; rate and cap each record in order (`planChunkCharge`: the same rules as
 * one record at a time, issue 13's cap to the job's holds included); write the chunk's charge
 * with a line per record, one ledger transaction for the sums (renter debit, provider credit,
 * platform fee on the chunk's fee shard), the balances, the part of the hold used up, the
 * job's new total and `usage.chunk_charged`, all conditioned on what was read. When the hold,
 * the total or the balance moved in between, read them again. Emits `usage.chunk_charged`.
 */
export const chargeChunk = async (
  chunk: UsageChunk,
  deps: Pick<BillingDeps, 'charges' | 'holds' | 'balances' | 'clock' | 'platformFeeBps'>,
): Promise<ChargeChunkOutcome> =>
  retryOnConflict<ChargeChunkOutcome>(
    async () => {
      const read = await deps.charges.readForChunks([chunk.chunkId], [chunk.jobId], chunk.renterId);
      const [existing] = read.charged;
      if (existing) return { outcome: 'already_charged', charge: existing };
      const hold = read.holds.get(chunk.jobId);
      const jobCost = read.jobCosts.get(chunk.jobId);
      const balance = read.balance;
      const plan = planChunkCharge(chunk, hold, jobCost, balance.available, deps.platformFeeBps);
      const { charge, transaction, event } = chunkChargeParts(chunk, plan, deps.clock.now());
      const written = await deps.charges.chargeChunk({
        charge,
        ...(transaction ? { transaction } : {}),
        ...(hold && (plan.fromHold > 0 || plan.cut > 0) ? { hold } : {}),
        fromAvailable: plan.fromAvailable,
        jobCost: plan.jobCost,
        event,
      });
      if (written === 'charged') return { outcome: 'charged', charge };
      if (written === 'already_charged') return { outcome: 'already_charged' };
      return CONFLICT;
    },
    { attempts: MAX_ATTEMPTS, exhausted: () => new Error(`usage chunk ${chunk.chunkId}: job ${chunk.jobId} kept changing; the chunk will be retried`) },
  );
