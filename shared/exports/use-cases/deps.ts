import type { Clock } from '#platform/clock.ts';
import type { BillingReader, ExportFiles, ExportProgress, ExportStore } from '../ports.ts';

export interface ExportsDeps {
  readonly exports: ExportStore;
  readonly billing: BillingReader;
  readonly files: ExportFiles;
  readonly clock: Clock;
  readonly progress: ExportProgress;
  readonly settings: ExportsSettings;
}

export interface ExportsSettings {
  /** How long a download URL works. */
  readonly urlTtlSeconds: number;
  /** The longest period one export may cover. */
  readonly maxPeriodDays: number;
  /** Days before yesterday that the daily schedule checks and writes again if their files are missing. */
  readonly dailyCatchUpDays: number;
  /** How long after midnight UTC the day before is written, so charges committing at midnight are in. */
  readonly dailyDelaySeconds: number;
  /** A progress line every this many rows. */
  readonly progressEveryRows: number;
}
