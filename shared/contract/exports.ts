import { z } from 'zod';
import type { Wire } from './agent.ts';
import { usdText } from './money.ts';

/**
 * The wire contract of finance exports (API.md, "Finance"): the body that requests one and
 * what the exports routes answer, as the backend's `shared/exports/http/` reads and builds
 * them. Imports nothing but zod and its siblings; the CLI takes the types with `import type`
 * only (see ./jobs.ts).
 */

export const EXPORT_KINDS = ['usage', 'ledger', 'payouts'] as const;
export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;

/** One end of an export's period, as the client writes it; the backend reads it (shared/exports/domain/period.ts) and names a bad one. */
export const periodEndText = z.string().meta({ description: 'An ISO-8601 time with any offset, or a date (its midnight UTC), between 2000-01-01 and 2100-01-01' });

/** POST /v1/finance/exports: `from` inclusive, `to` exclusive. */
export const RequestExportRequest = z.strictObject({
  kind: z.enum(EXPORT_KINDS, { error: 'must be "usage", "ledger" or "payouts"' }),
  format: z.enum(EXPORT_FORMATS, { error: 'must be "csv" or "jsonl"' }).default('csv'),
  from: periodEndText,
  to: periodEndText,
});
export type RequestExportRequest = z.input<typeof RequestExportRequest>;
export const StartedExportResponse = z.object({ exportId: z.string(), status: z.literal('running') });

const usageTotals = z.object({ gpuSeconds: z.string(), amount: usdText, providerAmount: usdText, fee: usdText });
const ledgerTotals = z.object({ sum: usdText.meta({ description: 'Zero when the ledger balances.' }), debits: usdText, credits: usdText });
const payoutTotals = z.object({ amount: usdText, paid: usdText, inTransit: usdText, failed: usdText }).meta({ description: 'Payouts made in the period, by their status now.' });

export const ExportResponse = z.object({
  exportId: z.string(),
  kind: z.enum(EXPORT_KINDS),
  format: z.enum(EXPORT_FORMATS),
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
