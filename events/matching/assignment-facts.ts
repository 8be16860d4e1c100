import { z } from 'zod';

/** One host's share of a job, as placed. */
export const placedAssignment = z.object({
  assignmentId: z.string(),
  hostId: z.string(),
  providerId: z.string(),
  gpuIndices: z.array(z.number().int()),
  gpuModel: z.string(),
  pricePerGpuHour: z.number().int().describe('micro-USD per GPU-hour'),
  rank: z.number().int(),
});

/** What billing and metering need to know of an assignment's lease. */
export const assignmentLease = {
  assignmentId: z.string(),
  jobId: z.string(),
  renterId: z.string(),
  hostId: z.string(),
  providerId: z.string(),
  gpuCount: z.number().int().positive(),
  gpuModel: z.string(),
  pricePerGpuHour: z.number().int(),
  leaseStart: z.iso.datetime().optional(),
  leaseEnd: z.iso.datetime().optional(),
  reason: z.string().optional(),
  /**
   * The last instant of the lease that can be billed, decided when it is known: at the
   * start, the job's start + max duration + stop grace; at a stop request, the request +
   * stop grace (the earlier of the two). Metering clips every record to it.
   */
  billableUntil: z.iso.datetime().optional(),
};
