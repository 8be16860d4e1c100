import { NotFoundError } from '#platform/errors.ts';
import type { Page } from '#platform/pagination.ts';
import type { AssignmentUsage } from '../ports.ts';
import type { MeteringDeps } from './deps.ts';

/**
 * The job's usage for its renter: metering knows the renter from the leases, so a job it
 * has no lease of, or another renter's, is the same 404 (never the data).
 */
export const getJobUsage = async (renterId: string, jobId: string, deps: Pick<MeteringDeps, 'reads'>): Promise<readonly AssignmentUsage[]> => {
  const usage = await deps.reads.jobUsage(jobId);
  if (usage.length === 0 || usage.some((one) => one.lease.renterId !== renterId)) {
    throw new NotFoundError(`No usage is known for job ${jobId}.`);
  }
  return usage;
};

/** The host's usage for the provider that owns it (from the leases); anyone else's host, or one never leased, is a 404. */
export const getHostUsage = async (
  providerId: string,
  hostId: string,
  page: { readonly limit: number; readonly cursor?: string },
  deps: Pick<MeteringDeps, 'reads'>,
): Promise<Page<AssignmentUsage>> => {
  const usage = await deps.reads.hostUsage(hostId, page.limit, page.cursor);
  if ((usage.items.length === 0 && page.cursor === undefined) || usage.items.some((one) => one.lease.providerId !== providerId)) {
    throw new NotFoundError(`No usage is known for host ${hostId}.`);
  }
  return usage;
};
