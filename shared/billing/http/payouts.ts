import { z } from 'zod';
import {
  BankTransferMethodRequest,
  MarkPayoutFailedRequest,
  MarkPayoutPaidRequest,
  PAYOUT_RAIL_MESSAGE,
  PAYOUT_STATUSES,
  PaypalMethodRequest,
  SetPayoutMethodRequest,
  WiseMethodRequest,
} from '#contract/payouts.ts';
import { formatUsd, usdField } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import type { Holds, ReadsContractBody } from '#platform/wire-input.ts';
import { BankTransferDetails, PaypalDetails, WiseDetails, maskedDetails, type PayoutMethod } from '../domain/payout-method.ts';
import { PAYOUT_FILE_FORMATS, type PayoutFile } from '../domain/payout-files.ts';
import type { Payout, PayoutBatch } from '../domain/payouts.ts';

/** Requests of the payout routes and the views their answers are built with (docs/payouts.md); the answers' schemas are the wire contract's (shared/contract/payouts.ts). */

const threshold = usdField
  .refine((amount) => amount > 0, { message: 'must be more than 0' })
  .optional()
  .meta({ description: 'Pay only once at least this much is payable (USD). Absent: any amount of at least one cent.' });

/** The wire contract's body: `type` picks the rail; `details` are checked by that rail's rules (an IBAN by its checksum); the threshold read into micro-USD. */
export const SetPayoutMethodInput = z.discriminatedUnion(
  'type',
  [
    BankTransferMethodRequest.extend({ details: BankTransferDetails, threshold }),
    PaypalMethodRequest.extend({ details: PaypalDetails, threshold }),
    WiseMethodRequest.extend({ details: WiseDetails, threshold }),
  ],
  { error: PAYOUT_RAIL_MESSAGE },
);
type _SetPayoutMethodReadsContract = Holds<ReadsContractBody<typeof SetPayoutMethodInput, typeof SetPayoutMethodRequest>>;

const payoutStatus = z.enum(PAYOUT_STATUSES);
const accountId = z.string().regex(/^acct_[0-9a-z]{10,40}$/, 'must be an account id such as "acct_01jz3k5q7w9d2c4m6n8pqrst"');
const batchId = z.string().regex(/^pob_[0-9a-z]{22}$/, 'must be a payout batch id such as "pob_01jz3k5q7w9d2c4m6n8pqr"');
const payoutId = z.string().regex(/^pay_[0-9a-z]{22}$/, 'must be a payout id such as "pay_01jz3k5q7w9d2c4m6n8pqr"');

/** `providerId` and `batchId` are finance's filters; a provider only ever sees its own payouts. */
export const PayoutsQuery = z.object({ ...pageQuery, providerId: accountId.optional(), batchId: batchId.optional(), status: payoutStatus.optional() });
export const PayoutPath = z.object({ payoutId });
export const PayoutBatchPath = z.object({ batchId });
export const PayoutFileQuery = z.object({ format: z.enum(PAYOUT_FILE_FORMATS).default('generic') });

/** Finance's marks are the wire contract's bodies as they are. */
export const MarkPaidInput = MarkPayoutPaidRequest;
export const MarkFailedInput = MarkPayoutFailedRequest;

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
