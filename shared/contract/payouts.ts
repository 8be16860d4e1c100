import { z } from 'zod';
import type { Wire } from './agent.ts';
import { usdText } from './money.ts';

/**
 * The wire contract of payouts (docs/payouts.md): a provider's payout method, payouts,
 * finance's batches and their files, as the backend's `shared/billing/http/payouts.ts` views
 * build them. Money is USD decimal strings at this edge only. Imports nothing but zod and its
 * siblings; the CLI takes the types with `import type` only (see ./jobs.ts).
 */

/** The rails finance pays through. */
export const PAYOUT_RAILS = ['bank_transfer', 'paypal', 'wise'] as const;
export type PayoutRail = (typeof PAYOUT_RAILS)[number];

/** A batch's files: a generic CSV, and one per rail in the columns its mass-payout upload takes. */
export const PAYOUT_FILE_FORMATS = ['generic', 'paypal', 'wise', 'bank_transfer'] as const;
export type PayoutFileFormat = (typeof PAYOUT_FILE_FORMATS)[number];

export const PAYOUT_STATUSES = ['in_transit', 'paid', 'failed'] as const;
const payoutStatus = z.enum(PAYOUT_STATUSES);

const maskedDetailsResponse = z.record(z.string(), z.string()).meta({ description: 'Masked: an email as "j***@example.com", an IBAN with only its first and last four characters.' });

export const PayoutMethodResponse = z.object({
  type: z.enum(PAYOUT_RAILS),
  details: maskedDetailsResponse,
  threshold: usdText.nullable(),
  updatedAt: z.iso.datetime(),
});

export const PayoutResponse = z.object({
  payoutId: z.string(),
  batchId: z.string(),
  providerId: z.string(),
  amount: usdText,
  status: payoutStatus,
  method: z.object({ type: z.enum(PAYOUT_RAILS), details: maskedDetailsResponse }),
  settledBefore: z.iso.datetime().meta({ description: 'Earnings posted before this time were the settled part the payout was taken from.' }),
  createdAt: z.iso.datetime(),
  reference: z.string().nullable(),
  failureReason: z.string().nullable(),
  settledAt: z.iso.datetime().nullable(),
});

export const PayoutPageResponse = z.object({ items: z.array(PayoutResponse), nextCursor: z.string().nullable() });

export const PayoutBatchResponse = z.object({
  batchId: z.string(),
  requestedBy: z.string(),
  createdAt: z.iso.datetime(),
  settledBefore: z.iso.datetime(),
  payouts: z.int().nullable(),
  total: usdText.nullable(),
});

export const PayoutBatchWithPayoutsResponse = PayoutBatchResponse.extend({ items: z.array(PayoutResponse) });

export const PayoutFileResponse = z.object({
  format: z.enum(PAYOUT_FILE_FORMATS),
  fileName: z.string(),
  contentType: z.literal('text/csv'),
  rows: z.int(),
  total: usdText,
  content: z.string().meta({ description: 'The CSV file itself (RFC 4180, CRLF line ends).' }),
});

export type PayoutMethodResponse = Wire<z.output<typeof PayoutMethodResponse>>;
export type PayoutResponse = Wire<z.output<typeof PayoutResponse>>;
export type PayoutPageResponse = Wire<z.output<typeof PayoutPageResponse>>;
export type PayoutBatchResponse = Wire<z.output<typeof PayoutBatchResponse>>;
export type PayoutBatchWithPayoutsResponse = Wire<z.output<typeof PayoutBatchWithPayoutsResponse>>;
export type PayoutFileResponse = Wire<z.output<typeof PayoutFileResponse>>;
