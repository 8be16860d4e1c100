import { z } from 'zod';
import { usdText } from '#platform/money.ts';

/** What the metering routes answer, as `mappers.ts` builds it; the OpenAPI spec is generated from these. */
const storedStatus = z.enum(['accepted', 'rejected', 'pending']);
const clipReason = z.enum(['outside_lease', 'already_covered', 'exceeds_gpu_capacity']);
const recordCounts = z.object({ accepted: z.int(), clipped: z.int(), rejected: z.int(), pending: z.int() });

export const UsageReceiptResponse = z.object({
  accepted: z.int(),
  duplicates: z.int(),
  pending: z.int(),
  rejected: z.array(z.object({ eventId: z.string(), assignmentId: z.string(), reason: z.string().optional() })),
  records: z.array(
    z.object({
      eventId: z.string(),
      assignmentId: z.string(),
      status: z.enum([...storedStatus.options, 'duplicate']),
      original: storedStatus.optional().meta({ description: 'For a duplicate: what the first copy became.' }),
      usageRecordId: z.string().optional(),
      gpuSeconds: z.number().optional(),
      clipped: z.array(clipReason).optional(),
      reason: z.string().optional(),
    }),
  ),
});

const assignmentUsage = {
  assignmentId: z.string(),
  jobId: z.string(),
  hostId: z.string(),
  gpuCount: z.int(),
  gpuModel: z.string(),
  pricePerGpuHour: usdText,
  leaseStart: z.iso.datetime().nullable(),
  leaseEnd: z.iso.datetime().nullable(),
  endReason: z.string().nullable(),
  gpuSeconds: z.number(),
  reportedGpuSeconds: z.number(),
  records: recordCounts,
};

export const JobUsageResponse = z.object({
  jobId: z.string(),
  gpuSeconds: z.number(),
  records: recordCounts,
  assignments: z.array(
    z.object({
      ...assignmentUsage,
      hours: z.array(z.object({ hour: z.iso.datetime(), gpuSeconds: z.number(), records: z.int(), gpuUtilization: z.number().nullable() })),
    }),
  ),
});

export const HostUsagePageResponse = z.object({ hostId: z.string(), items: z.array(z.object(assignmentUsage)), nextCursor: z.string().nullable() });
