import type { MicroUsd } from '#platform/money.ts';
import type { JobCostWriter } from '../ports.ts';

/**
 * Billing charged usage: the job shows its cost so far. Charges can arrive out of order and
 * twice, and each carries the running total, so the highest total seen wins: one conditional
 * update of the job's cost, nothing read first (a lower or equal total changes nothing).
 */
export const recordCost = async (jobId: string, jobCost: MicroUsd, deps: { readonly costs: JobCostWriter }): Promise<boolean> => deps.costs.raiseCost(jobId, jobCost);
