import type { Clock } from '#platform/clock.ts';
import { oneAtATime } from '#platform/one-at-a-time.ts';
import type { HostCapacity } from '../domain/capacity.ts';
import { requirementsOf, type Job } from '../domain/job.ts';
import type { Requirements } from '../domain/placement.ts';
import { PoolIndex, poolKey, poolsOf } from '../domain/pool-index.ts';
import type { CapacityStore } from '../ports.ts';

/** Writers' clocks may disagree a little: each refresh reads back this far before its watermark. */
export const CHANGE_OVERLAP_SECONDS = 5;

/**
 * The matcher's view of every host's capacity, kept in memory between invocations as a
 * `PoolIndex`. Loaded once per process; afterwards refreshed every few seconds with only
 * the hosts whose capacity changed since the last refresh (the store lists them by change
 * time, in shards by pool), never by reloading the fleet. A stale entry costs nothing but a lost race,
 * because every reservation is a conditional write on the host's revision.
 */
export class CandidateCache {
  private readonly index = new PoolIndex();
  private loaded = false;
  /** Per change shard: when it was last read, and from which change time (ISO) to read it next. */
  private readonly shardReads = new Map<number, { refreshedAt: number; watermark: string }>();
  /** The shards each pool's known hosts are listed under (a host in several pools: its first pool's). */
  private readonly poolShards = new Map<string, Set<number>>();
  /** Capacity items read from the store so far: the bench divides it by placements. */
  itemsRead = 0;
  /** The first load, and each shard's read, while in flight: concurrent callers share them. */
  private loading: Promise<void> | undefined;
  private readonly reading = new Map<number, Promise<void>>();
  private readonly inTurn = oneAtATime();

  constructor(
    private readonly store: CapacityStore,
    private readonly clock: Clock,
    private readonly maxAgeSeconds: number,
  ) {}

  /**
   * The index, brought up to date first where it is older than `maxAgeSeconds`. With `forJobs`,
   * only the change shards of the pools those jobs can use are brought up to date: a matcher
   * working its pools does not read what other pools' matchers write (a host that newly joined
   * one of these pools as its second model waits for a refresh without `forJobs`, which
   * placement asks for as soon as a job fits nowhere). Without, every shard.
   */
  all(maxAgeSeconds = this.maxAgeSeconds, forJobs?: readonly Pick<Job, 'spec' | 'avoidHostIds'>[]): Promise<PoolIndex> {
    return this.serving(maxAgeSeconds, forJobs?.map(requirementsOf));
  }

  /**
   * As `all`, for what `wanted` names (a model, a region; offers' filters): the shards of the
   * pools that serve any of them, or every shard without `wanted` or when none is known.
   * Concurrent callers share one read of a shard: a burst of requests reads each shard once.
   */
  async serving(maxAgeSeconds = this.maxAgeSeconds, wanted?: readonly Pick<Requirements, 'models' | 'regions'>[]): Promise<PoolIndex> {
    if (!this.loaded) {
      this.loading ??= this.load().finally(() => (this.loading = undefined));
      await this.loading;
      return this.index;
    }
    const now = this.clock.now().getTime();
    const shards = wanted ? this.shardsFor(wanted) : this.every();
    const due = shards.filter((shard) => now - (this.shardReads.get(shard)?.refreshedAt ?? 0) > maxAgeSeconds * 1000);
    await Promise.all(due.map((shard) => this.refreshShard(shard, now)));
    return this.index;
  }

  /**
   * A second look before a job waits, and offers: the shards of the pools that serve `wanted`
   * brought up to date if older than `maxAgeSeconds`, every other shard if older than the cache
   * age. A host that just came online in one of these pools is seen within `maxAgeSeconds`; one
   * that newly joined one of them as its second GPU model (listed under its first pool's shard)
   * within the cache age. Not every shard each second: that was 32 queries per look.
   */
  async lookAgain(maxAgeSeconds: number, wanted: readonly Pick<Requirements, 'models' | 'regions'>[]): Promise<PoolIndex> {
    await Promise.all([this.serving(maxAgeSeconds, wanted), this.serving()]);
    return this.index;
  }

  private every(): number[] {
    return Array.from({ length: this.store.shards }, (_, shard) => shard);
  }

  private async load(): Promise<void> {
    const now = this.clock.now().getTime();
    const hosts = await this.store.all();
    this.itemsRead += hosts.length;
    for (const host of hosts) this.take(host);
    const watermark = new Date(now - CHANGE_OVERLAP_SECONDS * 1000).toISOString();
    for (const shard of this.every()) this.shardReads.set(shard, { refreshedAt: now, watermark });
    this.loaded = true;
  }

  /** One shard's changes since its watermark; a caller that finds the shard being read joins that read. */
  private refreshShard(shard: number, now: number): Promise<void> {
    const running = this.reading.get(shard);
    if (running) return running;
    const read = (async () => {
      const hosts = await this.store.changedSince(this.shardReads.get(shard)?.watermark ?? '', [shard]);
      this.itemsRead += hosts.length;
      for (const host of hosts) {
        // Half of what a refresh reads is read back by the overlap, and this process's own writes
        // are already held: an index entry moves (two searches and splices per pool) only for news.
        const known = this.index.get(host.hostId);
        if (known && known.revision >= host.revision) continue;
        this.take(host);
      }
      this.shardReads.set(shard, { refreshedAt: now, watermark: new Date(now - CHANGE_OVERLAP_SECONDS * 1000).toISOString() });
    })().finally(() => this.reading.delete(shard));
    this.reading.set(shard, read);
    return read;
  }

  /** The shards of every pool that serves what is wanted; every shard if one of them is served by no known pool. */
  private shardsFor(wanted: readonly Pick<Requirements, 'models' | 'regions'>[]): number[] {
    const shards = new Set<number>();
    for (const requirements of wanted) {
      const pools = this.index.poolKeysFor(requirements);
      if (pools.length === 0) return this.every();
      for (const pool of pools) {
        for (const shard of this.store.shardsOfPool(pool)) shards.add(shard);
        for (const shard of this.poolShards.get(pool) ?? []) shards.add(shard);
      }
    }
    return [...shards];
  }

  /** Into the index, noting under which shard each of the host's pools finds it. */
  private take(host: HostCapacity): void {
    this.index.upsert(host);
    this.noteShard(host);
  }

  private noteShard(host: HostCapacity): void {
    const shard = this.store.shardOf(host);
    for (const pool of poolsOf(host)) {
      const key = poolKey(pool);
      if (!this.store.shardsOfPool(key).includes(shard)) this.poolShards.set(key, new Set([...(this.poolShards.get(key) ?? []), shard]));
    }
  }

  /**
   * Runs one placement at a time in this process. A batch marks GPUs taken in the index before
   * it commits; another placement must not build on those tentative copies (their revision
   * could equal one a different writer committed), so placements take turns.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.inTurn('placement', work);
  }

  /** What this process just wrote, so the next placement sees it at once. */
  remember(hosts: readonly HostCapacity[]): void {
    for (const host of hosts) this.take(host);
  }

  /** After a lost race: read these hosts again (what the store holds wins over a tentative copy). */
  async refresh(hostIds: readonly string[]): Promise<void> {
    const fresh = await Promise.all(hostIds.map((hostId) => this.store.get(hostId)));
    this.itemsRead += fresh.length;
    for (const host of fresh) {
      if (!host) continue;
      this.index.replace(host);
      this.noteShard(host);
    }
  }

  /** Puts back copies taken before a tentative change that was not committed. */
  restore(hosts: readonly HostCapacity[]): void {
    for (const host of hosts) this.index.replace(host);
  }
}
