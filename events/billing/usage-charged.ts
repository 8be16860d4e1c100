import { z } from 'zod';
import { defineEvent } from '../define.ts';

export const event = defineEvent({
  source: 'gpuhive.billing',
  detailType: 'usage.charged',
  version: 1,
  payload: {
    usageRecordId: z.string(),
    jobId: z.string(),
    renterId: z.string(),
    /** What this record cost the renter, micro-USD. */
    amount: z.number().int().nonnegative(),
    /** The job's cost so far, micro-USD, every charge included. */
    jobCost: z.number().int().nonnegative(),
    /** What the record was rated at but not charged: the job's holds were used up (issue 13). */
    cut: z.number().int().positive().optional(),
    chargedAt: z.iso.datetime(),
  },
});
