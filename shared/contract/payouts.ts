import { z } from 'zod';
import type { Wire } from './agent.ts';
import { usdAmount, usdText } from './money.ts';
import { plainText } from './text.ts';

/**
 * The wire contract of payouts (docs/payouts.md): a provider's payout method as it is set and
 * shown, payouts, finance's batches, their files and the marks finance puts on a payout, as
 * the backend's `shared/billing/http/payouts.ts` reads and builds them. Money is USD decimal
 * strings at this edge only. Imports nothing but zod and its siblings; the CLI takes the
 * types with `import type` only (see ./jobs.ts).
 */

/** The rails finance pays through. */
export const PAYOUT_RAILS = ['bank_transfer', 'paypal', 'wise'] as const;
export type PayoutRail = (typeof PAYOUT_RAILS)[number];

/** A batch's files: a generic CSV, and one per rail in the columns its mass-payout upload takes. */
export const PAYOUT_FILE_FORMATS = ['generic', 'paypal', 'wise', 'bank_transfer'] as const;
export type PayoutFileFormat = (typeof PAYOUT_FILE_FORMATS)[number];

export const PAYOUT_STATUSES = ['in_transit', 'paid', 'failed'] as const;
const payoutStatus = z.enum(PAYOUT_STATUSES);

const holderName = plainText().trim().min(1).max(140);
export const emailText = z.email({ message: 'must be an email address' }).max(254);

/**
 * Each rail's details as the provider writes them. The backend's (shared/billing/domain/
 * payout-method.ts) extend these: an IBAN checked by its mod-97 checksum, a BIC by its form,
 * both and the email normalised in case and spacing.
 */
export const BankTransferDetailsRequest = z.strictObject({ accountHolderName: holderName, iban: z.string(), bic: z.string().optional() });
export const PaypalDetailsRequest = z.strictObject({ email: emailText });
export const WiseDetailsRequest = z.strictObject({
  email: emailText,
  accountHolderName: holderName,
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as "USD"').default('USD'),
});

/** Pay only once at least this much is payable; the backend reads it into micro-USD. */
const threshold = usdAmount.optional();

/** PUT /v1/payouts/method, one body per rail: `type` picks the rail, `details` are that rail's. */
export const BankTransferMethodRequest = z.strictObject({ type: z.literal('bank_transfer'), details: BankTransferDetailsRequest, threshold });
export const PaypalMethodRequest = z.strictObject({ type: z.literal('paypal'), details: PaypalDetailsRequest, threshold });
export const WiseMethodRequest = z.strictObject({ type: z.literal('wise'), details: WiseDetailsRequest, threshold });
export const PAYOUT_RAIL_MESSAGE = `must be one of ${PAYOUT_RAILS.join(', ')}`;
export const SetPayoutMethodRequest = z.discriminatedUnion('type', [BankTransferMethodRequest, PaypalMethodRequest, WiseMethodRequest], { error: PAYOUT_RAIL_MESSAGE });
export type SetPayoutMethodRequest = z.input<typeof SetPayoutMethodRequest>;

/** The rail's own id for the transfer (a PayPal batch item id, a Wise transfer id, a bank's end-to-end id). */
const transferReference = plainText().trim().min(1).max(200);
/** POST /v1/finance/payouts/{payoutId}/paid. */
export const MarkPayoutPaidRequest = z.strictObject({ reference: transferReference });
export type MarkPayoutPaidRequest = z.input<typeof MarkPayoutPaidRequest>;
/** POST /v1/finance/payouts/{payoutId}/failed. */
export const MarkPayoutFailedRequest = z.strictObject({ reason: plainText().trim().min(1).max(500), reference: transferReference.optional() });
export type MarkPayoutFailedRequest = z.input<typeof MarkPayoutFailedRequest>;

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
