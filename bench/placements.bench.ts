/**
 * Placements per second against DynamoDB Local: HOSTS hosts and JOBS funded, queued
 * single-GPU jobs, placed in batches (`placeBatch`) by P matchers at once (each with its own
 * pool index, as separate Lambda containers would be), each working its own pools (the jobs
 * of a pool go to one matcher, as the FIFO message group would route them). Beside it, the
 * ceiling measured in the same run: what DynamoDB Local writes in 100-item transactions,
 * divided by the design's own items per placement.
 *
 *   npx tsx bench/placements.bench.ts [--hosts 10000] [--jobs 10000] [--matchers 1,2,4]
 *
 * No agent accepts, so the accept timeout is set past the bench's end: every job is placed
 * at most once, and "placed" counts distinct jobs found scheduled afterwards.
 */
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { hostQueuePrefix, tables } from '#infra/topology.ts';
import { makeMatchingDeps } from '#matching/adapters/deps.ts';
import type { HostCapacity } from '#matching/domain/capacity.ts';
import type { Job } from '#matching/domain/job.ts';
import { poolKey, poolsOf } from '#matching/domain/pool-index.ts';
import type { MatchingDeps } from '#matching/use-cases/deps.ts';
import { MAX_BATCH_JOBS, MAX_TRANSACTION_ITEMS, placeBatch, type BatchResult } from '#matching/use-cases/place-batch.ts';
import { documentClient } from '#platform/aws-clients.ts';
import { callCounter } from '#platform/call-counter.ts';
import { microUsd } from '#platform/money.ts';
import { benchRuntime, inParallel, progress, table } from './support.ts';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '10000' }, jobs: { type: 'string', default: '10000' }, matchers: { type: 'string', default: '1,2,4' } } });
const HOSTS = Number(values.hosts);
const JOBS = Number(values.jobs);
const MATCHER_COUNTS = values.matchers.split(',').map(Number);
const MODELS = ['RTX 4090', 'RTX 3090', 'A100-SXM4-80GB', 'H100 80GB HBM3', 'L40S'];
const REGIONS = ['eu-west', 'us-east', 'ap-south'];

