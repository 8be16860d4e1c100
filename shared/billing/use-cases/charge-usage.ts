import { newEvent } from '#events/define.ts';
import { event as usageCharged } from '#events/billing/usage-charged.ts';
import { newId } from '#platform/ids.ts';
import { microUsd } from '#platform/money.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import { addToJobCost, capToHolds, emptyJobCost, type UsageCharge, type UsageRecord } from '../domain/charge.ts';
import { usageChargeTransaction } from '../domain/ledger.ts';
import { rateUsage } from '../domain/rating.ts';
import type { BillingDeps } from './deps.ts';

export type ChargeUsageOutcome =
  | { readonly outcome: 'charged'; readonly charge: UsageCharge }
  | { readonly outcome: 'already_charged'; readonly charge?: UsageCharge };

/**
 * Enough for every record of one batch to land on one job (each round, one of them wins
 * the job's total); beyond that the record fails and its queue redelivers it.
 */
const MAX_ATTEMPTS = 25;

/**
 * Charges one validated usage record, once, when it arrives (ARCHITECTURE.md, flow 5).
 * Steps: a record with a charge already was charged by an earlier delivery (its
 * `usage.charged` is in the outbox): nothing more. Otherwise rate it (`rateUsage`), read
 * the job's hold and running total, and write in one transaction: the charge under the
 * record's id (only if none exists: once, forever), the ledger transaction (renter debit,
 * provider credit, platform fee, the record id as reference), the balances, the part of
 * the hold the charge uses up, the job's new total and `usage.charged` with it. When the
 * hold or the total moved in between, read them again. Never refused: the usage ran; but
 * capped (`capToHolds`): a job never costs more than was held for it and the renter's
 * balance never goes below zero, so what would exceed that is cut, kept on the charge
 * (`cut`) and on the job's total, and never charged. Emits `usage.charged`.
 */
export const chargeUsage = async (
  record: UsageRecord,
  deps: Pick<BillingDeps, 'charges' | 'holds' | 'balances' | 'clock' | 'platformFeeBps'>,
): Promise<ChargeUsageOutcome> => {
  const rated = rateUsage(record, deps.platformFeeBps);
  return retryOnConflict<ChargeUsageOutcome>(
    async () => {
      const existing = await deps.charges.getCharge(record.usageRecordId);
      if (existing) return { outcome: 'already_charged', charge: existing };
      const [hold, jobCost, balance] = await Promise.all([deps.holds.get(record.jobId), deps.charges.getJobCost(record.jobId), deps.balances.get(record.renterId)]);
      const { amounts, cut, fromHold, fromAvailable } = capToHolds(rated, hold, record.renterId, jobCost ?? undefined, balance.available, deps.platformFeeBps);
      const now = deps.clock.now();
      const chargedAt = now.toISOString();
      const transaction = usageChargeTransaction({
        transactionId: newId('txn', now),
        usageRecordId: record.usageRecordId,
        renterId: record.renterId,
        providerId: record.providerId,
        amounts,
        postedAt: chargedAt,
        entryIds: [newId('ent', now), newId('ent', now), newId('ent', now)],
      });
      const total = addToJobCost(jobCost ?? emptyJobCost(record.jobId, record.renterId), record, amounts.renter, cut);
      const charge: UsageCharge = {
        usageRecordId: record.usageRecordId,
        jobId: record.jobId,
        assignmentId: record.assignmentId,
        renterId: record.renterId,
        providerId: record.providerId,
        hostId: record.hostId,
        ...(record.gpuModel === undefined ? {} : { gpuModel: record.gpuModel }),
        from: record.from,
        to: record.to,
        gpuSeconds: record.gpuSeconds,
        pricePerGpuHour: record.pricePerGpuHour,
        amounts,
        ...(cut > 0 ? { cut } : {}),
        fromHold: transaction ? fromHold : microUsd(0),
        transactionId: transaction?.transactionId ?? null,
        chargedAt,
        jobCost: total.cost,
      };
      const event = newEvent(
        usageCharged,
        { usageRecordId: record.usageRecordId, jobId: record.jobId, renterId: record.renterId, amount: amounts.renter, jobCost: total.cost, chargedAt, ...(cut > 0 ? { cut } : {}) },
        now,
      );
      const written = await deps.charges.charge({
        charge,
        ...(transaction ? { transaction } : {}),
        ...(hold && (fromHold > 0 || cut > 0) ? { hold } : {}),
        fromAvailable,
        jobCost: total,
        event,
      });
      if (written === 'charged') return { outcome: 'charged', charge };
      if (written === 'already_charged') return { outcome: 'already_charged' };
      // 'stale': another charge of the job, or its release, came in between: read again.
      return CONFLICT;
    },
    { attempts: MAX_ATTEMPTS, exhausted: () => new Error(`usage record ${record.usageRecordId}: job ${record.jobId} kept changing; the record will be retried`) },
  );
};
