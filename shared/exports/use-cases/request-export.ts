import { newEvent } from '#events/define.ts';
import { event as exportRequested } from '#events/exports/export-requested.ts';
import { ValidationError } from '#platform/errors.ts';
import { newId } from '#platform/ids.ts';
import type { ExportFormat, ExportKind } from '../domain/encode.ts';
import { IdempotencyKeyReusedError, onDemandFileKey, type ExportJob, type ExportStatus } from '../domain/export-job.ts';
import { checkSpan, type Period } from '../domain/period.ts';
import type { IdempotencyClaim } from '../ports.ts';
import type { ExportsDeps } from './deps.ts';

export interface ExportRequest {
  readonly kind: ExportKind;
  readonly format: ExportFormat;
  readonly period: Period;
}

/** The event that hands an export's run to the runner. */
export const requestedEvent = (job: ExportJob, at: Date) =>
  newEvent(
    exportRequested,
    { exportId: job.exportId, runId: job.runId, kind: job.kind, format: job.format, from: job.period.from, to: job.period.to, daily: job.daily },
    at,
  );

/**
 * Starts an export for finance. Steps: check the period's span against the configured bound
 * (400 naming `to`); record the export as `running` with its file's key
 * and `export.requested` in one write (the outbox publishes it; the runner, in its own
 * function, writes the file), once per Idempotency-Key: the same key and body answer the
 * same export, another body is a 409. Emits `export.requested`.
 */
export const requestExport = async (
  request: ExportRequest,
  requestedBy: string,
  claim: IdempotencyClaim | undefined,
  deps: Pick<ExportsDeps, 'exports' | 'clock' | 'settings'>,
): Promise<{ readonly exportId: string; readonly status: ExportStatus }> => {
  const tooLong = checkSpan(request.period.from, request.period.to, deps.settings.maxPeriodDays);
  if (tooLong) throw new ValidationError([tooLong]);
  const now = deps.clock.now();
  const exportId = newId('exp', now);
  const job: ExportJob = {
    exportId,
    kind: request.kind,
    format: request.format,
    period: request.period,
    daily: false,
    requestedBy,
    requestedAt: now.toISOString(),
    runId: newId('run', now),
    status: 'running',
    fileKey: onDemandFileKey(exportId, request.format),
  };
  const created = await deps.exports.create(job, requestedEvent(job, now), claim);
  if (created.outcome === 'created') return { exportId, status: job.status };
  if (!created.sameBody) throw new IdempotencyKeyReusedError();
  const existing = await deps.exports.get(created.exportId);
  return { exportId: created.exportId, status: existing?.status ?? 'running' };
};
