import { z } from 'zod';
import { defineEvent } from '../define.ts';

/** At most as many records as one metering commit accepts for one assignment. */
export const MAX_CHUNK_RECORDS = 100;

/**
 * The validated usage records of one assignment accepted in one metering commit (issue 14:
 * charged per chunk, not per record). Replaces `usage.recorded` (one record each), which
 * billing still takes for events published before the change. Each record keeps its own id:
 * exports and statements still list every record.
 */
export const event = defineEvent({
  source: 'gpuhive.metering',
  detailType: 'usage.chunk_recorded',
  version: 1,
  payload: {
    /** Unique per chunk: billing keys the chunk's charge by it, so a redelivery finds it taken. */
    chunkId: z.string(),
    assignmentId: z.string(),
    jobId: z.string(),
    renterId: z.string(),
    providerId: z.string(),
    hostId: z.string(),
    gpuModel: z.string(),
    pricePerGpuHour: z.number().int().describe('micro-USD per GPU-hour'),
    recordedAt: z.iso.datetime(),
    records: z
      .array(
        z.object({
          usageRecordId: z.string(),
          /** GPU-seconds after validation and clipping, to the millisecond. */
          gpuSeconds: z.number().nonnegative().finite(),
          from: z.iso.datetime(),
          to: z.iso.datetime(),
        }),
      )
      .min(1)
      .max(MAX_CHUNK_RECORDS),
  },
});
