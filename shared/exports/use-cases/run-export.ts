import { contentTypeOf, ledgerEncoder, payoutEncoder, usageEncoder, type Encoder } from '../domain/encode.ts';
import { downloadName, type ExportJob, type ExportResult } from '../domain/export-job.ts';
import type { Period } from '../domain/period.ts';
import type { LedgerRow, PayoutRow, UsageRow } from '../domain/rows.ts';
import {
  addLedgerPayouts,
  addLedgerRows,
  addPayoutRows,
  emptyLedgerPayouts,
  emptyPayoutTotals,
  payoutDifferences,
  type LedgerPayouts,
  addLedgerUsageCharges,
  addUsageRows,
  emptyLedgerTotals,
  emptyLedgerUsageCharges,
  emptyUsageTotals,
  ledgerDifferences,
  usageDifferences,
  type LedgerUsageCharges,
} from '../domain/totals.ts';
import type { ExportsDeps } from './deps.ts';

export type RunExportOutcome =
  | { readonly outcome: 'succeeded'; readonly job: ExportJob; readonly result: ExportResult }
  /** The export is gone, finished, or was asked for again since this run was requested. */
  | { readonly outcome: 'skipped'; readonly reason: 'missing' | 'not_current' }
  | { readonly outcome: 'failed'; readonly job: ExportJob; readonly cause: unknown };

/**
 * Streams pages of rows through the encoder, counting as they pass: the header first, then
 * one chunk per page. Nothing but the current page is held.
 */
async function* encodePages<R>(
  pages: AsyncIterable<readonly R[]>,
  encoder: Encoder<R>,
  onPage: (rows: readonly R[]) => void,
): AsyncGenerator<string> {
  if (encoder.header) yield encoder.header;
  for await (const rows of pages) {
    onPage(rows);
    if (rows.length > 0) yield encoder.page(rows);
  }
}

const progressEvery = (job: ExportJob, deps: Pick<ExportsDeps, 'progress' | 'settings'>) => {
  let next = deps.settings.progressEveryRows;
  return (rows: number) => {
    if (rows < next) return;
    deps.progress({ exportId: job.exportId, rows, phase: 'rows' });
    next = (Math.floor(rows / deps.settings.progressEveryRows) + 1) * deps.settings.progressEveryRows;
  };
};

/** The ledger's usage charges for the period: read beside the usage rows, to reconcile them. */
const ledgerUsageCharges = async (period: Period, deps: Pick<ExportsDeps, 'billing'>): Promise<LedgerUsageCharges> => {
  let charges = emptyLedgerUsageCharges();
  for await (const rows of deps.billing.ledgerEntries(period)) charges = addLedgerUsageCharges(charges, rows);
  return charges;
};

const writeUsage = async (job: ExportJob, deps: ExportsDeps): Promise<ExportResult> => {
  let totals = emptyUsageTotals();
  const report = progressEvery(job, deps);
  const chunks = encodePages<UsageRow>(deps.billing.usageCharges(job.period), usageEncoder(job.format), (rows) => {
    totals = addUsageRows(totals, rows);
    report(totals.rows);
  });
  const [written, ledger] = await Promise.all([
    deps.files.write(job.fileKey, contentTypeOf(job.format), downloadName(job), chunks),
    ledgerUsageCharges(job.period, deps),
  ]);
  return { kind: 'usage', totals, ledger, differences: usageDifferences(totals, ledger), bytes: written.bytes };
};

const writeLedger = async (job: ExportJob, deps: ExportsDeps): Promise<ExportResult> => {
  let totals = emptyLedgerTotals();
  const report = progressEvery(job, deps);
  const chunks = encodePages<LedgerRow>(deps.billing.ledgerEntries(job.period), ledgerEncoder(job.format), (rows) => {
    totals = addLedgerRows(totals, rows);
    report(totals.rows);
  });
  const written = await deps.files.write(job.fileKey, contentTypeOf(job.format), downloadName(job), chunks);
  return { kind: 'ledger', totals, differences: ledgerDifferences(totals), bytes: written.bytes };
};

/** The ledger's payouts for the period: read beside the payout rows, to reconcile them. */
const ledgerPayouts = async (period: Period, deps: Pick<ExportsDeps, 'billing'>): Promise<LedgerPayouts> => {
  let payouts = emptyLedgerPayouts();
  for await (const rows of deps.billing.ledgerEntries(period)) payouts = addLedgerPayouts(payouts, rows);
  return payouts;
};

const writePayouts = async (job: ExportJob, deps: ExportsDeps): Promise<ExportResult> => {
  let totals = emptyPayoutTotals();
  const report = progressEvery(job, deps);
  const chunks = encodePages<PayoutRow>(deps.billing.payouts(job.period), payoutEncoder(job.format), (rows) => {
    totals = addPayoutRows(totals, rows);
    report(totals.rows);
  });
  const [written, ledger] = await Promise.all([
    deps.files.write(job.fileKey, contentTypeOf(job.format), downloadName(job), chunks),
    ledgerPayouts(job.period, deps),
  ]);
  return { kind: 'payouts', totals, ledger, differences: payoutDifferences(totals, ledger), bytes: written.bytes };
};

const writers: Record<ExportJob['kind'], (job: ExportJob, deps: ExportsDeps) => Promise<ExportResult>> = { usage: writeUsage, ledger: writeLedger, payouts: writePayouts };

/**
 * Runs one export (ARCHITECTURE.md, flow 6). Steps: read the export; skip it unless this is
 * its current run and it is still running (a duplicate or stale delivery changes nothing);
 * stream the period's rows, page by page, into the file (a multipart upload), summing the
 * totals as they pass; for usage, sum the ledger's usage charges for the same period beside
 * it; record rows, totals and whether they reconcile, or why the run failed. Writing the
 * same key again replaces the file, so a rerun never duplicates rows.
 */
export const runExport = async (request: { readonly exportId: string; readonly runId: string }, deps: ExportsDeps): Promise<RunExportOutcome> => {
  const job = await deps.exports.get(request.exportId);
  if (!job) return { outcome: 'skipped', reason: 'missing' };
  if (job.runId !== request.runId || job.status !== 'running') return { outcome: 'skipped', reason: 'not_current' };
  let result: ExportResult;
  try {
    result = await writers[job.kind](job, deps);
  } catch (cause) {
    await deps.exports.finish(job.exportId, job.runId, { error: 'The export could not be written; request it again.' }, deps.clock.now());
    return { outcome: 'failed', job, cause };
  }
  deps.progress({ exportId: job.exportId, rows: result.totals.rows, bytes: result.bytes, phase: 'done' });
  const finished = await deps.exports.finish(job.exportId, job.runId, { result }, deps.clock.now());
  return finished ? { outcome: 'succeeded', job, result } : { outcome: 'skipped', reason: 'not_current' };
};
