import { z } from 'zod';
import { defineEvent } from '../define.ts';

/** Finance marked a payout paid: the money left the platform on the provider's rail. */
export const event = defineEvent({
  source: 'gpuhive.billing',
  detailType: 'payout.paid',
  version: 1,
  payload: {
    payoutId: z.string(),
    batchId: z.string(),
    providerId: z.string(),
    /** micro-USD paid. */
    amount: z.number().int().positive(),
    rail: z.enum(['bank_transfer', 'paypal', 'wise']),
    /** The rail's own reference for the transfer. */
    reference: z.string(),
    paidAt: z.iso.datetime(),
  },
});
