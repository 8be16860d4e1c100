import type { ExportKind } from '../domain/encode.ts';
import { SCHEDULE_REQUESTER, dailyExportId, dailyFileKey, type ExportJob } from '../domain/export-job.ts';
import { dayBefore, dayPeriod } from '../domain/period.ts';
import { newId } from '#platform/ids.ts';
import { requestedEvent } from './request-export.ts';
import type { ExportsDeps } from './deps.ts';

const KINDS: readonly ExportKind[] = ['usage', 'ledger'];
const DAY_MS = 86_400_000;
/** A daily run still `running` after this long is taken for lost (its retries are long over) and started again. */
const STALE_RUN_MS = 6 * 3600 * 1000;

export interface DailyRun {
  readonly day: string;
  readonly kind: ExportKind;
  readonly exportId: string;
}

/** The days the schedule looks after: yesterday (once it has been over for the delay) and the catch-up days before it. */
export const dailyTargets = (now: Date, settings: Pick<ExportsDeps['settings'], 'dailyCatchUpDays' | 'dailyDelaySeconds'>): string[] => {
  const latest = dayBefore(new Date(now.getTime() - settings.dailyDelaySeconds * 1000));
  return Array.from({ length: settings.dailyCatchUpDays + 1 }, (_, back) => new Date(Date.parse(`${latest}T00:00:00Z`) - back * DAY_MS).toISOString().slice(0, 10)).reverse();
};

const needsRun = async (job: ExportJob | undefined, now: Date, deps: Pick<ExportsDeps, 'files'>): Promise<boolean> => {
  if (!job || job.status === 'failed') return true;
  if (job.status === 'running') return now.getTime() - Date.parse(job.requestedAt) > STALE_RUN_MS;
  return !(await deps.files.exists(job.fileKey));
};

/**
 * The daily exports: yesterday's usage and ledger as CSV under `exports/daily/yyyy/mm/dd/`.
 * Steps: for each target day and kind, start a run of the day's export (its id and file key
 * are the day's own, so a run rewrites the same file and never adds rows) unless it already
 * succeeded and its file is there, or a run is under way. Given `days`, those days are
 * written again whatever their state. Each run is `export.requested` through the outbox;
 * the runner writes the files. Emits `export.requested`.
 */
export const scheduleDailyExports = async (
  deps: Pick<ExportsDeps, 'exports' | 'files' | 'clock' | 'settings'>,
  options: { readonly days?: readonly string[] } = {},
): Promise<DailyRun[]> => {
  const now = deps.clock.now();
  const force = options.days !== undefined;
  const started: DailyRun[] = [];
  for (const day of options.days ?? dailyTargets(now, deps.settings)) {
    for (const kind of KINDS) {
      const exportId = dailyExportId(day, kind);
      if (!force && !(await needsRun(await deps.exports.get(exportId), now, deps))) continue;
      const job: ExportJob = {
        exportId,
        kind,
        format: 'csv',
        period: dayPeriod(day),
        daily: true,
        requestedBy: SCHEDULE_REQUESTER,
        requestedAt: now.toISOString(),
        runId: newId('run', now),
        status: 'running',
        fileKey: dailyFileKey(day, kind),
      };
      await deps.exports.restart(job, requestedEvent(job, now));
      started.push({ day, kind, exportId });
    }
  }
  return started;
};
