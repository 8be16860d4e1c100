import { z } from 'zod';
import { defineEvent } from '../define.ts';

/** A renter's runway (how long running jobs can go on at current rates) fell under the threshold. */
export const event = defineEvent({
  source: 'gpuhive.billing',
  detailType: 'balance.low',
  version: 1,
  payload: {
    accountId: z.string(),
    runwaySeconds: z.number().int().nonnegative(),
    thresholdSeconds: z.number().int().positive(),
    /** micro-USD the renter can still spend. */
    available: z.number().int(),
    runningJobIds: z.array(z.string()),
  },
});
