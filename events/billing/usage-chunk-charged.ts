import { z } from 'zod';
import { defineEvent } from '../define.ts';

/**
 * One chunk of usage records charged in one transaction (issue 14); replaces `usage.charged`
 * (one record each), which consumers still take for events published before the change.
 */
export const event = defineEvent({
  source: 'gpuhive.billing',
  detailType: 'usage.chunk_charged',
  version: 1,
  payload: {
    chunkId: z.string(),
    jobId: z.string(),
    renterId: z.string(),
    /** How many usage records the chunk charged. */
    records: z.number().int().positive(),
    /** What the chunk cost the renter, micro-USD. */
    amount: z.number().int().nonnegative(),
    /** The job's cost so far, micro-USD, every charge included. */
    jobCost: z.number().int().nonnegative(),
    /** What the chunk was rated at but not charged: the job's holds were used up (issue 13). */
    cut: z.number().int().positive().optional(),
    chargedAt: z.iso.datetime(),
  },
});
