import type { Clock } from '#platform/clock.ts';
import type { HostCapacity } from '../domain/capacity.ts';
import type { CapacityStore } from '../ports.ts';

/**
 * Every host's capacity, kept in memory between invocations and refreshed every few
 * seconds: placement reads no table per job. A stale entry costs nothing but a retry,
 * because every reservation is a conditional write on the host's revision.
 */
export class CandidateCache {
  private hosts = new Map<string, HostCapacity>();
  private loadedAt = 0;

  constructor(
    private readonly store: CapacityStore,
    private readonly clock: Clock,
    private readonly maxAgeSeconds: number,
  ) {}

  /** Every host, read again if the copy is older than `maxAgeSeconds`. */
  async all(maxAgeSeconds = this.maxAgeSeconds): Promise<ReadonlyMap<string, HostCapacity>> {
    if (this.clock.now().getTime() - this.loadedAt > maxAgeSeconds * 1000) {
      this.hosts = new Map((await this.store.all()).map((host) => [host.hostId, host]));
      this.loadedAt = this.clock.now().getTime();
    }
    return this.hosts;
  }

  /** What this process just wrote, so the next placement sees it at once. */
  remember(hosts: readonly HostCapacity[]): void {
    for (const host of hosts) {
      const known = this.hosts.get(host.hostId);
      if (!known || known.revision <= host.revision) this.hosts.set(host.hostId, host);
    }
  }

  /** After a lost race: read these hosts again. */
  async refresh(hostIds: readonly string[]): Promise<void> {
    const fresh = await Promise.all(hostIds.map((hostId) => this.store.get(hostId)));
    for (const host of fresh) if (host) this.hosts.set(host.hostId, host);
  }
}
