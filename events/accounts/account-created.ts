import { z } from 'zod';
import { defineEvent } from '../define.ts';

export const event = defineEvent({
  source: 'gpuhive.accounts',
  detailType: 'account.created',
  version: 1,
  payload: { accountId: z.string(), kind: z.enum(['renter', 'provider', 'finance']), name: z.string() },
});
