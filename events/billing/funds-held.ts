import { z } from 'zod';
import { defineEvent } from '../define.ts';

export const event = defineEvent({
  source: 'gpuhive.billing',
  detailType: 'funds.held',
  version: 1,
  payload: { jobId: z.string(), renterId: z.string(), amount: z.number().int().positive() },
});
