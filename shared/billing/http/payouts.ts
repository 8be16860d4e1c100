import { z } from 'zod';
import { PAYOUT_STATUSES } from '#contract/payouts.ts';
import { formatUsd, usdField } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import { plainText } from '#platform/text.ts';
import { BankTransferDetails, PaypalDetails, WiseDetails, PAYOUT_RAILS, maskedDetails, type PayoutMethod } from '../domain/payout-method.ts';
import { PAYOUT_FILE_FORMATS, type PayoutFile } from '../domain/payout-files.ts';
import type { Payout, PayoutBatch } from '../domain/payouts.ts';

/** Requests of the payout routes and the views their answers are built with (docs/payouts.md); the answers' schemas are the wire contract's (shared/contract/payouts.ts). */

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

const payoutStatus = z.enum(PAYOUT_STATUSES);
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
