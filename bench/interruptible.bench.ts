/**
 * What the interruptible tier does to a marketplace (docs/interruptible.md): a simulated fleet
 * of 1,000 hosts over hours of a mixed stream, placed by matching's own domain code (the pool
 * index, the preemption planner, the batch order), once with on-demand work only and once
 * with bidders too, printed side by side:
 * - the share of the fleet's GPU-seconds sold (on-demand, and bids as billed: to the exit or
 *   the deadline, whichever is first);
 * - on-demand waits, p50/p99/max: from arrival to placement, and to the start (a preempted
 *   job checkpoints for a few seconds, at most the grace, before its GPUs are free).
 *
 *   npx tsx bench/interruptible.bench.ts [--hosts 1000] [--hours 6] [--bidders 400] [--seed 7]
 *
 * The same seeded on-demand stream in both runs. Time moves in steps of `STEP_SECONDS`, so
 * each wait carries up to one step of rounding in both runs alike. A report: it never fails.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { release, reserve, type HostCapacity } from '#matching/domain/capacity.ts';
import type { Requirements } from '#matching/domain/placement.ts';
import { PoolIndex } from '#matching/domain/pool-index.ts';
import { ANY_LIST_PRICE } from '#matching/domain/interruptible.ts';
import { DEFAULT_PREEMPTION_SETTINGS, planPreemption, placementOrder } from '#matching/domain/preemption.ts';
import { microUsd, type MicroUsd } from '#platform/money.ts';
import { percentile, table } from './support.ts';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    hours: { type: 'string', default: '6' },
    bidders: { type: 'string', default: '400' },
    seed: { type: 'string', default: '7' },
  },
});
const HOSTS = Number(values.hosts);
const HOURS = Number(values.hours);
const BIDDERS = Number(values.bidders);
const SEED = Number(values.seed);
const STEP_SECONDS = 5;
const { graceSeconds: GRACE, minRunSeconds: MIN_RUN } = DEFAULT_PREEMPTION_SETTINGS;

const generator = (seed: number) => {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};
const exponential = (random: () => number, mean: number) => -Math.log(1 - random()) * mean;

const MODELS = [
  { model: 'RTX 4090', vramMb: 24_564, price: 400_000 },
  { model: 'A100-SXM4-80GB', vramMb: 81_920, price: 1_300_000 },
  { model: 'H100 80GB HBM3', vramMb: 81_559, price: 2_200_000 },
] as const;
const SIZES = [1, 2, 4, 8] as const;

const fleet = (): HostCapacity[] => {
  const random = generator(SEED);
  return Array.from({ length: HOSTS }, (_, n) => {
    const { model, vramMb, price } = MODELS[Math.floor(random() * MODELS.length)] as (typeof MODELS)[number];
    const size = SIZES[Math.floor(random() * SIZES.length)] as number;
    return {
      hostId: `host_${String(n).padStart(5, '0')}`,
      providerId: 'acct_provider',
      status: 'online',
      listed: true,
      draining: false,
      deregistered: false,
      gpus: Array.from({ length: size }, (_, index) => ({ index, model, vramMb })),
      pricePerGpuHour: microUsd(Math.round(price * (0.8 + random() * 0.4))),
      region: 'eu-west',
      runtimes: ['docker'],
      reliability: 0.9 + random() * 0.1,
      snapshotAt: '2026-01-01T00:00:00.000Z',
      statusAt: '2026-01-01T00:00:00.000Z',
      live: {},
      revision: 1,
    };
  });
};

interface Work {
  readonly jobId: string;
  readonly arrival: number;
  readonly model: string;
  readonly gpus: number;
  /** Seconds of running it still needs. */
  remaining: number;
  readonly bid?: MicroUsd;
}

