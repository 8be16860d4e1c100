import { z } from 'zod';
import type { Wire } from './agent.ts';
import { usdAmount, usdText } from './money.ts';
import { plainText } from './text.ts';

/**
 * The wire contract of credits, balances, the ledger and monthly statements (API.md, "Billing").
 * Imports nothing but zod and its siblings; the CLI takes the types with `import type` only (see ./jobs.ts).
 */

/** POST /v1/accounts/{accountId}/credits (admin). The backend's `AddCreditsInput` reads `amount` into micro-USD and bounds it. */
export const AddCreditsRequest = z.strictObject({
  amount: usdAmount,
  /** An invoice or payment id: the same reference credits once. */
  reference: plainText().trim().min(1).max(200).optional(),
});
export type AddCreditsRequest = z.input<typeof AddCreditsRequest>;

const transactionKind = z.enum(['credit', 'usage_charge', 'payout', 'payout_paid', 'payout_returned']);

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

/** Per job (renters: what they paid, positive) or per host (providers: what they earned). */
const statementLine = { amount: usdText, gpuSeconds: z.number().min(0), records: z.int().min(0) };

export const StatementResponse = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  accountId: z.string(),
  kind: z.enum(['renter', 'provider']),
  openingBalance: usdText.meta({ description: 'The balance at the start of the month (UTC).' }),
  closingBalance: usdText.meta({ description: 'openingBalance + credits - charges + earnings - payouts; the balance now for the running month.' }),
  credits: z.array(z.object({ transactionId: z.string(), amount: usdText, reference: z.string().nullable(), postedAt: z.iso.datetime() })),
  charges: z.array(z.object({ jobId: z.string(), serviceId: z.string().optional().meta({ description: 'The inference service the job is a replica of.' }), ...statementLine })).meta({ description: 'Renters: usage charges per job.' }),
  earnings: z.array(z.object({ hostId: z.string(), ...statementLine })).meta({ description: 'Providers: usage earnings per host.' }),
  payouts: z
    .array(z.object({ payoutId: z.string(), kind: z.enum(['payout', 'payout_returned']), amount: usdText, postedAt: z.iso.datetime() }))
    .meta({ description: 'Providers: payouts taken from the balance, and failed payouts returned to it.' }),
  totals: z.object({ credits: usdText, charges: usdText, earnings: usdText, payouts: usdText.meta({ description: 'Paid out of the balance, net of returns.' }) }),
});

export type TransactionResponse = Wire<z.output<typeof TransactionResponse>>;
export type BalanceResponse = Wire<z.output<typeof BalanceResponse>>;
export type LedgerEntryResponse = Wire<z.output<typeof LedgerEntryResponse>>;
export type LedgerPageResponse = Wire<z.output<typeof LedgerPageResponse>>;
export type StatementResponse = Wire<z.output<typeof StatementResponse>>;
