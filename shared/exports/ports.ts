import type { DomainEvent } from '#events/define.ts';
import type { Page } from '#platform/pagination.ts';
import type { ExportJob, ExportResult } from './domain/export-job.ts';
import type { Period } from './domain/period.ts';
import type { LedgerRow, PayoutRow, UsageRow } from './domain/rows.ts';

/** An Idempotency-Key on a request, and the hash of the body it came with. */
export interface IdempotencyClaim {
  readonly key: string;
  readonly bodyHash: string;
}

export type CreateExportResult =
  | { readonly outcome: 'created' }
  /** The key was used before: by the same body (that export's id) or by another. */
  | { readonly outcome: 'key_used'; readonly exportId: string; readonly sameBody: boolean };

/** The exports context's own table. */
export interface ExportStore {
  /** Records a new export and its `export.requested` in one write (once per Idempotency-Key, when one is given). */
  create(job: ExportJob, event: DomainEvent, claim?: IdempotencyClaim): Promise<CreateExportResult>;
  /** Records a (re)run of an export whose id is fixed (a day's), replacing the record, with its event. */
  restart(job: ExportJob, event: DomainEvent): Promise<void>;
  get(exportId: string): Promise<ExportJob | undefined>;
  /** Newest first. */
  list(limit: number, cursor?: string): Promise<Page<ExportJob>>;
  /** Finishes the run `runId`, only while it is still the export's current run; false otherwise. */
  finish(exportId: string, runId: string, outcome: { readonly result: ExportResult } | { readonly error: string }, at: Date): Promise<boolean>;
}

/**
 * Billing's read-only port (ARCHITECTURE.md): its usage charges and ledger entries by the
 * time the money moved, page by page in time order, so no caller holds a whole period.
 */
export interface BillingReader {
  usageCharges(period: Period): AsyncIterable<readonly UsageRow[]>;
  ledgerEntries(period: Period): AsyncIterable<readonly LedgerRow[]>;
  /** Payouts made in the period (by `createdAt`), with their status now. */
  payouts(period: Period): AsyncIterable<readonly PayoutRow[]>;
}

/** The exports prefix of the bucket. */
export interface ExportFiles {
  /** Streams the chunks into the file at `key` (a multipart upload for large files); resolves with its size. */
  write(key: string, contentType: string, downloadName: string, chunks: AsyncIterable<string>): Promise<{ readonly bytes: number }>;
  exists(key: string): Promise<boolean>;
  /** A GET URL for the file, valid for `expiresInSeconds`. */
  signedUrl(key: string, expiresInSeconds: number): Promise<string>;
}

/** What a run reports as it goes (the adapter logs it). */
export interface ExportProgress {
  (update: { readonly exportId: string; readonly rows: number; readonly bytes?: number; readonly phase: 'rows' | 'done' }): void;
}
