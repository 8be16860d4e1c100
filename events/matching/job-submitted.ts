import { z } from 'zod';
import { defineEvent } from '../define.ts';

export const event = defineEvent({
  source: 'gpuhive.matching',
  detailType: 'job.submitted',
  version: 1,
  payload: {
    jobId: z.string(),
    renterId: z.string(),
    /** micro-USD to hold: one hour (or maxDurationSeconds, if shorter) at the max price for all GPUs. */
    holdAmount: z.number().int().positive(),
    /** The job's max duration: billing's rolling hold never covers past it. */
    maxDurationSeconds: z.number().int().positive().optional(),
    /** Seconds past the max duration the job may still be billed (stop grace + clock skew): the hold covers them. */
    holdMarginSeconds: z.number().int().nonnegative().optional(),
  },
});
