import type { Clock } from '#platform/clock.ts';
import type { HostCapacity } from '../domain/capacity.ts';
import { PoolIndex } from '../domain/pool-index.ts';
import type { CapacityStore } from '../ports.ts';

/** Writers' clocks may disagree a little: each refresh reads back this far before its watermark. */
export const CHANGE_OVERLAP_SECONDS = 5;

/**
 * The matcher's view of every host's capacity, kept in memory between invocations as a
 * `PoolIndex`. Loaded once per process; afterwards refreshed every few seconds with only
 * the hosts whose capacity changed since the last refresh (the store lists them by change
 * time), never by reloading the fleet. A stale entry costs nothing but a lost race,
 * because every reservation is a conditional write on the host's revision.
 */
export class CandidateCache {
  private readonly index = new PoolIndex();
  private loaded = false;
  private refreshedAt = 0;
  /** Read from this change time on, next refresh (ISO). */
  private watermark = '';
  /** Capacity items read from the store so far: the bench divides it by placements. */
  itemsRead = 0;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: CapacityStore,
    private readonly clock: Clock,
    private readonly maxAgeSeconds: number,
  ) {}

  /** The index, brought up to date first if the last refresh is older than `maxAgeSeconds`. */
  async all(maxAgeSeconds = this.maxAgeSeconds): Promise<PoolIndex> {
    const now = this.clock.now();
    if (now.getTime() - this.refreshedAt <= maxAgeSeconds * 1000) return this.index;
    const from = new Date(now.getTime() - CHANGE_OVERLAP_SECONDS * 1000).toISOString();
    const hosts = this.loaded ? await this.store.changedSince(this.watermark) : await this.store.all();
    this.itemsRead += hosts.length;
    for (const host of hosts) {
      // Half of what a refresh reads is read back by the overlap, and this process's own writes
      // are already held: an index entry moves (two searches and splices per pool) only for news.
      const known = this.index.get(host.hostId);
      if (known && known.revision >= host.revision) continue;
      this.index.upsert(host);
    }
    this.loaded = true;
    this.watermark = from;
    this.refreshedAt = now.getTime();
    return this.index;
  }

  /**
   * Runs one placement at a time in this process. A batch marks GPUs taken in the index before
   * it commits; another placement must not build on those tentative copies (their revision
   * could equal one a different writer committed), so placements take turns.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** What this process just wrote, so the next placement sees it at once. */
  remember(hosts: readonly HostCapacity[]): void {
    for (const host of hosts) this.index.upsert(host);
  }

  /** After a lost race: read these hosts again (what the store holds wins over a tentative copy). */
  async refresh(hostIds: readonly string[]): Promise<void> {
    const fresh = await Promise.all(hostIds.map((hostId) => this.store.get(hostId)));
    this.itemsRead += fresh.length;
    for (const host of fresh) if (host) this.index.replace(host);
  }

  /** Puts back copies taken before a tentative change that was not committed. */
  restore(hosts: readonly HostCapacity[]): void {
    for (const host of hosts) this.index.replace(host);
  }
}
