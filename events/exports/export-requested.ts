import { z } from 'zod';
import { defineEvent } from '../define.ts';

/**
 * An export was requested (by finance, or by the daily schedule for a day): the exports
 * runner writes its file. `runId` names this request; only its run may finish the export.
 */
export const event = defineEvent({
  source: 'gpuhive.exports',
  detailType: 'export.requested',
  version: 1,
  payload: {
    exportId: z.string(),
    runId: z.string(),
    kind: z.enum(['usage', 'ledger', 'payouts']),
    format: z.enum(['csv', 'jsonl']),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    daily: z.boolean(),
  },
});
