import { describe, expect, it } from 'vitest';
import type { HostCapacity } from '#matching/domain/capacity.ts';
import type { CapacityStore } from '#matching/ports.ts';
import { CandidateCache } from '#matching/use-cases/candidate-cache.ts';
import type { MatchingDeps } from '#matching/use-cases/deps.ts';
import { listOffers } from '#matching/use-cases/offers.ts';
import { FRESH_SECONDS, freshSecondsFor } from '#matching/use-cases/place-jobs.ts';
import { DEFAULT_MATCHING_SETTINGS } from '#matching/domain/matching-settings.ts';
import { microUsd } from '#platform/money.ts';
import { aCapacity, aJobSpec, gpus } from '#test/support/matching-factories.ts';

/** A store that lists each host under its first pool's shard, one shard per pool, and counts what it reads. */
class ShardedStore implements CapacityStore {
  readonly shards = 3;
  readonly hosts = new Map<string, HostCapacity>();
  /** Shards read, one entry per shard per read. */
  readonly shardsRead: number[] = [];
  private readonly poolShard: Record<string, number> = { 'RTX 4090@eu-west': 0, 'A100@eu-west': 1, 'L40S@eu-west': 2 };

  shardOf(capacity: HostCapacity): number {
    const first = [...new Set(capacity.gpus.map((gpu) => gpu.model))].map((model) => `${model}@${capacity.region}`).sort()[0] ?? '';
    return this.poolShard[first] ?? 0;
  }
  shardsOfPool(pool: string): readonly number[] {
    return [this.poolShard[pool] ?? 0];
  }
  /** Whole-fleet loads so far. */
  loads = 0;
  async all() {
    this.loads += 1;
    return [...this.hosts.values()];
  }
  async changedSince(_since: string, shards: readonly number[] = [0, 1, 2]) {
    this.shardsRead.push(...shards);
    return [...this.hosts.values()].filter((host) => shards.includes(this.shardOf(host)));
  }
  async get(hostId: string) {
    return this.hosts.get(hostId);
  }
  async save(capacity: HostCapacity) {
    this.hosts.set(capacity.hostId, capacity);
    return true;
  }
}

const jobFor = (model: string) => ({ spec: aJobSpec({ gpu: { count: 1, models: [model] }, regions: ['eu-west'] }) });

