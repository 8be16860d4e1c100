import { microUsd, type MicroUsd } from '#platform/money.ts';
import { addToJobCost, capToHolds, emptyJobCost, type JobCost, type UsageRecord } from './charge.ts';
import type { Hold } from './hold.ts';
import { rateUsage, type UsageRating } from './rating.ts';

/**
 * Usage records of one assignment that metering accepted together (`usage.chunk_recorded`):
 * billing charges them in one transaction (issue 14), yet each keeps its own line.
 */
export interface UsageChunk {
  readonly chunkId: string;
  readonly assignmentId: string;
  readonly jobId: string;
  readonly renterId: string;
  readonly providerId: string;
  readonly hostId: string;
  readonly gpuModel?: string;
  /** micro-USD per GPU-hour. */
  readonly pricePerGpuHour: number;
  readonly records: readonly ChunkRecord[];
}

export interface ChunkRecord {
  readonly usageRecordId: string;
  readonly gpuSeconds: number;
  readonly from: string;
  readonly to: string;
}

/** One record's charge within its chunk: what exports list as a row and statements count. */
export interface ChargeLine extends ChunkRecord {
  readonly amounts: UsageRating;
  /** Rated but not charged (the job's holds were used up); absent when charged whole. */
  readonly cut?: MicroUsd;
}

/**
 * The charge of a chunk, kept forever under the chunk's id: a redelivered chunk finds it and
 * charges nothing. `amounts` is the sum of the lines, and is what the ledger transaction moves.
 */
export interface ChunkCharge {
  readonly chunkId: string;
  readonly jobId: string;
  readonly assignmentId: string;
  readonly renterId: string;
  readonly providerId: string;
  readonly hostId: string;
  readonly gpuModel?: string;
  readonly pricePerGpuHour: number;
  readonly lines: readonly ChargeLine[];
  readonly amounts: UsageRating;
  readonly cut?: MicroUsd;
  /** How much of the job's hold the chunk used up (the rest came from available funds). */
  readonly fromHold: MicroUsd;
  /** Null when the chunk cost nothing (no money moved, but its records were charged). */
  readonly transactionId: string | null;
  readonly chargedAt: string;
  /** The job's cost after this chunk. */
  readonly jobCost: MicroUsd;
}

/** What charging a chunk changes: its lines, their sums, and the job's new total. */
export interface ChunkPlan {
  readonly lines: readonly ChargeLine[];
  readonly amounts: UsageRating;
  readonly cut: MicroUsd;
  readonly fromHold: MicroUsd;
  readonly fromAvailable: MicroUsd;
  readonly jobCost: JobCost;
}

const addRatings = (a: UsageRating, b: UsageRating): UsageRating => ({
  renter: microUsd(a.renter + b.renter),
  provider: microUsd(a.provider + b.provider),
  platform: microUsd(a.platform + b.platform),
});

export const recordOf = (chunk: UsageChunk, record: ChunkRecord): UsageRecord => ({
  usageRecordId: record.usageRecordId,
  assignmentId: chunk.assignmentId,
  jobId: chunk.jobId,
  renterId: chunk.renterId,
  providerId: chunk.providerId,
  hostId: chunk.hostId,
  ...(chunk.gpuModel === undefined ? {} : { gpuModel: chunk.gpuModel }),
  gpuSeconds: record.gpuSeconds,
  from: record.from,
  to: record.to,
  pricePerGpuHour: chunk.pricePerGpuHour,
});

/**
 * Rates and caps each record of the chunk in order, exactly as charging them one at a time
 * would (`rateUsage`, then `capToHolds` against the hold, total and available funds the
 * records before it left), and sums them: the chunk moves the sum in one transaction, and
 * every line still says what its record cost, so lines and ledger agree to the µUSD.
 */
