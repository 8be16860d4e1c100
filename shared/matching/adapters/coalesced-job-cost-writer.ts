import type { MicroUsd } from '#platform/money.ts';
import type { JobCostWriter } from '../ports.ts';

interface PendingRaise {
  cost: MicroUsd;
  readonly result: Promise<boolean>;
}

/**
 * One cost update per job for every raise asked in the same turn of the event loop. The
 * `matching-costs` consumer handles a batch's records in parallel, and a batch often holds
 * several `usage.chunk_charged` of one job (billing charges a renter's chunks together), each
 * carrying the job's running total: only the highest matters, since the update only ever
 * raises (issue 14: one update per job per batch instead of one per chunk). Every caller waits
 * on its job's one update and fails with it, so no record is acknowledged before a cost at
 * least its own is stored.
 */
export class CoalescedJobCostWriter implements JobCostWriter {
  private readonly pending = new Map<string, PendingRaise>();

  constructor(private readonly writer: JobCostWriter) {}

  /** Resolves with what the job's one update answered (it wrote the highest cost asked). */
  raiseCost(jobId: string, cost: MicroUsd): Promise<boolean> {
    const waiting = this.pending.get(jobId);
    if (waiting) {
      if (cost > waiting.cost) waiting.cost = cost;
      return waiting.result;
    }
    // The update starts once the records handled in this turn have all asked (a microtask later).
    const result = Promise.resolve().then(() => {
      const raise = this.pending.get(jobId) as PendingRaise;
      this.pending.delete(jobId);
      return this.writer.raiseCost(jobId, raise.cost);
    });
    this.pending.set(jobId, { cost, result });
    return result;
  }
}
