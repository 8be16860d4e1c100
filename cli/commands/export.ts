import type { ExportResponse, RequestExportRequest, StartedExportResponse } from '../../shared/contract/exports.ts';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { idempotencyKey, type ApiClient, type Fetch } from '../api.ts';
import { enumFlag, intFlag, noPositionals, stringFlag, type Command, type Context } from '../command.ts';
import { CliFailure, ExitCode, UsageError } from '../errors.ts';
import { bytes, progressBar } from '../format.ts';
import { line, printJson, redrawLine } from '../output.ts';

/** `GET /v1/finance/exports/{exportId}`: the wire contract's type (shared/contract/exports.ts). */
export type ExportStatus = ExportResponse;

/** Polls the export until it is no longer running; exit code 6 past the deadline. */
export const waitForExport = async (context: Context, api: ApiClient, exportId: string, intervalMs: number, timeoutSeconds: number): Promise<ExportStatus> => {
  const deadline = context.now().getTime() + timeoutSeconds * 1000;
  for (;;) {
    const status = await api.get<ExportStatus>(`/v1/finance/exports/${encodeURIComponent(exportId)}`);
    if (status.status !== 'running') return status;
    if (context.now().getTime() >= deadline) throw new CliFailure(`Gave up after ${timeoutSeconds} s: export ${exportId} is still running.`, ExitCode.timeout);
    await context.sleep(intervalMs);
  }
};

/**
 * Streams the file at `url` (a signed URL: no API key is sent) into `path`, through a
 * temporary file renamed at the end, calling `onProgress` as bytes arrive.
 */
export const download = async (fetchFn: Fetch, url: string, path: string, onProgress: (done: number, total: number | undefined) => void): Promise<number> => {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new CliFailure(`Cannot download the export file: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`, ExitCode.unavailable);
  }
  if (!response.ok || !response.body) {
    const expired = response.status === 403 ? ' (the signed URL may have expired: run the export again)' : '';
    throw new CliFailure(`The export file could not be downloaded: HTTP ${response.status}${expired}.`, response.status >= 500 ? ExitCode.unavailable : ExitCode.apiRefused);
  }
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const temporary = `${path}.part`;
  const file = createWriteStream(temporary, { mode: 0o600 });
  let done = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
      done += chunk.byteLength;
      onProgress(done, total);
    }
    await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
    await rename(temporary, path);
  } catch (error) {
    file.destroy();
    await rm(temporary, { force: true });
    throw new CliFailure(`The download of the export file failed: ${(error as Error).message}`, ExitCode.unavailable);
  }
  return done;
};

export const exportSummary = (status: ExportStatus, path: string, size: number): string => {
  const totals = status.totals ? Object.entries(status.totals).map(([name, value]) => `${name} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`).join(', ') : '-';
  return [
    `Export ${status.exportId}: ${status.rows ?? '?'} rows, ${bytes(size)} saved to ${path}`,
    `Totals: ${totals}`,
    `Reconciled with the ledger: ${status.reconciled === undefined ? 'unknown' : status.reconciled ? 'yes' : 'NO'}`,
  ].join('\n');
};

export const exportCommand: Command = {
  name: 'export',
  summary: 'Finance: export usage, ledger or payout rows for a period, wait for the file and download it.',
  options: {
    kind: { type: 'string', value: 'KIND', description: 'usage, ledger or payouts (required)' },
    from: { type: 'string', value: 'TIME', description: 'start of the period, a date or ISO time (required)' },
    to: { type: 'string', value: 'TIME', description: 'end of the period (required)' },
    format: { type: 'string', value: 'FORMAT', description: 'csv (default) or jsonl' },
    out: { type: 'string', short: 'o', value: 'FILE', description: 'where to save the file (default: <kind>-<from>-<to>.<format> here)' },
    timeout: { type: 'string', value: 'SECONDS', description: 'give up waiting for the export after SECONDS (default 600; exit code 6)' },
  },
  details: 'Example:\n  gpuhive export --kind usage --from 2026-11-01 --to 2026-12-01 --out usage-november.csv',
  async run(context, input) {
    noPositionals(input);
    const kind = enumFlag(input, 'kind', ['usage', 'ledger', 'payouts'] as const);
    const from = stringFlag(input, 'from');
    const to = stringFlag(input, 'to');
    if (!kind || !from || !to) throw new UsageError('Give --kind usage|ledger|payouts, --from and --to.', 'export');
    const format = enumFlag(input, 'format', ['csv', 'jsonl'] as const) ?? 'csv';
    const timeout = intFlag(input, 'timeout', 1, 24 * 3600) ?? 600;
    const out = stringFlag(input, 'out') ?? `${kind}-${from}-${to}.${format}`.replace(/[:/\\]/g, '');
    const api = await context.api();
    const started = await api.post<StartedExportResponse>('/v1/finance/exports', { kind, from, to, format } satisfies RequestExportRequest, idempotencyKey());
    if (!context.json) context.output.err(`Export ${started.exportId} ${started.status}...\n`);
    const status = await waitForExport(context, api, started.exportId, 1000, timeout);
    if (status.status !== 'succeeded' || !status.url) {
      if (context.json) printJson(context.output, status);
      throw new CliFailure(`Export ${status.exportId} ended ${status.status}${typeof status.error === 'string' ? `: ${status.error}` : ''}.`, ExitCode.jobNotSucceeded);
    }
    let lastDrawn = 0;
    const size = await download(context.fetch, status.url, out, (done, total) => {
      if (!context.output.interactive) return;
      const now = Date.now();
      if (now - lastDrawn < 100 && done !== total) return;
      lastDrawn = now;
      redrawLine(context.output, progressBar(done, total, context.output.columns));
    });
    if (context.output.interactive) context.output.err('\n');
    if (context.json) printJson(context.output, { ...status, file: out, bytes: size });
    else line(context.output, exportSummary(status, out, size));
    return 0;
  },
};