/** On-demand arrivals: a day's swing (busy peaks, quiet troughs), the same in both runs. */
const onDemandStream = (capacityGpus: number): Work[] => {
  const random = generator(SEED + 1);
  const horizon = HOURS * 3600;
  const meanSeconds = 1800;
  const meanGpus = 2.5;
  const stream: Work[] = [];
  for (let t = 0, n = 0; t < horizon; ) {
    // Offered load swings between 35% and 95% of the fleet over 6 hours.
    const load = 0.65 + 0.3 * Math.sin((2 * Math.PI * t) / (6 * 3600));
    const ratePerSecond = (load * capacityGpus) / (meanSeconds * meanGpus);
    t += exponential(random, 1 / ratePerSecond);
    const { model } = MODELS[Math.floor(random() * MODELS.length)] as (typeof MODELS)[number];
    const gpus = [1, 1, 2, 4, 4][Math.floor(random() * 5)] as number;
    stream.push({ jobId: `job_od${n++}`, arrival: t, model, gpus, remaining: Math.max(60, exponential(random, meanSeconds)) });
  }
  return stream;
};

interface Running {
  readonly work: Work;
  readonly placements: { hostId: string; assignmentId: string }[];
  readonly startedAt: number;
  /** A preempted bid: its GPUs free at `freeAt`; billed to `freeAt` (its exit, before the deadline). */
  freeAt?: number;
}

const simulate = (withTier: boolean) => {
  const index = new PoolIndex();
  const hosts = fleet();
  for (const host of hosts) index.upsert(host);
  const capacityGpus = hosts.reduce((sum, host) => sum + host.gpus.length, 0);
  const stream = onDemandStream(capacityGpus);
  const random = generator(SEED + 2);
  const horizon = HOURS * 3600;
  let bidderCount = 0;
  const newBid = (t: number): Work => {
    const { model, price } = MODELS[Math.floor(random() * MODELS.length)] as (typeof MODELS)[number];
    return { jobId: `job_bid${bidderCount++}`, arrival: t, model, gpus: [1, 2, 4][Math.floor(random() * 3)] as number, remaining: exponential(random, 7200), bid: microUsd(Math.round(price * (0.5 + random() * 0.4))) };
  };
  const queue: Work[] = withTier ? Array.from({ length: BIDDERS }, () => newBid(0)) : [];
  const running = new Map<string, Running>();
  const waitsToPlace: number[] = [];
  const waitsToStart: number[] = [];
  let soldGpuSeconds = 0;
  let bidGpuSeconds = 0;
  let preemptions = 0;
  let revenue = 0;
  let next = 0;

  const requirementsOf = (work: Work): Requirements => ({
    gpuCount: work.gpus,
    models: [work.model],
    hosts: 1,
    runtime: 'docker',
    maxPricePerGpuHour: work.bid !== undefined ? ANY_LIST_PRICE : microUsd(10_000_000),
    ...(work.bid !== undefined ? { bidPerGpuHour: work.bid } : {}),
  });
  const take = (work: Work, placed: readonly { hostId: string; gpuIndices: readonly number[] }[], t: number) => {
    const placements = placed.map((chosen) => {
      const assignmentId = `${work.jobId}.a${t}`;
      const host = index.get(chosen.hostId) as HostCapacity;
      index.replace({ ...reserve(host, assignmentId, { jobId: work.jobId, gpuIndices: chosen.gpuIndices, ...(work.bid !== undefined ? { interruptible: { bidPerGpuHour: work.bid, since: new Date(t * 1000).toISOString() } } : {}) }), revision: host.revision + 1 });
      return { hostId: chosen.hostId, assignmentId };
    });
    running.set(work.jobId, { work, placements, startedAt: t });
  };
  const free = (run: Running) => {
    for (const { hostId, assignmentId } of run.placements) {
      const host = index.get(hostId) as HostCapacity;
      index.replace({ ...release(host, assignmentId), revision: host.revision + 1 });
    }
  };
  /** Money and GPU-seconds for a run that ran from its start to `until`. */
  const bill = (run: Running, until: number) => {
    const seconds = Math.max(0, until - run.startedAt) * run.work.gpus;
    soldGpuSeconds += seconds;
    if (run.work.bid !== undefined) bidGpuSeconds += seconds;
    const price = run.work.bid ?? (index.get(run.placements[0]?.hostId ?? '')?.pricePerGpuHour ?? 0);
    revenue += (seconds * price) / 3600;
  };

  for (let t = 0; t <= horizon; t += STEP_SECONDS) {
    // Ends: finished work, and preempted bids whose GPUs are free now.
    for (const run of [...running.values()]) {
      const done = run.freeAt ?? run.startedAt + run.work.remaining;
      if (done > t) continue;
      running.delete(run.work.jobId);
      if (run.freeAt === undefined) {
        free(run);
        bill(run, done);
        if (run.work.bid !== undefined && withTier) queue.push(newBid(t));
      }
    }
    while (next < stream.length && (stream[next] as Work).arrival <= t) queue.push(stream[next++] as Work);

    const failed = new Set<string>();
    const stillQueued: Work[] = [];
    for (const work of placementOrder(queue.map((job) => ({ ...job, spec: { ...(job.bid !== undefined ? { tier: 'interruptible' as const, bidPerGpuHour: job.bid } : {}) } })))) {
      const shape = `${work.bid === undefined ? 'od' : 'bid'}:${work.model}:${work.gpus}`;
      if (failed.has(shape)) {
        stillQueued.push(work);
        continue;
      }
      const wanted = requirementsOf(work);
      const placement = index.place(wanted, work.jobId);
      if (placement.kind === 'placed') {
        take(work, placement.hosts, t);
        if (work.bid === undefined) {
          waitsToPlace.push(t - work.arrival);
          waitsToStart.push(t - work.arrival);
        }
        continue;
      }
      const plan = withTier ? planPreemption(wanted, index.values(), new Date(t * 1000), MIN_RUN, work.jobId) : undefined;
      if (!plan) {
        failed.add(shape);
        stillQueued.push(work);
        continue;
      }
      // The victims checkpoint (1-10 s, at most the grace) and let go; billing ends at their exit or deadline.
      let startsAt = t;
      for (const victim of plan.victims) {
        const run = running.get(victim.jobId);
        if (!run) continue;
        preemptions += 1;
        const exit = t + Math.min(GRACE, 1 + random() * 9);
        startsAt = Math.max(startsAt, exit);
        free(run);
        bill(run, exit);
        run.freeAt = exit;
        const left = run.work.remaining - (exit - run.startedAt);
        stillQueued.push({ ...run.work, remaining: Math.max(60, left) });
      }
      take(work, plan.hosts, t);
      if (work.bid === undefined) {
        waitsToPlace.push(t - work.arrival);
        waitsToStart.push(startsAt - work.arrival);
      }
    }
    queue.length = 0;
    queue.push(...stillQueued);
  }
  for (const run of running.values()) if (run.freeAt === undefined) bill(run, horizon);
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
  return {
    capacityGpus,
    onDemandJobs: waitsToPlace.length,
    share: soldGpuSeconds / (capacityGpus * horizon),
    bidShare: bidGpuSeconds / (capacityGpus * horizon),
    place: sorted(waitsToPlace),
    start: sorted(waitsToStart),
    preemptions,
    revenue,
  };
};