const runtime = await benchRuntime({ CAPACITY_CACHE_SECONDS: '5', ACCEPT_TIMEOUT_SECONDS: String(7 * 24 * 3600) });
try {
  const tableName = process.env[tables.matching.envVar] ?? '';
  const documents = documentClient();
  const sqs = new SQSClient({ endpoint: runtime.endpoints.sqs, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });

  /** The store's own ceiling, this run: items/s in transactions of `size` items, `callers` at once. */
  const transactionRate = async (size: number, callers: number, seconds = 4): Promise<number> => {
    let items = 0;
    let n = 0;
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < until) {
          const batch = Array.from({ length: size }, () => ({
            Put: { TableName: tableName, Item: { pk: `CEILING#${(n += 1)}`, sk: 'CEILING', payload: 'x'.repeat(900) } },
          }));
          await documents.send(new TransactWriteCommand({ TransactItems: batch }));
          items += size;
        }
      }),
    );
    return items / seconds;
  };

  let seeded = 0;
  const seed = async (round: number): Promise<Map<string, Job[]>> => {
    const seeding = makeMatchingDeps();
    const at = new Date().toISOString();
    progress(`round ${round}: seeding ${HOSTS} hosts and ${JOBS} jobs`);
    await inParallel(Array.from({ length: HOSTS }, (_, n) => n), 32, async (n) => {
      const hostId = `host_b${round}n${String(n).padStart(6, '0')}`;
      const host: HostCapacity = {
        hostId, providerId: 'acct_benchprovider01', status: 'online', listed: true, draining: false, deregistered: false,
        gpus: [0, 1].map((index) => ({ index, model: MODELS[n % MODELS.length] as string, vramMb: 24_576 })),
        pricePerGpuHour: microUsd(200_000 + (n % 50) * 10_000), region: REGIONS[Math.floor(n / MODELS.length) % REGIONS.length] as string,
        runtimes: ['docker'], reliability: 0.9 + (n % 10) / 100, snapshotAt: at, statusAt: at, live: {}, revision: 1,
      };
      await seeding.capacity.save(host);
      await sqs.send(new CreateQueueCommand({ QueueName: `${hostQueuePrefix('local')}${hostId}` }));
    });
    // Jobs name a model and a region: one pool each, as most renters' jobs do.
    const byPool = new Map<string, Job[]>();
    await inParallel(Array.from({ length: JOBS }, (_, n) => n), 32, async (n) => {
      const model = MODELS[n % MODELS.length] as string;
      const region = REGIONS[Math.floor(n / MODELS.length) % REGIONS.length] as string;
      const job: Job = {
        jobId: `job_b${round}n${String(n).padStart(6, '0')}`, renterId: 'acct_benchrenter0001',
        spec: { image: 'busybox', env: {}, gpu: { count: 1, models: [model] }, hosts: 1, regions: [region], maxPricePerGpuHour: microUsd(900_000), maxDurationSeconds: 3600, restartPolicy: 'on-host-loss' },
        status: 'queued', statusReason: 'waiting for capacity', holdAmount: microUsd(900_000), fundsHeld: true, createdAt: at,
        attempt: 1, restarts: 0, notAccepted: 0, assignments: [], cost: microUsd(0), revision: 0,
      };
      await seeding.jobs.create(job, [], []);
      const pool = poolKey(poolsOf({ gpus: [{ index: 0, model, vramMb: 0 }], region })[0]!);
      byPool.set(pool, [...(byPool.get(pool) ?? []), job]);
    });
    seeded += HOSTS;
    return byPool;
  };

  /** Each matcher works its own pools, batch after batch, until they are empty. */
  const run = async (matchers: number, byPool: Map<string, Job[]>) => {
    const deps: MatchingDeps[] = Array.from({ length: matchers }, () => makeMatchingDeps());
    await Promise.all(deps.map((matcher) => matcher.candidates.all()));
    const loadedItems = deps.reduce((sum, matcher) => sum + matcher.candidates.itemsRead, 0);
    const work: Job[][] = Array.from({ length: matchers }, () => []);
    [...byPool.keys()].sort().forEach((pool, index) => work[index % matchers]!.push(...(byPool.get(pool) ?? [])));
    const totals: BatchResult = { placed: 0, waiting: 0, transactions: 0, lostRaces: 0, itemsWritten: 0 };
    callCounter.start();
    const started = performance.now();
    await Promise.all(
      deps.map(async (matcher, index) => {
        const mine = work[index] ?? [];
        for (let start = 0; start < mine.length; start += MAX_BATCH_JOBS) {
          const batch = await placeBatch(mine.slice(start, start + MAX_BATCH_JOBS), matcher);
          for (const key of Object.keys(totals) as (keyof BatchResult)[]) totals[key] += batch[key];
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const counts = callCounter.stop();
    const calls = Object.values(counts.scopes).flatMap((scope) => Object.entries(scope.sdk));
    const callsByOperation = new Map<string, number>();
    for (const [operation, usage] of calls) callsByOperation.set(operation, (callsByOperation.get(operation) ?? 0) + usage.calls);
    const steadyItems = deps.reduce((sum, matcher) => sum + matcher.candidates.itemsRead, 0) - loadedItems;
    const allJobs = [...byPool.values()].flat();
    const scheduled = (await Promise.all(allJobs.map((job) => deps[0]!.jobs.get(job.jobId)))).filter((job) => job?.status === 'scheduled').length;
    return { matchers, seconds, totals, scheduled, callsByOperation, steadyItems, loadedItems: loadedItems / matchers };
  };

  progress('measuring the ceiling (4-item and 100-item transactions)');
  const single = await transactionRate(4, 4);
  const batched = await transactionRate(MAX_TRANSACTION_ITEMS, 4);

  const rows: (readonly [string, string])[] = [
    ['hosts x GPUs', `${HOSTS} x 2 (${MODELS.length} models x ${REGIONS.length} regions = ${MODELS.length * REGIONS.length} pools)`],
    ['queued jobs per round', String(JOBS)],
    ['ceiling: 4-item transactions', `${(single / 4).toFixed(0)} transactions/s (${single.toFixed(0)} items/s)`],
    ['ceiling: 100-item transactions', `${batched.toFixed(0)} items/s`],
  ];
  for (const [round, matchers] of MATCHER_COUNTS.entries()) {
    const byPool = await seed(round);
    progress(`round ${round}: placing with ${matchers} matcher(s)`);
    const result = await run(matchers, byPool);
    const { totals } = result;
    const itemsPerPlacement = totals.itemsWritten / Math.max(1, totals.placed);
    const ceiling = batched / itemsPerPlacement;
    const rate = result.scheduled / result.seconds;
    const sdkCalls = [...result.callsByOperation.values()].reduce((sum, calls) => sum + calls, 0);
    rows.push(
      [`P=${matchers}: placed (distinct jobs scheduled)`, `${result.scheduled} of ${JOBS} in ${result.seconds.toFixed(1)} s`],
      [`P=${matchers}: placements/s`, `${rate.toFixed(0)} (ceiling ${ceiling.toFixed(0)}/s at ${itemsPerPlacement.toFixed(2)} items per placement: ${((100 * rate) / ceiling).toFixed(0)}%)`],
      [`P=${matchers}: per matcher`, `${(rate / matchers).toFixed(0)}/s`],
      [`P=${matchers}: transactions, lost races`, `${totals.transactions}, ${totals.lostRaces} (${((100 * totals.lostRaces) / Math.max(1, totals.transactions)).toFixed(1)}%)`],
      [`P=${matchers}: SDK calls per placement`, `${(sdkCalls / Math.max(1, result.scheduled)).toFixed(2)} (${[...result.callsByOperation].map(([operation, calls]) => `${operation} ${calls}`).join(', ')})`],
      [`P=${matchers}: capacity items read`, `${result.loadedItems.toFixed(0)} once per matcher at cold start; ${(result.steadyItems / Math.max(1, result.scheduled)).toFixed(3)} per placement after`],
      // Every placed job moves into the `work=active` index partition: one key takes every placement's write.
      [`P=${matchers}: hottest partition key`, `work=active (index), ${rate.toFixed(0)} writes/s`],
    );
  }
  rows.push(['target', '>= 50% of the batched ceiling; lost races < 1%; hottest key < 1,000 writes/s']);
  table(`Placement throughput (DynamoDB Local, this machine, load ${(await import('node:os')).loadavg()[0]?.toFixed(1)})`, rows);
  progress(`${seeded} hosts seeded in all`);
} finally {
  await runtime.stop();
}
