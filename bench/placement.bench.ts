/**
 * Times matching's pure `place` over a synthetic fleet, the way `placeJob` calls it: once per
 * queued job, over every host in the candidate cache.
 *
 *   npx tsx bench/placement.bench.ts [--hosts 10000] [--runs 200] [--warmup 50] [--seed 42]
 *
 * A report, not a test: it prints figures and never fails on time. The fleet is built from a
 * seeded generator, so two runs on one machine see the same hosts.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { CapacityGpu, HeldGpus, HostCapacity, Runtime } from '#matching/domain/capacity.ts';
import { place, type Placement, type Requirements } from '#matching/domain/placement.ts';
import { microUsd } from '#platform/money.ts';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '50' },
    seed: { type: 'string', default: '42' },
  },
});
const wholeNumber = (name: keyof typeof values): number => {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got ${values[name]}`);
  return value;
};

const HOSTS = wholeNumber('hosts');
const RUNS = Math.max(1, wholeNumber('runs'));
const WARMUP = wholeNumber('warmup');
const SEED = wholeNumber('seed');

/** mulberry32: small, fast, and the same sequence for the same seed. */
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
const random = generator(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (probability: number): boolean => random() < probability;

/** Models with how common they are, their VRAM and a typical price per GPU-hour in micro-USD. */
const MODELS = [
  { model: 'RTX 4090', vramMb: 24_564, price: 400_000, weight: 30 },
  { model: 'RTX 3090', vramMb: 24_576, price: 250_000, weight: 20 },
  { model: 'RTX 4080', vramMb: 16_376, price: 300_000, weight: 10 },
  { model: 'A100-SXM4-80GB', vramMb: 81_920, price: 1_300_000, weight: 15 },
  { model: 'H100 80GB HBM3', vramMb: 81_559, price: 2_200_000, weight: 15 },
  { model: 'L40S', vramMb: 46_068, price: 800_000, weight: 10 },
] as const;
const WEIGHTED_MODELS = MODELS.flatMap((entry) => Array.from({ length: entry.weight }, () => entry));
const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south', 'ap-northeast'] as const;
const RUNTIMES: readonly (readonly Runtime[])[] = [['docker'], ['docker'], ['docker'], ['docker', 'process'], ['process']];
const AT = '2025-03-10T10:00:00.000Z';

const syntheticHost = (position: number): HostCapacity => {
  const kind = pick(WEIGHTED_MODELS);
  const datacentre = kind.price >= 1_000_000;
  const count = datacentre ? pick([8, 8, 8, 4]) : pick([1, 1, 2, 4, 8]);
  const gpus: CapacityGpu[] = Array.from({ length: count }, (_, index) => ({ index, model: kind.model, vramMb: kind.vramMb }));
  // About a third of hosts are busy: some or all of their GPUs held by running jobs.
  const live: Record<string, HeldGpus> = {};
  if (chance(0.35)) {
    const held = gpus.filter(() => chance(0.6)).map((gpu) => gpu.index);
    if (held.length > 0) live[`job_bench${position}.a1.r0`] = { jobId: `job_bench${position}`, gpuIndices: held };
  }
  const status = chance(0.9) ? 'online' : pick(['unreachable', 'offline'] as const);
  const hostId = `host_bench${String(position).padStart(6, '0')}`;
  return {
    hostId,
    providerId: `acct_provider${String(position % 500).padStart(6, '0')}`,
    status,
    listed: chance(0.95),
    draining: chance(0.03),
    deregistered: chance(0.01),
    gpus,
    // Within ±30% of the model's typical price.
    pricePerGpuHour: microUsd(Math.round(kind.price * (0.7 + random() * 0.6))),
    region: pick(REGIONS),
    runtimes: pick(RUNTIMES),
    ...(datacentre || chance(0.3) ? { publicAddress: `198.51.${Math.floor(position / 250)}.${position % 250}` } : {}),
    reliability: Math.round((0.8 + random() * 0.2) * 1000) / 1000,
    lastSeenAt: AT,
    snapshotAt: AT,
    statusAt: AT,
    live,
    revision: 1,
  };
};

const fleet = new Map<string, HostCapacity>();
for (let position = 0; position < HOSTS; position += 1) {
  const host = syntheticHost(position);
  fleet.set(host.hostId, host);
}

interface Scenario {
  readonly name: string;
  readonly requirements: Requirements;
}

const scenarios: readonly Scenario[] = [
  { name: '1 host, 1x any GPU <= 3.00', requirements: { gpuCount: 1, hosts: 1, maxPricePerGpuHour: microUsd(3_000_000), runtime: 'docker' } },
  {
    name: '1 host, 1x RTX 4090 <= 0.40',
    requirements: { gpuCount: 1, hosts: 1, models: ['RTX 4090'], maxPricePerGpuHour: microUsd(400_000), runtime: 'docker' },
  },
  {
    name: '1 host, 8x h100 in eu-west',
    requirements: { gpuCount: 8, hosts: 1, models: ['h100'], regions: ['eu-west'], maxPricePerGpuHour: microUsd(3_000_000), runtime: 'docker' },
  },
  {
    name: '8 hosts, 8x h100 each',
    requirements: { gpuCount: 8, hosts: 8, models: ['h100'], maxPricePerGpuHour: microUsd(3_000_000), runtime: 'docker' },
  },
  {
    name: '8 hosts, 8x a100 or h100, min 80 GB',
    requirements: { gpuCount: 8, hosts: 8, models: ['a100', 'h100'], minVramMb: 80_000, maxPricePerGpuHour: microUsd(3_000_000), runtime: 'docker' },
  },
  {
    name: '1 host, 8x B200 (unplaceable)',
    requirements: { gpuCount: 8, hosts: 1, models: ['B200'], maxPricePerGpuHour: microUsd(10_000_000), runtime: 'docker' },
  },
];

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

interface Row {
  readonly scenario: string;
  readonly result: string;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

const describeResult = (placement: Placement): string =>
  placement.kind === 'placed'
    ? `placed on ${placement.hosts.length} (${placement.hosts[0]?.gpuModel} at ${placement.hosts[0]?.pricePerGpuHour} µUSD)`
    : 'unplaceable';

const measure = (scenario: Scenario): Row => {
  // As placeJob calls it: over the cache's Map, read through a fresh iterator each time.
  let last = place(scenario.requirements, fleet.values());
  for (let run = 0; run < WARMUP; run += 1) last = place(scenario.requirements, fleet.values());
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    last = place(scenario.requirements, fleet.values());
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    scenario: scenario.name,
    result: describeResult(last),
    medianMs: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: times.reduce((sum, time) => sum + time, 0) / Math.max(1, times.length),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
};

const hostsOnline = [...fleet.values()].filter((host) => host.status === 'online' && host.listed && !host.draining && !host.deregistered).length;
const gpuCount = [...fleet.values()].reduce((sum, host) => sum + host.gpus.length, 0);
const heldCount = [...fleet.values()].reduce((sum, host) => sum + Object.values(host.live).reduce((held, hold) => held + hold.gpuIndices.length, 0), 0);

const rows = scenarios.map(measure);

const ms = (value: number) => value.toFixed(3);
const table = [
  ['scenario', 'median ms', 'p99 ms', 'mean ms', 'min ms', 'max ms', 'result'],
  ...rows.map((row) => [row.scenario, ms(row.medianMs), ms(row.p99Ms), ms(row.meanMs), ms(row.minMs), ms(row.maxMs), row.result]),
];
const widths = table[0]?.map((_, column) => Math.max(...table.map((line) => line[column]?.length ?? 0))) ?? [];
const format = (line: readonly string[]) =>
  line.map((cell, column) => (column >= 1 && column <= 5 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ');

const lines = [
  `place() over ${HOSTS.toLocaleString('en-US')} hosts (${hostsOnline.toLocaleString('en-US')} taking work, ${gpuCount.toLocaleString('en-US')} GPUs, ${heldCount.toLocaleString('en-US')} held)`,
  `seed ${SEED}, ${WARMUP} warm-up runs, ${RUNS} timed runs per scenario, Node ${process.version}`,
  '',
  format(table[0] ?? []),
  widths.map((width) => '-'.repeat(width)).join('  '),
  ...table.slice(1).map(format),
];
process.stdout.write(`${lines.join('\n')}\n`);
