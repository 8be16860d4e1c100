import { z } from 'zod';
import { absentAsNull, itemDecoder, stored, storedMicroUsd } from '#platform/item-codec.ts';
import type { Hold, HoldStatus } from '../domain/hold.ts';
import type { PayoutMethod, PayoutMethodDetails } from '../domain/payout-method.ts';
import type { Payout, PayoutBatch, PayoutStatus } from '../domain/payouts.ts';
import type { LowRunwayMarker } from '../domain/renewal.ts';
import type { RenewableHold } from '../ports.ts';

/** Codecs of the billing table's items, one per kind (their keys are in items.ts). */

const HOLD_STATUSES = ['held', 'released', 'refused'] as const satisfies readonly HoldStatus[];

/** A job's hold: read on every charge, renewal and release, so only its own attributes are parsed. */
export const toHold = itemDecoder('hold', z.object({
  jobId: z.string(),
  accountId: z.string(),
  amount: storedMicroUsd,
  status: z.enum(HOLD_STATUSES),
  createdAt: z.string(),
  releasedAt: z.string().optional(),
  available: storedMicroUsd.optional(),
  endedBeforeHold: z.boolean().optional(),
  maxDurationSeconds: z.number().optional(),
  marginSeconds: z.number().optional(),
  heldTotal: storedMicroUsd.optional(),
  exhaustedAt: z.string().optional(),
}).transform((stored): Hold => {
  // Field by field: spreading a rest object of the parsed item costs far more than the parse.
  const hold: { -readonly [K in keyof Hold]: Hold[K] } = {
    jobId: stored.jobId,
    accountId: stored.accountId,
    amount: stored.amount,
    status: stored.status,
    createdAt: stored.createdAt,
  };
  if (stored.releasedAt) hold.releasedAt = stored.releasedAt;
  if (stored.available !== undefined) hold.available = stored.available;
  if (stored.endedBeforeHold) hold.endedBeforeHold = true;
  if (stored.maxDurationSeconds !== undefined) hold.maxDurationSeconds = stored.maxDurationSeconds;
  if (stored.marginSeconds !== undefined) hold.marginSeconds = stored.marginSeconds;
  if (stored.heldTotal !== undefined) hold.heldTotal = stored.heldTotal;
  if (stored.exhaustedAt !== undefined) hold.exhaustedAt = stored.exhaustedAt;
  return hold;
}));

/** A renewal pointer: the job whose hold the renewal sweep extends. */
export const toRenewableHold = itemDecoder('hold renewal pointer', z.object({
  jobId: z.string(),
  accountId: z.string(),
})) satisfies (item: Record<string, unknown>) => RenewableHold;

export const toLowRunwayMarker = itemDecoder('low-runway marker', z.object({
  accountId: z.string(),
  state: z.enum(['low', 'ok']),
  jobIds: z.array(z.string()).nullish().transform((jobIds) => jobIds ?? []),
  version: z.number().int(),
  at: z.string(),
})) satisfies (item: Record<string, unknown>) => LowRunwayMarker;

export const toMethod = itemDecoder('payout method', z.object({
  providerId: z.string(),
  method: stored<PayoutMethodDetails>(),
  threshold: absentAsNull(storedMicroUsd),
  updatedAt: z.string(),
})) satisfies (item: Record<string, unknown>) => PayoutMethod;

export const toPayout = itemDecoder('payout', z.object({
  payoutId: z.string(),
  batchId: z.string(),
  providerId: z.string(),
  amount: storedMicroUsd,
  method: stored<PayoutMethodDetails>(),
  status: z.enum(['in_transit', 'paid', 'failed'] satisfies PayoutStatus[]),
  settledBefore: z.string(),
  createdAt: z.string(),
  txnId: z.string(),
  reference: absentAsNull(z.string()),
  failureReason: absentAsNull(z.string()),
  settledAt: absentAsNull(z.string()),
  settlementTxnId: absentAsNull(z.string()),
  version: z.number().int(),
}).transform(({ txnId, settlementTxnId, ...payout }): Payout => ({ ...payout, transactionId: txnId, settlementTransactionId: settlementTxnId })));

/** A batch's or the log's pointer to a payout. */
export const toPayoutRef = itemDecoder('payout reference', z.object({ payoutId: z.string() }));

/** A provider's payout cursor: the version its next payout's write is conditioned on. */
export const toCursor = itemDecoder('payout cursor', z.object({ version: z.number().int() }));

export const toBatch = itemDecoder('payout batch', z.object({
  batchId: z.string(),
  requestedBy: z.string(),
  createdAt: z.string(),
  settledBefore: z.string(),
  payouts: absentAsNull(z.number().int()),
  total: absentAsNull(storedMicroUsd),
})) satisfies (item: Record<string, unknown>) => PayoutBatch;