const started = performance.now();
const without = simulate(false);
const withTier = simulate(true);
const seconds = (list: number[]) => `p50 ${percentile(list, 50).toFixed(0)} s, p99 ${percentile(list, 99).toFixed(0)} s, max ${(list.at(-1) ?? Number.NaN).toFixed(0)} s`;
const usd = (micro: number) => `$${(micro / 1_000_000).toFixed(2)}`;
table(`Interruptible tier: ${HOSTS} hosts (${without.capacityGpus} GPUs), ${HOURS} h, on-demand load swinging 35-95%, ${BIDDERS} bidders (grace ${GRACE} s, min run ${MIN_RUN} s, ${STEP_SECONDS} s steps)`, [
  ['', 'on-demand only | with the tier'],
  ['on-demand jobs placed', `${without.onDemandJobs} | ${withTier.onDemandJobs}`],
  ['GPU-seconds sold (share of fleet)', `${(100 * without.share).toFixed(1)}% | ${(100 * withTier.share).toFixed(1)}% (bids ${(100 * withTier.bidShare).toFixed(1)}%)`],
  ['ceiling (every GPU every second)', '100.0% | 100.0%'],
  ['on-demand wait to placement', `${seconds(without.place)} | ${seconds(withTier.place)}`],
  ['on-demand wait to start', `${seconds(without.start)} | ${seconds(withTier.start)}`],
  ['preemptions', `${without.preemptions} | ${withTier.preemptions}`],
  ['renters paid', `${usd(without.revenue)} | ${usd(withTier.revenue)}`],
  ['simulated in', `${((performance.now() - started) / 1000).toFixed(1)} s`],
]);