export const planChunkCharge = (
  chunk: UsageChunk,
  hold: Hold | undefined,
  current: JobCost | undefined,
  available: MicroUsd,
  feeBps: number,
): ChunkPlan => {
  let jobCost = current;
  let heldLeft = hold;
  let availableLeft = available;
  let amounts: UsageRating = { renter: microUsd(0), provider: microUsd(0), platform: microUsd(0) };
  let cut = 0;
  let fromHold = 0;
  let fromAvailable = 0;
  const lines: ChargeLine[] = [];
  for (const record of chunk.records) {
    const usage = recordOf(chunk, record);
    const capped = capToHolds(rateUsage(usage, feeBps), heldLeft, chunk.renterId, jobCost, availableLeft, feeBps);
    lines.push({ ...record, amounts: capped.amounts, ...(capped.cut > 0 ? { cut: capped.cut } : {}) });
    amounts = addRatings(amounts, capped.amounts);
    cut += capped.cut;
    fromHold += capped.fromHold;
    fromAvailable += capped.fromAvailable;
    heldLeft = heldLeft && capped.fromHold > 0 ? { ...heldLeft, amount: microUsd(heldLeft.amount - capped.fromHold) } : heldLeft;
    availableLeft = microUsd(availableLeft - capped.fromAvailable);
    jobCost = addToJobCost(jobCost ?? emptyJobCost(chunk.jobId, chunk.renterId), usage, capped.amounts.renter, capped.cut);
  }
  // One write per chunk: the version counts writes, not records (`charges` counts records).
  const before = current ?? emptyJobCost(chunk.jobId, chunk.renterId);
  const after = jobCost ?? before;
  return {
    lines,
    amounts,
    cut: microUsd(cut),
    fromHold: microUsd(fromHold),
    fromAvailable: microUsd(fromAvailable),
    jobCost: { ...after, version: before.version + 1 },
  };
};

/** Chunks of one renter planned together: each chunk's plan, and what the write leaves per job. */
export interface ChunksPlan {
  /** In the chunks' order: each as if charged right after the ones before it. */
  readonly plans: readonly ChunkPlan[];
  /** Per job: its total after every chunk, one version above the one read (one write per job). */
  readonly jobCosts: ReadonlyMap<string, JobCost>;
  /** Per job: the hold as read, with what the chunks take out of it and whether any was cut. */
  readonly holdUse: ReadonlyMap<string, { readonly hold: Hold; readonly fromHold: MicroUsd; readonly cut: boolean }>;
  /** Everything the chunks take from the renter's available funds. */
  readonly fromAvailable: MicroUsd;
}

/**
 * Plans several chunks of one renter for one write (issue 14): in order, each chunk sees the
 * hold, job total and available funds the chunks before it left, so the result is exactly
 * what charging them one at a time would give (`planChunkCharge`); the write then takes the
 * sums out of each hold and the renter's funds, and moves each job's total once.
 */
export const planChunkCharges = (
  chunks: readonly UsageChunk[],
  holds: ReadonlyMap<string, Hold | undefined>,
  jobCosts: ReadonlyMap<string, JobCost | undefined>,
  available: MicroUsd,
  feeBps: number,
): ChunksPlan => {
  const heldNow = new Map(holds);
  const costNow = new Map(jobCosts);
  const holdUse = new Map<string, { hold: Hold; fromHold: MicroUsd; cut: boolean }>();
  const after = new Map<string, JobCost>();
  let availableLeft = available;
  let fromAvailable = 0;
  const plans = chunks.map((chunk) => {
    const hold = heldNow.get(chunk.jobId);
    const plan = planChunkCharge(chunk, hold, costNow.get(chunk.jobId), availableLeft, feeBps);
    const read = holds.get(chunk.jobId);
    if (read && (plan.fromHold > 0 || plan.cut > 0)) {
      const used = holdUse.get(chunk.jobId) ?? { hold: read, fromHold: microUsd(0), cut: false };
      holdUse.set(chunk.jobId, { hold: read, fromHold: microUsd(used.fromHold + plan.fromHold), cut: used.cut || plan.cut > 0 });
    }
    if (hold && plan.fromHold > 0) heldNow.set(chunk.jobId, { ...hold, amount: microUsd(hold.amount - plan.fromHold) });
    costNow.set(chunk.jobId, plan.jobCost);
    after.set(chunk.jobId, { ...plan.jobCost, version: (jobCosts.get(chunk.jobId)?.version ?? 0) + 1 });
    availableLeft = microUsd(availableLeft - plan.fromAvailable);
    fromAvailable += plan.fromAvailable;
    return plan;
  });
  return { plans, jobCosts: after, holdUse, fromAvailable: microUsd(fromAvailable) };
};
