import { microUsd, type MicroUsd } from '#platform/money.ts';
import type { Hold } from './hold.ts';
import { roundHalfUp, splitFee, toMilliGpuSeconds, type UsageRating } from './rating.ts';

/** One record as billing charges it: a line of a `usage.chunk_recorded` event with its chunk's facts (or an older `usage.recorded`). */
export interface UsageRecord {
  readonly usageRecordId: string;
  readonly assignmentId: string;
  readonly jobId: string;
  readonly renterId: string;
  readonly providerId: string;
  readonly hostId: string;
  /** The canonical GPU model (the usage event carries it); kept on the charge for exports. */
  readonly gpuModel?: string;
  readonly gpuSeconds: number;
  readonly from: string;
  readonly to: string;
  /** micro-USD per GPU-hour. */
  readonly pricePerGpuHour: number;
}

/**
 * The charge of one usage record, kept forever under its id: the record is charged once,
 * however late or often it is delivered. `transactionId` is null for a record that cost
 * nothing (no money moved, but it was charged all the same).
 */
export interface UsageCharge {
  readonly usageRecordId: string;
  readonly jobId: string;
  readonly assignmentId: string;
  readonly renterId: string;
  readonly providerId: string;
  readonly hostId: string;
  /** The usage record's GPU model and interval, for finance exports (absent on charges written before they were kept). */
  readonly gpuModel?: string;
  readonly from?: string;
  readonly to?: string;
  readonly gpuSeconds: number;
  readonly pricePerGpuHour: number;
  readonly amounts: UsageRating;
  /**
   * What the record was rated at but not charged, renter µUSD (0 or absent: charged whole):
   * the job's holds were used up, so the rest is never taken from the renter (issue 13).
   */
  readonly cut?: MicroUsd;
  /** How much of the job's hold the charge used up (the rest came from available funds). */
  readonly fromHold: MicroUsd;
  readonly transactionId: string | null;
  readonly chargedAt: string;
  /** The job's cost after this charge. */
  readonly jobCost: MicroUsd;
}

/** The latest rate seen on one assignment: what its usage costs per hour of wall time. */
export interface AssignmentRate {
  readonly perHour: MicroUsd;
  /** The end of the usage record the rate was read from. */
  readonly asOf: string;
}

/**
 * A job's running total (what `usage.charged` reports as `jobCost`) and the current rate of
 * each of its assignments (for the renter's runway). `version` counts the writes, so two
 * charges of one job never both build on the same total.
 */
export interface JobCost {
  readonly jobId: string;
  readonly renterId: string;
  readonly cost: MicroUsd;
  readonly charges: number;
  readonly version: number;
  readonly rates: Readonly<Record<string, AssignmentRate>>;
  /** The start of the earliest usage charged: where the job's max duration counts from. */
  readonly firstUsageAt?: string;
  /** What was rated but not charged because the job's holds were used up (see `capToHolds`). */
  readonly cut?: MicroUsd;
}

export const emptyJobCost = (jobId: string, renterId: string): JobCost => ({ jobId, renterId, cost: microUsd(0), charges: 0, version: 0, rates: {} });

/**
 * The rate a record shows: price x GPU-seconds / wall seconds, per hour (a 2-GPU assignment
 * busy all along costs 2 x price an hour). Undefined for a record of no wall time.
 */
export const rateOf = (record: UsageRecord): MicroUsd | undefined => {
  const wallMillis = BigInt(Date.parse(record.to) - Date.parse(record.from));
  if (wallMillis <= 0n) return undefined;
  return microUsd(Number(roundHalfUp(toMilliGpuSeconds(record.gpuSeconds) * BigInt(record.pricePerGpuHour), wallMillis)));
};

/** Adds a charge to the job's total; the assignment's rate follows its newest record only. */
export const addToJobCost = (current: JobCost, record: UsageRecord, amount: MicroUsd, cut: MicroUsd = microUsd(0)): JobCost => {
  const rate = rateOf(record);
  const previous = current.rates[record.assignmentId];
  const newer = rate !== undefined && (previous === undefined || record.to >= previous.asOf);
  return {
    ...current,
    cost: microUsd(current.cost + amount),
    charges: current.charges + 1,
    version: current.version + 1,
    rates: newer ? { ...current.rates, [record.assignmentId]: { perHour: rate, asOf: record.to } } : current.rates,
    firstUsageAt: current.firstUsageAt === undefined || record.from < current.firstUsageAt ? record.from : current.firstUsageAt,
    ...(cut > 0 || current.cut ? { cut: microUsd((current.cut ?? 0) + cut) } : {}),
  };
};

/** Everything held for the job so far: kept on the hold, or (older holds) what is left plus what was charged. */
export const heldTotalOf = (hold: Hold, jobCost: JobCost | undefined): MicroUsd => hold.heldTotal ?? microUsd(hold.amount + (jobCost?.cost ?? 0));

/** One charge after the cap: what moves, where from, and what was cut. */
export interface CappedCharge {
  readonly amounts: UsageRating;
  readonly cut: MicroUsd;
  readonly fromHold: MicroUsd;
  /** The part taken from the renter's available funds: the write requires that much available. */
  readonly fromAvailable: MicroUsd;
}

/**
 * Caps one rated charge so that a job never costs more than was ever held for it (issue 13):
 * the renter pays at most `heldTotal - cost so far`, first out of the hold while it is
 * held, then (after the hold was released, for a record that came late) out of available
 * funds, never more than are available, so the balance never goes below zero. What is cut
 * is not charged at all, and the fee is split again on what is, so the provider is paid
 * exactly what the renter was charged minus the fee. A job with no hold at all (only where
 * no placement happened: tests, tools) is charged from available funds alone.
 */
export const capToHolds = (
  rated: UsageRating,
  hold: Hold | undefined,
  renterId: string,
  jobCost: JobCost | undefined,
  available: MicroUsd,
  feeBps: number,
): CappedCharge => {
  const ours = hold !== undefined && hold.accountId === renterId;
  const held = ours && hold.status === 'held' ? hold.amount : 0;
  const room = hold === undefined ? Number.POSITIVE_INFINITY : ours && hold.status !== 'refused' ? Math.max(0, heldTotalOf(hold, jobCost) - (jobCost?.cost ?? 0)) : 0;
  const allowed = Math.min(rated.renter, room);
  const fromHold = microUsd(Math.min(held, allowed));
  const fromAvailable = microUsd(Math.max(0, Math.min(allowed - fromHold, available)));
  const charged = microUsd(fromHold + fromAvailable);
  if (charged === rated.renter) return { amounts: rated, cut: microUsd(0), fromHold, fromAvailable };
  return { amounts: splitFee(charged, feeBps), cut: microUsd(rated.renter - charged), fromHold, fromAvailable };
};
