import { z } from 'zod';
import { usdText } from '#platform/money.ts';

/** What the billing routes answer, as `http-mappers.ts` builds it; the OpenAPI spec is generated from these. */
const transactionKind = z.enum(['credit', 'usage_charge']);

export const TransactionResponse = z.object({
  transactionId: z.string(),
  postedAt: z.iso.datetime(),
  kind: transactionKind,
  reference: z.string().nullable(),
  entries: z.array(z.object({ entryId: z.string(), accountId: z.string(), amount: usdText })).meta({ description: 'They sum to zero.' }),
});

export const BalanceResponse = z.object({
  balance: usdText,
  held: usdText.optional().meta({ description: 'Renters: held for running and queued jobs.' }),
  available: usdText.optional().meta({ description: 'Renters: balance less held.' }),
  runwaySeconds: z
    .number()
    .nullable()
    .optional()
    .meta({ description: "Renters: how long the running jobs can go on at their current rates; null when none runs." }),
});

export const LedgerEntryResponse = z.object({
  transactionId: z.string(),
  entryId: z.string(),
  postedAt: z.iso.datetime(),
  kind: transactionKind,
  amount: usdText.meta({ description: 'Signed: positive adds to the balance.' }),
  reference: z.string().nullable(),
});

export const LedgerPageResponse = z.object({ items: z.array(LedgerEntryResponse), nextCursor: z.string().nullable() });
