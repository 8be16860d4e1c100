import { z } from 'zod';
import { defineEvent } from '../define.ts';

/** One validated usage record: what billing charges and exports list. */
export const event = defineEvent({
  source: 'gpuhive.metering',
  detailType: 'usage.recorded',
  version: 1,
  payload: {
    usageRecordId: z.string(),
    assignmentId: z.string(),
    jobId: z.string(),
    renterId: z.string(),
    providerId: z.string(),
    hostId: z.string(),
    gpuModel: z.string(),
    /** GPU-seconds after validation and clipping, to the millisecond. */
    gpuSeconds: z.number().nonnegative().finite(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    pricePerGpuHour: z.number().int().describe('micro-USD per GPU-hour'),
    recordedAt: z.iso.datetime(),
  },
});
