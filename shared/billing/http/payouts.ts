import { z } from 'zod';
import { formatUsd, usdField, usdText } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import { plainText } from '#platform/text.ts';
import { BankTransferDetails, PaypalDetails, WiseDetails, PAYOUT_RAILS, maskedDetails, type PayoutMethod } from '../domain/payout-method.ts';
import { PAYOUT_FILE_FORMATS, type PayoutFile } from '../domain/payout-files.ts';
import type { Payout, PayoutBatch } from '../domain/payouts.ts';

/** Requests and answers of the payout routes (docs/payouts.md). Money is USD decimal strings at this edge only. */

const threshold = usdField
  .refine((amount) => amount > 0, { message: 'must be more than 0' })
  .optional()
  .meta({ description: 'Pay only once at least this much is payable (USD). Absent: any amount of at least one cent.' });

/** `type` picks the rail; `details` are checked by that rail's rules (an IBAN by its checksum). */
export const SetPayoutMethodInput = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('bank_transfer'), details: BankTransferDetails, threshold }),
    z.strictObject({ type: z.literal('paypal'), details: PaypalDetails, threshold }),
    z.strictObject({ type: z.literal('wise'), details: WiseDetails, threshold }),
  ],
  { error: `must be one of ${PAYOUT_RAILS.join(', ')}` },
);

const payoutStatus = z.enum(['in_transit', 'paid', 'failed']);
const accountId = z.string().regex(/^acct_[0-9a-z]{10,40}$/, 'must be an account id such as "acct_01jz3k5q7w9d2c4m6n8pqrst"');
const batchId = z.string().regex(/^pob_[0-9a-z]{22}$/, 'must be a payout batch id such as "pob_01jz3k5q7w9d2c4m6n8pqr"');
const payoutId = z.string().regex(/^pay_[0-9a-z]{22}$/, 'must be a payout id such as "pay_01jz3k5q7w9d2c4m6n8pqr"');

/** `providerId` and `batchId` are finance's filters; a provider only ever sees its own payouts. */
export const PayoutsQuery = z.object({ ...pageQuery, providerId: accountId.optional(), batchId: batchId.optional(), status: payoutStatus.optional() });
export const PayoutPath = z.object({ payoutId });
export const PayoutBatchPath = z.object({ batchId });
export const PayoutFileQuery = z.object({ format: z.enum(PAYOUT_FILE_FORMATS).default('generic') });

/** The rail's own id for the transfer (a PayPal batch item id, a Wise transfer id, a bank's end-to-end id). */
const reference = plainText().trim().min(1).max(200);
export const MarkPaidInput = z.strictObject({ reference });
export const MarkFailedInput = z.strictObject({ reason: plainText().trim().min(1).max(500), reference: reference.optional() });

export const payoutMethodView = (method: PayoutMethod) => ({
  type: method.method.type,
  details: maskedDetails(method.method),
  threshold: method.threshold === null ? null : formatUsd(method.threshold),
  updatedAt: method.updatedAt,
});

export const payoutView = (payout: Payout) => ({
  payoutId: payout.payoutId,
  batchId: payout.batchId,
  providerId: payout.providerId,
  amount: formatUsd(payout.amount),
  status: payout.status,
  method: { type: payout.method.type, details: maskedDetails(payout.method) },
  settledBefore: payout.settledBefore,
  createdAt: payout.createdAt,
  reference: payout.reference,
  failureReason: payout.failureReason,
  settledAt: payout.settledAt,
});

export const payoutBatchView = (batch: PayoutBatch) => ({
  batchId: batch.batchId,
  requestedBy: batch.requestedBy,
  createdAt: batch.createdAt,
  settledBefore: batch.settledBefore,
  payouts: batch.payouts,
  total: batch.total === null ? null : formatUsd(batch.total),
});

export const payoutFileView = (file: PayoutFile) => ({
  format: file.format,
  fileName: file.fileName,
  contentType: 'text/csv',
  rows: file.rows,
  total: formatUsd(file.total),
  content: file.content,
});

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
