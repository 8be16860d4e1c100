import { addSeconds } from '#platform/clock.ts';
import type { Page } from '#platform/pagination.ts';
import { ExportNotFoundError, type ExportJob } from '../domain/export-job.ts';
import type { ExportsDeps } from './deps.ts';

/**
 * An export as finance sees it: a succeeded export whose file is still there carries a
 * download URL; one whose file is gone (expired by the bucket's lifecycle, or lost with the
 * local in-memory S3 at a restart) is `expired`, and can be requested again.
 */
export type ExportFile =
  | { readonly state: 'available'; readonly url: string; readonly urlExpiresAt: string }
  | { readonly state: 'expired' }
  | { readonly state: 'none' };

export interface ExportWithFile {
  readonly job: ExportJob;
  readonly file: ExportFile;
}

const withFile = async (job: ExportJob, deps: Pick<ExportsDeps, 'files' | 'clock' | 'settings'>): Promise<ExportWithFile> => {
  if (job.status !== 'succeeded') return { job, file: { state: 'none' } };
  if (!(await deps.files.exists(job.fileKey))) return { job, file: { state: 'expired' } };
  const expiresAt = addSeconds(deps.clock.now(), deps.settings.urlTtlSeconds);
  const url = await deps.files.signedUrl(job.fileKey, deps.settings.urlTtlSeconds);
  return { job, file: { state: 'available', url, urlExpiresAt: expiresAt.toISOString() } };
};

/** One export, with a fresh download URL when its file is there. Finance sees every export. */
export const getExport = async (exportId: string, deps: Pick<ExportsDeps, 'exports' | 'files' | 'clock' | 'settings'>): Promise<ExportWithFile> => {
  const job = await deps.exports.get(exportId);
  if (!job) throw new ExportNotFoundError(exportId);
  return withFile(job, deps);
};

/** Exports newest first, daily ones included, each as `getExport` shows it. */
export const listExports = async (
  limit: number,
  cursor: string | undefined,
  deps: Pick<ExportsDeps, 'exports' | 'files' | 'clock' | 'settings'>,
): Promise<Page<ExportWithFile>> => {
  const page = await deps.exports.list(limit, cursor);
  return { items: await Promise.all(page.items.map((job) => withFile(job, deps))), nextCursor: page.nextCursor };
};
