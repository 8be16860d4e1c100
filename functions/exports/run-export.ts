import { logger, makeExportsDeps } from '#exports/adapters/deps.ts';
import { runExport } from '#exports/use-cases/run-export.ts';
import { event as exportRequested } from '#events/exports/export-requested.ts';
import { eventConsumer } from '#platform/consumer.ts';

const deps = makeExportsDeps();

/**
 * `export.requested` -> write the export's file and record its totals. A repeated or stale
 * delivery is skipped; a failed run is recorded as `failed` (finance can ask again), not retried.
 */
export const handler = eventConsumer(logger, [exportRequested], async ({ detail }) => {
  logger.appendKeys({ exportId: detail.exportId });
  logger.info('export run started', { kind: detail.kind, format: detail.format, from: detail.from, to: detail.to, daily: detail.daily });
  const started = Date.now();
  const result = await runExport(detail, deps);
  const seconds = (Date.now() - started) / 1000;
  if (result.outcome === 'failed') {
    logger.error('export failed', { error: result.cause as Error, seconds });
  } else if (result.outcome === 'skipped') {
    logger.info('export run skipped', { reason: result.reason });
  } else {
    const rows = result.result.totals.rows;
    logger.info('export succeeded', {
      rows,
      bytes: result.result.bytes,
      seconds,
      rowsPerSecond: seconds > 0 ? Math.round(rows / seconds) : rows,
      reconciled: result.result.differences.length === 0,
      ...(result.result.differences.length > 0 ? { differences: result.result.differences } : {}),
    });
  }
  logger.removeKeys(['exportId']);
});