describe('CandidateCache', () => {
  const setUp = () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new ShardedStore();
    const host = (hostId: string, ...models: string[]) => aCapacity({ hostId, region: 'eu-west', gpus: models.flatMap((model, n) => gpus(1, model, 24_564, n)), revision: 1 });
    for (const capacity of [host('host_4090', 'RTX 4090'), host('host_a100', 'A100'), host('host_both', 'A100', 'L40S')]) store.hosts.set(capacity.hostId, capacity);
    const cache = new CandidateCache(store, { now: () => new Date(now) }, 5);
    return { store, cache, later: (seconds: number) => (now += seconds * 1000) };
  };

  it('brings up to date only the shards of the pools the jobs can use, and every shard when asked without jobs', async () => {
    const { store, cache, later } = setUp();
    await cache.all();
    store.hosts.set('host_a100', { ...store.hosts.get('host_a100')!, listed: false, revision: 2 });
    later(6);

    const forRtx = await cache.all(undefined, [jobFor('RTX 4090')]);
    const a100Then = forRtx.get('host_a100')?.revision;
    const readForRtx = [...store.shardsRead];
    later(6);
    const everywhere = await cache.all();

    expect(readForRtx).toEqual([0]);
    expect(store.shardsRead.slice(1).sort()).toEqual([0, 1, 2]);
    expect(a100Then).toBe(1);
    expect(everywhere.get('host_a100')?.revision).toBe(2);
  });

  it('reads the shard of a host listed under its first pool for a job of its second pool', async () => {
    const { store, cache, later } = setUp();
    await cache.all();
    store.hosts.set('host_both', { ...store.hosts.get('host_both')!, listed: false, revision: 2 });
    later(6);

    const forL40s = await cache.all(undefined, [jobFor('L40S')]);

    expect(store.shardsRead.sort()).toEqual([1, 2]);
    expect(forL40s.get('host_both')?.revision).toBe(2);
  });

  it("gives a job's second look a copy read after the job was submitted: a host that came online just before the submit is found", async () => {
    const { store, cache, later } = setUp();
    await cache.all();
    later(0.2);
    store.hosts.set('host_new', aCapacity({ hostId: 'host_new', region: 'eu-west', gpus: gpus(1, 'RTX 4090'), revision: 1 }));
    later(0.1);
    const job = { ...jobFor('RTX 4090'), createdAt: '2026-01-01T00:00:00.300Z' };
    later(0.05);
    const now = new Date(Date.parse('2026-01-01T00:00:00.350Z'));

    // The fixed freshness alone trusts the copy read 0.35 s ago, from before the host came.
    const trusted = await cache.lookAgain(FRESH_SECONDS, [{ models: ['RTX 4090'] }]);
    const missed = trusted.get('host_new');
    const looked = await cache.lookAgain(freshSecondsFor(job, now), [{ models: ['RTX 4090'] }]);

    expect(missed).toBeUndefined();
    expect(looked.get('host_new')?.revision).toBe(1);
    expect(freshSecondsFor({ createdAt: '2020-01-01T00:00:00Z' }, now)).toBe(FRESH_SECONDS);
    expect(freshSecondsFor({ createdAt: '2026-01-01T00:00:01Z' }, now)).toBe(0);
  });

  it('reads nothing while the shards a job needs are younger than the cache age', async () => {
    const { store, cache, later } = setUp();
    await cache.all();
    later(3);

    await cache.all(undefined, [jobFor('A100')]);

    expect(store.shardsRead).toEqual([]);
  });

  it('shares one read of a shard among concurrent callers, and one load at a cold start', async () => {
    const { store, cache, later } = setUp();
    await Promise.all([cache.all(), cache.all(), cache.serving(1, [{ models: ['A100'] }])]);
    store.hosts.set('host_a100', { ...store.hosts.get('host_a100')!, listed: false, revision: 2 });
    later(6);

    const [a, b, c] = await Promise.all([cache.all(), cache.all(1), cache.all(undefined, [jobFor('A100')])]);

    expect(store.loads).toBe(1);
    expect(store.shardsRead.sort()).toEqual([0, 1, 2]);
    expect([a, b, c].map((index) => index.get('host_a100')?.revision)).toEqual([2, 2, 2]);
  });

  it('brings up to date only the pools a model or region names (offers), every shard when it names none', async () => {
    const { store, cache, later } = setUp();
    await cache.all();
    later(2);

    await cache.serving(1, [{ models: ['RTX 4090'] }]);
    const forModel = [...store.shardsRead];
    store.shardsRead.length = 0;
    later(2);
    await cache.serving(1, [{ models: ['L40S'], regions: ['eu-west'] }]);
    const forSecondModel = [...store.shardsRead].sort();
    store.shardsRead.length = 0;
    later(2);
    await cache.serving(1, [{ regions: ['us-east'] }]);

    expect(forModel).toEqual([0]);
    expect(forSecondModel).toEqual([1, 2]);
    // No known pool serves the region: a host may have just joined one, so every shard is read.
    expect(store.shardsRead.sort()).toEqual([0, 1, 2]);
  });
});

describe('CandidateCache.exclusive', () => {
  it("runs one placement at a time in this process, the next after the last settles even when it failed", async () => {
    const cache = new CandidateCache(new ShardedStore(), { now: () => new Date() }, 5);
    const steps: string[] = [];
    let failFirst!: (error: Error) => void;
    const first = cache.exclusive(() => new Promise<never>((_, reject) => (failFirst = reject)));
    const second = cache.exclusive(async () => {
      steps.push('second');
      return 2;
    });
    await Promise.resolve();
    steps.push('first fails');
    failFirst(new Error('lost the race'));

    await expect(first).rejects.toThrow('lost the race');
    expect(await second).toBe(2);
    expect(steps).toEqual(['first fails', 'second']);
  });
});

