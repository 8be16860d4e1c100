import { microUsd, type MicroUsd } from '#platform/money.ts';
import type { Hold } from './hold.ts';
import { roundHalfUp, toMilliGpuSeconds, type UsageRating } from './rating.ts';

/** What billing takes from a `usage.recorded` event. */
export interface UsageRecord {
  readonly usageRecordId: string;
  readonly assignmentId: string;
  readonly jobId: string;
  readonly renterId: string;
  readonly providerId: string;
  readonly hostId: string;
  /** The canonical GPU model (`usage.recorded` carries it); kept on the charge for exports. */
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
export const addToJobCost = (current: JobCost, record: UsageRecord, amount: MicroUsd): JobCost => {
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
  };
};

/**
 * How much of a charge the job's hold covers. The hold reserved this money, so the charge
 * takes it out of the hold rather than out of available funds a second time: at most what
 * the hold still has. A hold that is released, refused or missing covers nothing (a late
 * record is charged to the balance all the same: charging never waits on funds).
 */
export const coveredByHold = (hold: Hold | undefined, renterId: string, amount: MicroUsd): MicroUsd =>
  hold?.status === 'held' && hold.accountId === renterId ? microUsd(Math.min(hold.amount, amount)) : microUsd(0);
