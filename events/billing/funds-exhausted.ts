import { z } from 'zod';
import { defineEvent } from '../define.ts';

/** A running job's hold could not be rolled forward: matching stops the job (`insufficient_funds`). */
export const event = defineEvent({
  source: 'gpuhive.billing',
  detailType: 'funds.exhausted',
  version: 1,
  payload: {
    jobId: z.string(),
    renterId: z.string(),
    /** The renewal that was refused, micro-USD. */
    amount: z.number().int().positive(),
    /** What the renter could spend when it was refused, micro-USD. */
    available: z.number().int(),
    reason: z.literal('insufficient_funds'),
  },
});
