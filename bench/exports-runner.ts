/**
 * The exports runner alone in its own process, as its Lambda runs it, so that its peak RSS is
 * its own (the local S3 holds the uploaded file in the memory of the process that runs it:
 * the bench's parent). Prints one JSON line. Used by bench/exports.bench.ts.
 */
import { makeExportsDeps } from '#exports/adapters/deps.ts';
import { runExport } from '#exports/use-cases/run-export.ts';

const [exportId = '', runId = ''] = process.argv.slice(2);
const deps = makeExportsDeps();
const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
const started = performance.now();
const outcome = await runExport({ exportId, runId }, deps);
const seconds = (performance.now() - started) / 1000;
if (outcome.outcome !== 'succeeded') {
  process.stderr.write(`export ${exportId}: ${outcome.outcome} ${outcome.outcome === 'failed' ? String(outcome.cause) : outcome.reason}\n`);
  process.exit(1);
}
process.stdout.write(
  `${JSON.stringify({
    rows: outcome.result.totals.rows,
    bytes: outcome.result.bytes,
    seconds,
    baselineRssMb,
    // Linux reports the peak resident set in kilobytes.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    differences: outcome.result.differences,
  })}\n`,
);