describe('CandidateCache.lookAgain (a job that fits nowhere looks again before it waits)', () => {
  it("reads the job's pools if older than the age asked, the other shards only at the cache age", async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new ShardedStore();
    store.hosts.set('host_4090', aCapacity({ hostId: 'host_4090', region: 'eu-west', gpus: gpus(1, 'RTX 4090'), revision: 1 }));
    store.hosts.set('host_a100', aCapacity({ hostId: 'host_a100', region: 'eu-west', gpus: gpus(1, 'A100'), revision: 1 }));
    const cache = new CandidateCache(store, { now: () => new Date(now) }, 5);
    await cache.all();
    now += 2000;

    await cache.lookAgain(1, [{ models: ['RTX 4090'] }]);
    const soon = [...store.shardsRead];
    store.shardsRead.length = 0;
    now += 4000;
    await cache.lookAgain(1, [{ models: ['RTX 4090'] }]);

    expect(soon).toEqual([0]);
    expect(store.shardsRead.sort()).toEqual([0, 1, 2]);
  });
});

describe('listOffers reads only the capacity shards of the pools it is asked about', () => {
  const setUp = () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new ShardedStore();
    const host = (hostId: string, ...models: string[]) => aCapacity({ hostId, region: 'eu-west', gpus: models.flatMap((model, n) => gpus(1, model, 24_564, n)), revision: 1 });
    for (const capacity of [host('host_4090', 'RTX 4090'), host('host_a100', 'A100'), host('host_both', 'A100', 'L40S')]) store.hosts.set(capacity.hostId, capacity);
    const clock = { now: () => new Date(now) };
    // Only what listOffers uses: the matcher's cache of capacity, its clock and settings.
    const deps = { candidates: new CandidateCache(store, clock, 5), clock, settings: DEFAULT_MATCHING_SETTINGS } as unknown as MatchingDeps;
    return { store, deps, later: (seconds: number) => (now += seconds * 1000) };
  };

  it('brings the filtered pool up to date within a second, the other shards only at the cache age', async () => {
    const { store, deps, later } = setUp();
    await listOffers({ limit: 10 }, deps);
    store.shardsRead.length = 0;
    store.hosts.set('host_4090', { ...store.hosts.get('host_4090')!, pricePerGpuHour: microUsd(300_000), revision: 2 });
    store.hosts.set('host_a100', { ...store.hosts.get('host_a100')!, listed: false, revision: 2 });
    later(2);

    const rtx = await listOffers({ gpuModel: 'RTX 4090', limit: 10 }, deps);
    const readForRtx = [...store.shardsRead];
    later(4);
    const rtxLater = await listOffers({ gpuModel: 'RTX 4090', region: 'eu-west', limit: 10 }, deps);
    const a100 = await listOffers({ gpuModel: 'A100', limit: 10 }, deps);

    expect(rtx.map((offer) => [offer.hostId, offer.pricePerGpuHour])).toEqual([['host_4090', 300_000]]);
    expect(readForRtx).toEqual([0]);
    // Six seconds on, past the cache age of 5 s: every shard once (the filtered one not twice).
    expect(store.shardsRead.slice(1).sort()).toEqual([0, 1, 2]);
    expect(rtxLater).toHaveLength(1);
    expect(a100.map((offer) => offer.hostId)).toEqual(['host_both']);
  });

  it('brings every shard up to date within a second when the request names no model or region', async () => {
    const { store, deps, later } = setUp();
    await listOffers({ limit: 10 }, deps);
    store.hosts.set('host_a100', { ...store.hosts.get('host_a100')!, listed: false, revision: 2 });
    later(2);

    const offers = await listOffers({ limit: 10 }, deps);

    expect(store.shardsRead.sort()).toEqual([0, 1, 2]);
    expect(offers.map((offer) => offer.hostId).sort()).toEqual(['host_4090', 'host_both', 'host_both']);
  });
});
