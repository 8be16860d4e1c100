import { z } from 'zod';
import type { Wire } from './agent.ts';
import { usdText } from './money.ts';

/**
 * The wire contract of finance exports (API.md, "Finance"): what the exports routes answer, as
 * the backend's `shared/exports/http/mappers.ts` builds it. Imports nothing but zod and its
 * siblings; the CLI takes the types with `import type` only (see ./jobs.ts).
 */
export const StartedExportResponse = z.object({ exportId: z.string(), status: z.literal('running') });

const usageTotals = z.object({ gpuSeconds: z.string(), amount: usdText, providerAmount: usdText, fee: usdText });
const ledgerTotals = z.object({ sum: usdText.meta({ description: 'Zero when the ledger balances.' }), debits: usdText, credits: usdText });
const payoutTotals = z.object({ amount: usdText, paid: usdText, inTransit: usdText, failed: usdText }).meta({ description: 'Payouts made in the period, by their status now.' });

export const ExportResponse = z.object({
  exportId: z.string(),
  kind: z.enum(['usage', 'ledger', 'payouts']),
  format: z.enum(['csv', 'jsonl']),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  daily: z.boolean(),
  status: z.enum(['running', 'succeeded', 'failed', 'expired']).meta({ description: '`expired`: the file is gone (locally, after a restart); request it again.' }),
  requestedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
  rows: z.number().int().optional(),
  bytes: z.number().int().optional(),
  totals: z.union([usageTotals, ledgerTotals, payoutTotals]).optional(),
  ledger: z
    .object({
      usageCharges: z.object({ transactions: z.number().int(), renterDebits: usdText, providerCredits: usdText, platformFees: usdText }),
      payouts: z
        .object({
          made: z.number().int(),
          madeAmount: usdText,
          earnings: usdText,
          paid: usdText,
          inTransit: usdText,
          providerBalances: usdText,
        })
        .optional()
        .meta({ description: 'Payouts exports: the ledger\'s payouts in the period, and the change of earnings = paid + in transit + providers\' balances (still payable or not yet settled).' }),
    })
    .optional()
    .meta({ description: "The ledger's usage charges for the same period: the other side of the reconciliation." }),
  reconciled: z.boolean().optional(),
  differences: z.array(z.string()).optional(),
  url: z.string().optional().meta({ description: 'A presigned download URL; it expires at urlExpiresAt.' }),
  urlExpiresAt: z.iso.datetime().optional(),
  error: z.string().optional(),
});

export const ExportPageResponse = z.object({ items: z.array(ExportResponse), nextCursor: z.string().nullable() });

export type StartedExportResponse = Wire<z.output<typeof StartedExportResponse>>;
export type ExportResponse = Wire<z.output<typeof ExportResponse>>;
export type ExportPageResponse = Wire<z.output<typeof ExportPageResponse>>;
