/**
 * Exporting usage rows locally: rows per second and the runner's peak RSS, for each row count
 * side by side (default 100,000 and 1,000,000; target: peak RSS under 300 MB, flat in the row
 * count). The rows are CHARGE items seeded into billing's table with BatchWriteItem, one UTC
 * day per size; the runner then streams the day to the local S3 as CSV in its own process.
 * Seeding a million rows takes minutes on a small machine, and DynamoDB Local a heap of a
 * few GB (`GPUHIVE_DYNAMODB_HEAP_MB`, 3072 here).
 *
 *   npx tsx bench/exports.bench.ts [--rows 100000,1000000] [--format csv|jsonl]
 *   EXPORTS_BENCH_ROWS=100000,300000 npm run bench -- exports
 *
 * The ledger is not seeded (3 entries a charge would triple the seeding), so the runner's
 * reconciliation pass reads an empty ledger and reports the difference; the figures are the
 * usage stream's.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '#platform/aws-clients.ts';
import { makeExportsDeps } from '#exports/adapters/deps.ts';
import { dayPeriod } from '#exports/domain/period.ts';
import { requestExport } from '#exports/use-cases/request-export.ts';
import { startLocalRuntime } from '#infra/local/runtime.ts';
import { tables, topology } from '#infra/topology.ts';
import { inParallel, progress, table } from './support.ts';

// Options as flags when run alone, or as variables through `npm run bench` (which passes no flags on).
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.EXPORTS_BENCH_ROWS ?? '100000,1000000' },
    format: { type: 'string', default: process.env.EXPORTS_BENCH_FORMAT ?? 'csv' },
  },
});
const sizes = values.rows.split(',').map(Number);
if (sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`--rows must be positive whole numbers, such as 100000,1000000`);
const format = values.format === 'jsonl' ? 'jsonl' : 'csv';

process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
// Without the runner's queue and the schedules: the runner runs in a child process below, alone.
// In memory, with a heap that holds a million charges (DynamoDB Local's default 256 MB does not; on disk, seeding crawls).
process.env.GPUHIVE_DYNAMODB_HEAP_MB ??= '3072';
const runtime = await startLocalRuntime({
  inMemory: true,
  port: 0,
  log: () => undefined,
  topology: { ...topology, queues: topology.queues.filter((queue) => queue.name !== 'exports-run'), rules: topology.rules.filter((rule) => rule.queue !== 'exports-run'), schedules: [] },
});

const documents = documentClient();
const billingTable = process.env[tables.billing.envVar] ?? '';

/** `n` charges of 1 GPU-minute at $0.90/h, evenly through the day, written 25 at a time. */
const seed = async (day: string, n: number): Promise<void> => {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  const step = 86_400_000 / n;
  const batches = Math.ceil(n / 25);
  let written = 0;
  await inParallel(Array.from({ length: batches }, (_, b) => b), 8, async (b) => {
    const items = Array.from({ length: Math.min(25, n - b * 25) }, (_, k) => {
      const index = b * 25 + k;
      const chargedAt = new Date(start + Math.floor(index * step)).toISOString();
      const usageRecordId = `use_bench_${day}_${String(index).padStart(8, '0')}`;
      return {
        PutRequest: {
          Item: {
            pk: `CHARGE#${usageRecordId}`, sk: 'CHARGE', usageRecordId, jobId: `job_bench_${index % 1000}`, assignmentId: `asg_bench_${index % 1000}`,
            renterId: `acct_renter_${index % 50}`, providerId: `acct_provider_${index % 20}`, hostId: `host_bench_${index % 200}`, gpuModel: 'H100 80GB HBM3',
            from: new Date(Date.parse(chargedAt) - 60_000).toISOString(), to: chargedAt, gpuSeconds: 60, pricePerGpuHour: 900_000,
            amount: 15_000, providerAmount: 13_500, fee: 1_500, fromHold: 0, txnId: `txn_bench_${index}`, chargedAt, jobCost: 15_000,
            gsi1pk: `CHARGES#${day}`, gsi1sk: `${chargedAt}#${usageRecordId}`,
          },
        },
      };
    });
    let pending: typeof items | undefined = items;
    while (pending && pending.length > 0) {
      const result: BatchWriteCommandOutput = await documents.send(new BatchWriteCommand({ RequestItems: { [billingTable]: pending } }));
      pending = result.UnprocessedItems?.[billingTable] as typeof items | undefined;
    }
    written += items.length;
    if (written % 50_000 < 25) progress(`${day}: ${written} of ${n} rows seeded`);
  });
};

/** The runner in its own process; asynchronously, since the local S3 it uploads to runs in this one. */
const runner = (exportId: string, runId: string): Promise<{ status: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'bench/exports-runner.ts', exportId, runId], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });

const results: { rows: number; seconds: number; peakRssMb: number; baselineRssMb: number; bytes: number }[] = [];
try {
  const deps = makeExportsDeps();
  for (const [index, size] of sizes.entries()) {
    const day = `2025-01-${String(index + 1).padStart(2, '0')}`;
    progress(`seeding ${size} usage charges on ${day}`);
    const seedStart = performance.now();
    await seed(day, size);
    progress(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; exporting`);
    const { exportId } = await requestExport({ kind: 'usage', format, period: dayPeriod(day) }, 'bench', undefined, deps);
    const job = await deps.exports.get(exportId);
    const run = await runner(exportId, job?.runId ?? '');
    if (run.status !== 0) throw new Error(`the runner failed: ${run.stderr}`);
    const figures = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
    if (figures.rows !== size) throw new Error(`exported ${figures.rows} rows, seeded ${size}`);
    results.push(figures);
  }
} finally {
  await runtime.stop();
}

table(
  `Usage export, ${format.toUpperCase()}, local S3 (target: peak RSS < 300 MB, flat in the row count)`,
  results.map((r) => [
    `${r.rows.toLocaleString('en-US')} rows`,
    `${Math.round(r.rows / r.seconds).toLocaleString('en-US')} rows/s (${r.seconds.toFixed(1)} s, ${(r.bytes / 2 ** 20).toFixed(0)} MiB); peak RSS ${r.peakRssMb.toFixed(0)} MB (${r.baselineRssMb.toFixed(0)} MB before the run)`,
  ]),
);
