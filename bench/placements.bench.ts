/**
 * Placements per second against DynamoDB Local: 10,000 hosts and 10,000 funded, queued
 * single-GPU jobs, placed by several matchers at once (each with its own candidate cache,
 * as separate Lambda containers would be). Run: npx tsx bench/placements.bench.ts
 */
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseArgs } from 'node:util';
import { hostQueuePrefix } from '#infra/topology.ts';
import { makeMatchingDeps } from '#matching/adapters/deps.ts';
import type { HostCapacity } from '#matching/domain/capacity.ts';
import type { Job } from '#matching/domain/job.ts';
import { placeQueuedJobs } from '#matching/use-cases/place-jobs.ts';
import { microUsd } from '#platform/money.ts';
import { benchRuntime, inParallel, progress, table } from './support.ts';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '10000' }, jobs: { type: 'string', default: '10000' }, matchers: { type: 'string', default: '4' } } });
const HOSTS = Number(values.hosts);
const JOBS = Number(values.jobs);
const MATCHERS = Number(values.matchers);
const MODELS = ['RTX 4090', 'RTX 3090', 'A100-SXM4-80GB', 'H100 80GB HBM3', 'L40S'];

const runtime = await benchRuntime({ CAPACITY_CACHE_SECONDS: '60' });
try {
  const seeding = makeMatchingDeps();
  const sqs = new SQSClient({ endpoint: runtime.endpoints.sqs, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });
  const at = new Date().toISOString();
  progress(`seeding ${HOSTS} hosts`);
  await inParallel(Array.from({ length: HOSTS }, (_, n) => n), 32, async (n) => {
    const hostId = `host_bench${String(n).padStart(6, '0')}`;
    const host: HostCapacity = {
      hostId, providerId: 'acct_benchprovider01', status: 'online', listed: true, draining: false, deregistered: false,
      gpus: [0, 1].map((index) => ({ index, model: MODELS[n % MODELS.length] as string, vramMb: 24_576 })),
      pricePerGpuHour: microUsd(200_000 + (n % 50) * 10_000), region: ['eu-west', 'us-east', 'ap-south'][n % 3] as string,
      runtimes: ['docker'], reliability: 0.9 + (n % 10) / 100, snapshotAt: at, statusAt: at, live: {}, revision: 1,
    };
    await seeding.capacity.save(host);
    await sqs.send(new CreateQueueCommand({ QueueName: `${hostQueuePrefix('local')}${hostId}` }));
  });
  progress(`seeding ${JOBS} queued jobs`);
  await inParallel(Array.from({ length: JOBS }, (_, n) => n), 32, async (n) => {
    const job: Job = {
      jobId: `job_bench${String(n).padStart(6, '0')}`, renterId: 'acct_benchrenter0001',
      spec: { image: 'busybox', env: {}, gpu: { count: 1, models: [MODELS[n % MODELS.length] as string] }, hosts: 1, maxPricePerGpuHour: microUsd(900_000), maxDurationSeconds: 3600, restartPolicy: 'on-host-loss' },
      status: 'queued', statusReason: 'waiting for capacity', holdAmount: microUsd(900_000), fundsHeld: true, createdAt: at,
      attempt: 1, restarts: 0, notAccepted: 0, assignments: [], cost: microUsd(0), revision: 0,
    };
    await seeding.jobs.create(job, [], []);
  });

  const matchers = Array.from({ length: MATCHERS }, () => makeMatchingDeps());
  await Promise.all(matchers.map((deps) => deps.candidates.all()));
  progress(`placing with ${MATCHERS} matchers`);
  const started = performance.now();
  let placed = 0;
  for (;;) {
    const results = await Promise.all(matchers.map((deps) => placeQueuedJobs(deps, 100)));
    const round = results.reduce((sum, result) => sum + result.placed, 0);
    placed += round;
    if (round === 0) break;
    progress(`${placed} placed, ${(placed / ((performance.now() - started) / 1000)).toFixed(0)} per second`);
  }
  const seconds = (performance.now() - started) / 1000;
  table('Placement throughput (DynamoDB Local, this machine)', [
    ['hosts x GPUs', `${HOSTS} x 2`],
    ['queued jobs', String(JOBS)],
    ['matchers in parallel', String(MATCHERS)],
    ['placed', String(placed)],
    ['seconds', seconds.toFixed(1)],
    ['placements per second', (placed / seconds).toFixed(0)],
    ['target', '>= 1,000 per second'],
  ]);
} finally {
  await runtime.stop();
}
