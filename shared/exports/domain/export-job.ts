import { ConflictError, NotFoundError } from '#platform/errors.ts';
import { extensionOf, type ExportFormat, type ExportKind } from './encode.ts';
import type { Period } from './period.ts';
import type { LedgerPayouts, LedgerTotals, LedgerUsageCharges, PayoutTotals, UsageTotals } from './totals.ts';

export type ExportStatus = 'running' | 'succeeded' | 'failed';

/** What the runner found, kept on the export when it succeeds. */
export type ExportResult =
  | { readonly kind: 'usage'; readonly totals: UsageTotals; readonly ledger: LedgerUsageCharges; readonly differences: readonly string[]; readonly bytes: number }
  | { readonly kind: 'ledger'; readonly totals: LedgerTotals; readonly differences: readonly string[]; readonly bytes: number }
  | { readonly kind: 'payouts'; readonly totals: PayoutTotals; readonly ledger: LedgerPayouts; readonly differences: readonly string[]; readonly bytes: number };

/**
 * One export: requested by finance or by the daily schedule, run by its own function. Each
 * (re)run has its own `runId`: only the run the latest request started may finish it, so a
 * late or duplicate delivery of an older request changes nothing.
 */
export interface ExportJob {
  readonly exportId: string;
  readonly kind: ExportKind;
  readonly format: ExportFormat;
  readonly period: Period;
  readonly daily: boolean;
  /** The finance account that asked, or `schedule`. */
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly runId: string;
  readonly status: ExportStatus;
  /** Where the file is (or will be) in the exports bucket. */
  readonly fileKey: string;
  readonly finishedAt?: string;
  readonly result?: ExportResult;
  /** Why it failed, as shown to finance. */
  readonly error?: string;
}

export const SCHEDULE_REQUESTER = 'schedule';

/** Every file lives under this prefix of the shared bucket (ARCHITECTURE.md: the exports context owns it). */
export const EXPORTS_PREFIX = 'exports/';

export const onDemandFileKey = (exportId: string, format: ExportFormat): string => `${EXPORTS_PREFIX}on-demand/${exportId}.${extensionOf(format)}`;

/** `exports/daily/2025/03/10/usage.csv`: the same key every time the day is written. */
export const dailyFileKey = (day: string, kind: ExportKind): string => `${EXPORTS_PREFIX}daily/${day.replaceAll('-', '/')}/${kind}.csv`;

/** `exp_daily_usage_20250310`: one export record per day and kind, rewritten by each run of the day. */
export const dailyExportId = (day: string, kind: ExportKind): string => `exp_daily_${kind}_${day.replaceAll('-', '')}`;

/** The file name a browser saves the download as. */
export const downloadName = (job: Pick<ExportJob, 'kind' | 'format' | 'period' | 'daily' | 'exportId'>): string =>
  job.daily ? `gpuhive-${job.kind}-${job.period.from.slice(0, 10)}.csv` : `gpuhive-${job.kind}-${job.exportId}.${extensionOf(job.format)}`;

export class ExportNotFoundError extends NotFoundError {
  override readonly code = 'export_not_found';
  constructor(readonly exportId: string) {
    super(`No export ${exportId}.`);
  }
}

export class IdempotencyKeyReusedError extends ConflictError {
  constructor() {
    super('idempotency_key_reused', 'This Idempotency-Key was used with another body.');
  }
}
