import { z } from 'zod';
import { defineEvent } from '../define.ts';

export const event = defineEvent({
  source: 'gpuhive.billing',
  detailType: 'funds.refused',
  version: 1,
  payload: {
    jobId: z.string(),
    renterId: z.string(),
    amount: z.number().int().positive(),
    /** What the renter could spend when the hold was refused, in micro-USD. */
    available: z.number().int(),
    reason: z.literal('insufficient_funds'),
  },
});
