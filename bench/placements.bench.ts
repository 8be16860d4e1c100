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
 * at most once, and "placed" counts distinct jobs found scheduled afterwards. One fleet is
 * seeded once (its queues too); each round writes every host back empty and seeds fresh jobs,
 * both in BatchWriteItem calls of 25.
 */
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, BatchWriteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { queuesQuiet } from '#infra/local/quiet-mark.ts';
import { hostQueuePrefix, tables } from '#infra/topology.ts';
import { makeMatchingDeps } from '#matching/adapters/deps.ts';
import { CAPACITY_SHARDS, capacityItem, jobItem, WORK_SHARDS, workShardOf } from '#matching/adapters/items.ts';
import type { HostCapacity } from '#matching/domain/capacity.ts';
import type { Job } from '#matching/domain/job.ts';
import { poolKey, poolsOf } from '#matching/domain/pool-index.ts';
import type { MatchingDeps } from '#matching/use-cases/deps.ts';
import { emptyBatchResult, MAX_BATCH_JOBS, MAX_TRANSACTION_ITEMS, placeBatch, type BatchResult } from '#matching/use-cases/place-batch.ts';
import { documentClient } from '#platform/aws-clients.ts';
import { callCounter } from '#platform/call-counter.ts';
import { microUsd } from '#platform/money.ts';
import { dynamoDbLocalPid, processCpuSeconds } from './process-cpu.ts';
import { benchRuntime, inParallel, progress, table } from './support.ts';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '10000' }, jobs: { type: 'string', default: '10000' }, matchers: { type: 'string', default: '1,2,4' } } });
const HOSTS = Number(values.hosts);
const JOBS = Number(values.jobs);
const MATCHER_COUNTS = values.matchers.split(',').map(Number);
const MODELS = ['RTX 4090', 'RTX 3090', 'A100-SXM4-80GB', 'H100 80GB HBM3', 'L40S'];
const REGIONS = ['eu-west', 'us-east', 'ap-south'];
const MATCHER_SCOPE = 'bench: matchers (placeBatch)';
const DRAIN_SCOPE = 'bench: waiting for the job.scheduled consumers';
/** The queues of `job.scheduled`'s consumers (infra/topology.ts rules). */
const SCHEDULED_CONSUMERS = ['registry-assignments', 'logs-jobs'];

