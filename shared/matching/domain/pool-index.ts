import { gpuModelMatches } from '#registry/domain/gpu-model.ts';
import { acceptsWork, freeGpuIndices, type HostCapacity } from './capacity.ts';
import { candidateOn, place, type Placement, type Requirements } from './placement.ts';

/**
 * A pool is one GPU model in one region (`RTX 4090@eu-west`): the unit placement is sharded
 * by. A host with two models is in both pools; a job that names no model or region is
 * eligible in every pool that matches what it does name.
 */
export interface Pool {
  readonly model: string;
  readonly region: string;
}
export const poolKey = (pool: Pool): string => `${pool.model}@${pool.region}`;
export const poolsOf = (host: Pick<HostCapacity, 'gpus' | 'region'>): Pool[] =>
  [...new Set(host.gpus.map((gpu) => gpu.model))].map((model) => ({ model, region: host.region }));

/** Whether a job with these requirements could be placed in the pool at all. */
export const poolServes = (pool: Pool, requirements: Pick<Requirements, 'models' | 'regions'>): boolean =>
  (!requirements.regions || requirements.regions.length === 0 || requirements.regions.includes(pool.region)) &&
  (!requirements.models || requirements.models.length === 0 || requirements.models.some((wanted) => gpuModelMatches(wanted, pool.model)));

interface Entry {
  readonly price: number;
  readonly reliability: number;
  readonly hostId: string;
}

/** Cheapest first, then the most reliable, then by id: the order placement prefers. */
const before = (a: Entry, b: Entry): number => a.price - b.price || b.reliability - a.reliability || (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0);

/** First position in `entries` not before `entry` (binary search). */
const lowerBound = (entries: readonly Entry[], entry: Entry): number => {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(entries[middle] as Entry, entry) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
};

interface PoolState {
  readonly pool: Pool;
  /** Hosts of the pool that take work and have a free GPU, in placement order. */
  readonly free: Entry[];
  /** Every host of the pool that takes work (a gang's reason counts them). */
  readonly members: Set<string>;
}

/**
 * A matcher's in-memory view of the fleet, by pool: each pool's hosts with free GPUs kept
 * sorted by price and reliability. A host change costs O(log n) to find its place (plus the
 * array shift); a single-host placement walks each eligible pool from its cheapest free host
 * and stops at the first that fits or at the job's price cap, never touching the rest of
 * the fleet. Changes arrive one host at a time (`upsert`): the index is never rebuilt.
 * Pure and synchronous; a stale entry only costs a lost race, since every reservation is
 * committed conditionally on the host's revision.
 */
export class PoolIndex {
  private readonly hosts = new Map<string, HostCapacity>();
  private readonly entries = new Map<string, Entry>();
  private readonly pools = new Map<string, PoolState>();

  get size(): number {
    return this.hosts.size;
  }

  get(hostId: string): HostCapacity | undefined {
    return this.hosts.get(hostId);
  }

  /** Every host known, whatever its state (offers list them). */
  values(): IterableIterator<HostCapacity> {
    return this.hosts.values();
  }

  /** Takes a host's newer state (an older revision than the one held is ignored). True if it changed. */
  upsert(host: HostCapacity): boolean {
    const known = this.hosts.get(host.hostId);
    if (known && known.revision > host.revision) return false;
    if (known) this.remove(known);
    this.hosts.set(host.hostId, host);
    const accepting = acceptsWork(host);
    const entry: Entry = { price: host.pricePerGpuHour, reliability: host.reliability, hostId: host.hostId };
    const hasFree = accepting && freeGpuIndices(host).length > 0;
    for (const pool of poolsOf(host)) {
      const state = this.poolState(pool);
      if (accepting) state.members.add(host.hostId);
      if (hasFree) state.free.splice(lowerBound(state.free, entry), 0, entry);
    }
    if (hasFree) this.entries.set(host.hostId, entry);
    return true;
  }

  /** Takes this state whatever its revision: to undo a tentative change that was not committed. */
  replace(host: HostCapacity): void {
    const known = this.hosts.get(host.hostId);
    if (known) this.remove(known);
    this.hosts.delete(host.hostId);
    this.upsert(host);
  }

  /** Pool keys with at least one host that takes work. */
  poolKeys(): string[] {
    return [...this.pools.entries()].filter(([, state]) => state.members.size > 0).map(([key]) => key);
  }

  /** Pool keys a job could be placed in. */
  poolKeysFor(requirements: Pick<Requirements, 'models' | 'regions'>): string[] {
    return [...this.pools.entries()].filter(([, state]) => state.members.size > 0 && poolServes(state.pool, requirements)).map(([key]) => key);
  }

  /**
   * Chooses hosts for a job, as `place` would over the pools that serve it. A single-host
   * job takes, per eligible pool, the first free host (in price order) that fits, and the
   * best of those; a gang considers every fitting host of its pools, under its price cap.
   */
  place(requirements: Requirements, seed = ''): Placement {
    const states = [...this.pools.values()].filter((state) => poolServes(state.pool, requirements));
    const chosen = new Map<string, HostCapacity>();
    for (const state of states) {
      for (const entry of state.free) {
        if (entry.price > requirements.maxPricePerGpuHour) break;
        // A mixed host already chosen from another pool is this pool's best too: its set does not depend on pool order.
        if (chosen.has(entry.hostId)) {
          if (requirements.hosts === 1) break;
          continue;
        }
        const host = this.hosts.get(entry.hostId) as HostCapacity;
        if (!candidateOn(host, requirements)) continue;
        chosen.set(host.hostId, host);
        if (requirements.hosts === 1) break;
      }
    }
    if (requirements.hosts === 1 || chosen.size >= requirements.hosts) return place(requirements, chosen.values(), seed);
    // Too few for a gang: the reason counts the pools' hosts as `place` does over the fleet.
    const members = new Map<string, HostCapacity>();
    for (const state of states) for (const hostId of state.members) members.set(hostId, this.hosts.get(hostId) as HostCapacity);
    return place(requirements, members.values(), seed);
  }

  private poolState(pool: Pool): PoolState {
    const key = poolKey(pool);
    let state = this.pools.get(key);
    if (!state) this.pools.set(key, (state = { pool, free: [], members: new Set() }));
    return state;
  }

  private remove(host: HostCapacity): void {
    const entry = this.entries.get(host.hostId);
    for (const pool of poolsOf(host)) {
      const state = this.poolState(pool);
      state.members.delete(host.hostId);
      if (!entry) continue;
      const at = lowerBound(state.free, entry);
      if (state.free[at]?.hostId === host.hostId) state.free.splice(at, 1);
    }
    this.entries.delete(host.hostId);
  }
}
