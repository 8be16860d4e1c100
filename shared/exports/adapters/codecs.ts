import { z } from 'zod';
import { chunkLinesOf } from '#billing/adapters/chunk-lines.ts';
import { absentAsNull, itemDecoder, stored } from '#platform/item-codec.ts';
import type { ExportFormat, ExportKind } from '../domain/encode.ts';
import type { ExportJob, ExportResult, ExportStatus } from '../domain/export-job.ts';
import type { LedgerRow, PayoutRow, UsageRow } from '../domain/rows.ts';

/**
 * Codecs of the items exports reads: its own table's (keys in items.ts), and billing's charge,
 * ledger and payout items as billing documents them for exports. The billing rows are read
 * once per exported row, so each codec checks only the projected attributes the row takes.
 */

export const toJob = itemDecoder('export', z.object({
  exportId: z.string(),
  kind: z.enum(['usage', 'ledger', 'payouts'] satisfies ExportKind[]),
  format: z.enum(['csv', 'jsonl'] satisfies ExportFormat[]),
  from: z.string(),
  to: z.string(),
  daily: z.boolean().optional(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  runId: z.string(),
  status: z.enum(['running', 'succeeded', 'failed'] satisfies ExportStatus[]),
  fileKey: z.string(),
  finishedAt: z.string().optional(),
  result: stored<ExportResult>().optional(),
  error: z.string().optional(),
}).transform(({ from, to, daily, finishedAt, result, error, ...job }): ExportJob => ({
  ...job,
  period: { from, to },
  daily: daily === true,
  ...(finishedAt ? { finishedAt } : {}),
  ...(result ? { result } : {}),
  ...(error ? { error } : {}),
})));

/** What an Idempotency-Key's record says it made. */
export const toExportClaim = itemDecoder('export idempotency key', z.object({ exportId: z.string(), bodyHash: z.string().optional() }));

/** An attribute billing leaves out on items written before it kept it (or on a free record). */
const optionalText = absentAsNull(z.string());
const optionalWhole = z.number().optional().transform((value) => value ?? 0);

const chargeFacts = {
  jobId: z.string(),
  assignmentId: z.string(),
  renterId: z.string(),
  providerId: z.string(),
  hostId: z.string(),
  gpuModel: optionalText,
  pricePerGpuHour: optionalWhole,
  chargedAt: z.string(),
  txnId: optionalText,
};
const recordFigures = {
  from: optionalText,
  to: optionalText,
  gpuSeconds: optionalWhole,
  amount: optionalWhole,
  providerAmount: optionalWhole,
  fee: optionalWhole,
};

type Facts = z.output<z.ZodObject<typeof chargeFacts>>;
type Figures = z.output<z.ZodObject<typeof recordFigures>> & { readonly usageRecordId: string };

/** Field by field: spreading a rest object of a parsed item costs far more than the parse, once per exported row. */
const toUsageRow = (facts: Facts, figures: Figures): UsageRow => ({
  usageRecordId: figures.usageRecordId,
  jobId: facts.jobId,
  assignmentId: facts.assignmentId,
  renterId: facts.renterId,
  providerId: facts.providerId,
  hostId: facts.hostId,
  gpuModel: facts.gpuModel,
  from: figures.from,
  to: figures.to,
  gpuSeconds: figures.gpuSeconds,
  pricePerGpuHour: facts.pricePerGpuHour,
  amount: figures.amount,
  providerAmount: figures.providerAmount,
  fee: figures.fee,
  chargedAt: facts.chargedAt,
  transactionId: facts.txnId,
});

/** A record's own charge: one row. */
const toRecordCharge = itemDecoder('charge', z.object({ usageRecordId: z.string(), ...chargeFacts, ...recordFigures }).transform((charge) => toUsageRow(charge, charge)));

/** A chunk: one row per line, each with the chunk's job, host, price, time and transaction. */
const toChunkCharge = itemDecoder('charge chunk', z.object({
  chunkId: z.string(),
  ...chargeFacts,
  lines: z.preprocess(chunkLinesOf, z.array(z.object({ usageRecordId: z.string(), ...recordFigures }))),
}).transform((chunk) => chunk.lines.map((line) => toUsageRow(chunk, line))));

/**
 * The rows of a charge item: one for a record's own charge, one per line for a chunk's. A
 * chunk's lines sum to what its transaction moved, so the rows reconcile with the ledger to the µUSD.
 * Only a chunk has `lines` (JSON text, or a list of maps if charged before: chunk-lines.ts).
 */
export const toUsageRows = (item: Record<string, unknown>): UsageRow[] => (item.lines === undefined ? [toRecordCharge(item)] : toChunkCharge(item));

export const toLedgerRow = itemDecoder('ledger entry', z.object({
  txnId: z.string(),
  entryId: z.string(),
  postedAt: z.string(),
  accountId: z.string(),
  kind: z.string(),
  amount: optionalWhole,
  reference: optionalText,
}).transform((entry): LedgerRow => ({
  transactionId: entry.txnId,
  entryId: entry.entryId,
  postedAt: entry.postedAt,
  accountId: entry.accountId,
  kind: entry.kind,
  amount: entry.amount,
  reference: entry.reference,
})));

/** A pointer of the payout log, to the payout it names. */
export const toPayoutIdOf = itemDecoder('payout log pointer', z.object({ payoutId: z.string() }).transform(({ payoutId }) => payoutId));

export const toPayoutRow = itemDecoder('payout', z.object({
  payoutId: z.string(),
  batchId: z.string(),
  providerId: z.string(),
  method: z.looseObject({ type: z.string().optional() }).optional(),
  amount: optionalWhole,
  status: z.string(),
  reference: optionalText,
  failureReason: optionalText,
  createdAt: z.string(),
  settledAt: optionalText,
  txnId: z.string(),
}).transform((payout): PayoutRow => ({
  payoutId: payout.payoutId,
  batchId: payout.batchId,
  providerId: payout.providerId,
  rail: payout.method?.type ?? '',
  amount: payout.amount,
  status: payout.status,
  reference: payout.reference,
  failureReason: payout.failureReason,
  createdAt: payout.createdAt,
  settledAt: payout.settledAt,
  transactionId: payout.txnId,
})));