// 10,000 hosts and 3 rounds of 10,000 jobs (with their timelines and outbox items) outgrow the default heap.
process.env.GPUHIVE_DYNAMODB_HEAP_MB ??= '1024';
// The matching sweep stays off: the bench's matchers are the placers, and with no agent to
// accept, the sweep would only resend every scheduled job's messages each minute (a cost of the
// bench's length, not of placements, which an accepting fleet does not pay).
const SWEEP_OFF_SECONDS = 7 * 24 * 3600;
const runtime = await benchRuntime({ CAPACITY_CACHE_SECONDS: '5', ACCEPT_TIMEOUT_SECONDS: String(7 * 24 * 3600) }, { scheduleSeconds: { 'matching-sweep': SWEEP_OFF_SECONDS } });
try {
  const tableName = process.env[tables.matching.envVar] ?? '';
  const documents = documentClient();
  // DynamoDB Local's CPU time, read from /proc (Linux): what a placement costs it, end to end, beside what the ceiling's items cost it.
  const javaPid = dynamoDbLocalPid(runtime.endpoints.dynamodb);
  const javaCpu = () => (javaPid === undefined ? undefined : processCpuSeconds(javaPid));
  const nodeCpu = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1e6; };
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

  const BATCH_WRITE_MAX = 25;
  const writeAll = async (items: readonly Record<string, unknown>[], what: string): Promise<void> => {
    const batches = Array.from({ length: Math.ceil(items.length / BATCH_WRITE_MAX) }, (_, n) => items.slice(n * BATCH_WRITE_MAX, (n + 1) * BATCH_WRITE_MAX));
    let done = 0;
    await inParallel(batches, 8, async (batch) => {
      let pending = batch.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (UnprocessedItems?.[tableName] ?? []) as typeof pending;
      }
      done += batch.length;
      if (done % 5000 < BATCH_WRITE_MAX) progress(`  ${what}: ${done} of ${items.length}`);
    });
  };

  const hostIdOf = (n: number) => `host_b${String(n).padStart(6, '0')}`;
  progress(`creating ${HOSTS} host queues`);
  await inParallel(Array.from({ length: HOSTS }, (_, n) => n), 32, async (n) => {
    await sqs.send(new CreateQueueCommand({ QueueName: `${hostQueuePrefix('local')}${hostIdOf(n)}` }));
  });

  const seed = async (round: number): Promise<Map<string, Job[]>> => {
    const at = new Date();
    progress(`round ${round}: writing ${HOSTS} hosts back empty and seeding ${JOBS} jobs`);
    const hosts = Array.from({ length: HOSTS }, (_, n): HostCapacity => ({
      hostId: hostIdOf(n), providerId: 'acct_benchprovider01', status: 'online', listed: true, draining: false, deregistered: false,
      gpus: [0, 1].map((index) => ({ index, model: MODELS[n % MODELS.length] as string, vramMb: 24_576 })),
      pricePerGpuHour: microUsd(200_000 + (n % 50) * 10_000), region: REGIONS[Math.floor(n / MODELS.length) % REGIONS.length] as string,
      runtimes: ['docker'], reliability: 0.9 + (n % 10) / 100, snapshotAt: at.toISOString(), statusAt: at.toISOString(), live: {},
      // A fresh revision per round: the previous round's matchers are gone, the conditions hold.
      revision: 1 + round * 1_000_000,
    }));
    await writeAll(hosts.map((host) => capacityItem(host, at)), 'hosts');
    // Jobs name a model and a region: one pool each, as most renters' jobs do.
    const byPool = new Map<string, Job[]>();
    const jobs = Array.from({ length: JOBS }, (_, n): Job => {
      const model = MODELS[n % MODELS.length] as string;
      const region = REGIONS[Math.floor(n / MODELS.length) % REGIONS.length] as string;
      const job: Job = {
        jobId: `job_b${round}n${String(n).padStart(6, '0')}`, renterId: 'acct_benchrenter0001',
        spec: { image: 'busybox', env: {}, gpu: { count: 1, models: [model] }, hosts: 1, regions: [region], maxPricePerGpuHour: microUsd(900_000), maxDurationSeconds: 3600, restartPolicy: 'on-host-loss' },
        status: 'queued', statusReason: 'waiting for capacity', holdAmount: microUsd(900_000), fundsHeld: true, createdAt: at.toISOString(),
        attempt: 1, restarts: 0, notAccepted: 0, assignments: [], cost: microUsd(0), revision: 0,
      };
      const pool = poolKey(poolsOf({ gpus: [{ index: 0, model, vramMb: 0 }], region })[0]!);
      byPool.set(pool, [...(byPool.get(pool) ?? []), job]);
      return job;
    });
    await writeAll(jobs.map((job) => jobItem(job)), 'jobs');
    return byPool;
  };

  /** How many of `jobs` are scheduled now, read in BatchGetItem calls of 100. */
  const countScheduled = async (jobs: readonly Job[]): Promise<number> => {
    let scheduled = 0;
    const batches = Array.from({ length: Math.ceil(jobs.length / 100) }, (_, n) => jobs.slice(n * 100, (n + 1) * 100));
    await inParallel(batches, 4, async (batch) => {
      let keys: Record<string, unknown>[] = batch.map((job) => ({ pk: `JOB#${job.jobId}`, sk: 'JOB' }));
      while (keys.length > 0) {
        const { Responses, UnprocessedKeys } = await documents.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ProjectionExpression: '#status', ExpressionAttributeNames: { '#status': 'status' } } } }),
        );
        scheduled += (Responses?.[tableName] ?? []).filter((item) => item.status === 'scheduled').length;
        keys = (UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    });
    return scheduled;
  };

  /** Each matcher works its own pools, batch after batch, until they are empty. */
  const run = async (matchers: number, byPool: Map<string, Job[]>) => {
    const deps: MatchingDeps[] = Array.from({ length: matchers }, () => makeMatchingDeps());
    await Promise.all(deps.map((matcher) => matcher.candidates.all()));
    const loadedItems = deps.reduce((sum, matcher) => sum + matcher.candidates.itemsRead, 0);
    const work: Job[][] = Array.from({ length: matchers }, () => []);
    [...byPool.keys()].sort().forEach((pool, index) => work[index % matchers]!.push(...(byPool.get(pool) ?? [])));
    const totals = emptyBatchResult();
    const allJobs = [...byPool.values()].flat();
    let placedSoFar = 0;
    let reported = 0;
    callCounter.start();
    const cpuAtStart = { java: javaCpu(), node: nodeCpu() };
    const started = performance.now();
    // The matchers' own calls are counted in their scope; the `job.scheduled` consumers' in theirs.
    await callCounter.within(MATCHER_SCOPE, () =>
      Promise.all(
        deps.map(async (matcher, index) => {
          const mine = work[index] ?? [];
          for (let start = 0; start < mine.length; start += MAX_BATCH_JOBS) {
            const batch = await placeBatch(mine.slice(start, start + MAX_BATCH_JOBS), matcher);
            for (const key of Object.keys(totals) as (keyof BatchResult)[]) totals[key] += batch[key];
            placedSoFar += batch.placed;
            if (placedSoFar - reported >= allJobs.length / 10) {
              reported = placedSoFar;
              progress(`  placed ${placedSoFar} of ${allJobs.length} (${(placedSoFar / ((performance.now() - started) / 1000)).toFixed(0)}/s)`);
            }
          }
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    // The `job.scheduled` consumers lag behind the matchers: their calls are counted until
    // their queues are empty, so every placement's downstream writes are in the figure.
    const drainStarted = performance.now();
    await callCounter.within(DRAIN_SCOPE, async () => {
      while (!(await queuesQuiet(sqs, SCHEDULED_CONSUMERS.map((name) => runtime.queueUrls[name] ?? '')))) await setTimeout(500);
    });
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const javaAtEnd = javaCpu();
    const cpu = { java: javaAtEnd === undefined || cpuAtStart.java === undefined ? undefined : javaAtEnd - cpuAtStart.java, node: nodeCpu() - cpuAtStart.node };
    const counts = callCounter.stop();
    const byOperation = (scopes: (name: string) => boolean) => {
      const totalsByOperation = new Map<string, number>();
      for (const [name, scope] of Object.entries(counts.scopes)) {
        if (!scopes(name)) continue;
        for (const [operation, usage] of Object.entries(scope.sdk)) totalsByOperation.set(operation, (totalsByOperation.get(operation) ?? 0) + usage.calls);
      }
      return totalsByOperation;
    };
    const steadyItems = deps.reduce((sum, matcher) => sum + matcher.candidates.itemsRead, 0) - loadedItems;
    const scheduled = await countScheduled(allJobs);
    // Each placed job moves into one `work` index shard: the busiest shard's writes per second.
    const perShard = new Map<number, number>();
    for (const job of allJobs) {
      const shard = workShardOf(job.jobId);
      perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
    }
    const hottestWork = (Math.max(...perShard.values()) * (scheduled / Math.max(1, allJobs.length))) / seconds;
    return {
      matchers, seconds, totals, scheduled, steadyItems, loadedItems: loadedItems / matchers, hottestWork,
      matcherCalls: byOperation((name) => name === MATCHER_SCOPE),
      // The local pollers run consumers outside any scope: what is not the matchers' (or the
      // bench's own look at the queues) is the consumers' (of `job.scheduled` mostly) and the
      // pollers'. Receives, if counted, are left out.
      drainSeconds, cpu,
      downstreamCalls: new Map([...byOperation((name) => name !== MATCHER_SCOPE && name !== DRAIN_SCOPE)].filter(([operation]) => operation !== 'SQS.ReceiveMessage')),
    };
  };

  progress('measuring the ceiling (4-item and 100-item transactions)');
  const single = await transactionRate(4, 4);
  const javaBefore = javaCpu();
  const batched = await transactionRate(MAX_TRANSACTION_ITEMS, 4);
  const javaAfter = javaCpu();
  // DynamoDB Local's CPU seconds per item written in the ceiling's 100-item transactions (4 s of them).
  const javaPerCeilingItem = javaBefore === undefined || javaAfter === undefined ? undefined : (javaAfter - javaBefore) / (batched * 4);

  const rows: (readonly [string, string])[] = [
    ['hosts x GPUs', `${HOSTS} x 2 (${MODELS.length} models x ${REGIONS.length} regions = ${MODELS.length * REGIONS.length} pools)`],
    ['queued jobs per round', String(JOBS)],
    ['matching sweep', 'off (the bench places; no agent accepts, so it would only resend)'],
    ['ceiling: 4-item transactions', `${(single / 4).toFixed(0)} transactions/s (${single.toFixed(0)} items/s)`],
    ['ceiling: 100-item transactions', `${batched.toFixed(0)} items/s (load ${loadavg()[0]?.toFixed(1)})`],
  ];
  const sum = (calls: Map<string, number>) => [...calls.values()].reduce((total, count) => total + count, 0);
  const listed = (calls: Map<string, number>) => [...calls].sort(([, a], [, b]) => b - a).map(([operation, count]) => `${operation} ${count}`).join(', ');
  for (const [round, matchers] of MATCHER_COUNTS.entries()) {
    const byPool = await seed(round);
    progress(`round ${round}: placing with ${matchers} matcher(s)`);
    const result = await run(matchers, byPool);
    const { totals } = result;
    const itemsPerPlacement = totals.itemsWritten / Math.max(1, totals.placed);
    const ceiling = batched / itemsPerPlacement;
    const rate = result.scheduled / result.seconds;
    const perPlacement = (count: number) => (count / Math.max(1, result.scheduled)).toFixed(2);
    const hostWritesPerSecond = totals.hostWrites / result.seconds;
    rows.push(
      [`P=${matchers}: placed (distinct jobs scheduled)`, `${result.scheduled} of ${JOBS} in ${result.seconds.toFixed(1)} s (load ${loadavg()[0]?.toFixed(1)})`],
      [`P=${matchers}: placements/s`, `${rate.toFixed(0)} (ceiling ${ceiling.toFixed(0)}/s at ${itemsPerPlacement.toFixed(2)} items per placement: ${((100 * rate) / ceiling).toFixed(0)}%)`],
      [`P=${matchers}: per matcher`, `${(rate / matchers).toFixed(0)}/s`],
      [`P=${matchers}: items written per placement`, `${itemsPerPlacement.toFixed(2)} (${totals.itemsWritten} in ${totals.transactions} transactions, of which ${totals.hostWrites} hosts' capacity)`],
      [`P=${matchers}: transactions, lost races`, `${totals.transactions}, ${totals.lostRaces} (${((100 * totals.lostRaces) / Math.max(1, totals.transactions)).toFixed(1)}%)`],
      [`P=${matchers}: matcher's SDK calls per placement`, `${perPlacement(sum(result.matcherCalls))} (${listed(result.matcherCalls)})`],
      [
        `P=${matchers}: everything else's SDK calls per placement`,
        `${perPlacement(sum(result.downstreamCalls))} (the job.scheduled consumers until their queues drained ${result.drainSeconds.toFixed(1)} s after the last placement, pollers' deletes, sweeps: ${listed(result.downstreamCalls)})`,
      ],
      [
        `P=${matchers}: CPU per placement, until drained`,
        result.cpu.java === undefined || javaPerCeilingItem === undefined
          ? `this Node.js process ${((1000 * result.cpu.node) / Math.max(1, result.scheduled)).toFixed(2)} ms (DynamoDB Local's not readable here)`
          : `DynamoDB Local ${((1000 * result.cpu.java) / Math.max(1, result.scheduled)).toFixed(2)} ms, where the ceiling's ${itemsPerPlacement.toFixed(2)} items cost it ${(1000 * javaPerCeilingItem * itemsPerPlacement).toFixed(2)} ms (${((100 * javaPerCeilingItem * itemsPerPlacement * result.scheduled) / result.cpu.java).toFixed(0)}%: the most of the ceiling a DynamoDB Local-bound run reaches); this Node.js process (runtime, consumers, matchers) ${((1000 * result.cpu.node) / Math.max(1, result.scheduled)).toFixed(2)} ms`,
      ],
      [`P=${matchers}: capacity items read`, `${result.loadedItems.toFixed(0)} once per matcher at cold start; ${(result.steadyItems / Math.max(1, result.scheduled)).toFixed(3)} per placement after`],
      [
        `P=${matchers}: hottest partition keys, writes/s`,
        `work=active#<shard> ${result.hottestWork.toFixed(0)} (of ${WORK_SHARDS}); CAPACITY#<shard> ~${(hostWritesPerSecond / CAPACITY_SHARDS).toFixed(0)} (${CAPACITY_SHARDS} shards, two per pool); outbox=pending ${(totals.transactions / result.seconds).toFixed(0)} (one item per transaction); a host item: at most one write per transaction`,
      ],
    );
  }
  rows.push(['target', '>= 50% of the batched ceiling; lost races < 1%; hottest key < 1,000 writes/s']);
  table(`Placement throughput (DynamoDB Local, this machine, load at the end ${loadavg()[0]?.toFixed(1)})`, rows);
} finally {
  await runtime.stop();
}
