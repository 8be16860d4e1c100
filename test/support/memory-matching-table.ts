import type { DomainEvent } from '#events/define.ts';
import type { HostCapacity } from '#matching/domain/capacity.ts';
import type { Job } from '#matching/domain/job.ts';
import type { HostMessage } from '#matching/domain/messages.ts';
import { DEFAULT_MATCHING_SETTINGS } from '#matching/domain/matching-settings.ts';
import type { TimelineEntry } from '#matching/domain/outcome.ts';
import type { BatchCommitResult, CapacityStore, CreateResult, JobChange, JobStore } from '#matching/ports.ts';
import { CandidateCache } from '#matching/use-cases/candidate-cache.ts';
import type { MatchingDeps } from '#matching/use-cases/deps.ts';
import type { Clock } from '#platform/clock.ts';
import { microUsd } from '#platform/money.ts';
import type { Page } from '#platform/pagination.ts';

/** Yields to other matchers between a read and a write, as a network round trip would. */
const roundTrip = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The matching table's semantics the matcher relies on, in memory: conditional writes on
 * revisions, all-or-nothing transactions naming their stale items. `crash` makes the next
 * batch commit fail before or after it is applied (a process dying mid-batch).
 */
export class MemoryTable implements JobStore {
  readonly jobs = new Map<string, Job>();
  readonly hosts = new Map<string, HostCapacity>();
  crash: 'before' | 'after' | undefined;

  async create(job: Job): Promise<CreateResult> {
    this.jobs.set(job.jobId, job);
    return { kind: 'created' };
  }
  async get(jobId: string): Promise<Job | undefined> {
    await roundTrip();
    return this.jobs.get(jobId);
  }
  async listByRenter(): Promise<Page<Job>> {
    throw new Error('not used');
  }
  async timeline(): Promise<Page<TimelineEntry>> {
    throw new Error('not used');
  }
  async commit(before: Job, after: Job, hosts: readonly HostCapacity[]): Promise<boolean> {
    const result = await this.commitBatch([{ before, after, timeline: [], events: [] }], hosts);
    return result.committed;
  }
  async commitBatch(changes: readonly JobChange[], hosts: readonly HostCapacity[]): Promise<BatchCommitResult> {
    await roundTrip();
    if (this.crash === 'before') {
      this.crash = undefined;
      throw new Error('crashed before the write');
    }
    // As DynamoDB: at most 100 items a transaction, each written at most once; the events share one outbox item.
    const events = changes.reduce((sum, change) => sum + change.events.length, 0);
    const items = hosts.length + changes.reduce((sum, change) => sum + 1 + change.timeline.length, 0) + (events > 0 ? 1 : 0);
    if (items > 100) throw new Error(`ValidationException: Member must have length less than or equal to 100 (${items} items)`);
    const ids = [...hosts.map((host) => host.hostId), ...changes.map(({ after }) => after.jobId)];
    if (new Set(ids).size !== ids.length) throw new Error('ValidationException: Transaction request cannot include multiple operations on one item');
    const staleHostIds = hosts.filter((host) => (this.hosts.get(host.hostId)?.revision ?? 0) !== host.revision - 1).map((host) => host.hostId);
    const staleJobIds = changes.filter(({ before }) => this.jobs.get(before.jobId)?.revision !== before.revision).map(({ before }) => before.jobId);
    if (staleHostIds.length + staleJobIds.length > 0) return { committed: false, staleHostIds, staleJobIds };
    for (const host of hosts) this.hosts.set(host.hostId, host);
    for (const { before, after } of changes) this.jobs.set(after.jobId, { ...after, revision: before.revision + 1 });
    if (this.crash === 'after') {
      this.crash = undefined;
      throw new Error('crashed after the write, before the reply');
    }
    return { committed: true };
  }
  async publish(_events: readonly DomainEvent[]): Promise<void> {}
  async publishBatch(_events: readonly DomainEvent[]): Promise<void> {}
  async listPlaceable(limit: number): Promise<readonly Job[]> {
    return [...this.jobs.values()].filter((job) => job.status === 'queued' && job.fundsHeld).slice(0, limit);
  }
  async listActive(): Promise<readonly Job[]> {
    return [...this.jobs.values()];
  }
  /** The same table seen as the capacity store. */
  readonly capacity: CapacityStore = {
    all: async () => {
      await roundTrip();
      return [...this.hosts.values()];
    },
    changedSince: async () => this.capacity.all(),
    shards: 1,
    shardOf: () => 0,
    shardsOfPool: () => [0],
    get: async (hostId) => {
      await roundTrip();
      return this.hosts.get(hostId);
    },
    save: async (capacity) => {
      if ((this.hosts.get(capacity.hostId)?.revision ?? 0) !== capacity.revision - 1) return false;
      this.hosts.set(capacity.hostId, capacity);
      return true;
    },
  };
}

/**
 * A matcher on `table`, as one function container is: its own candidate cache, with a long
 * cache age, so matchers work from stale copies as separate containers do.
 */
export const memoryMatcher = (table: MemoryTable, sent: HostMessage[], clock: Clock): MatchingDeps => ({
  jobs: table,
  capacity: table.capacity,
  candidates: new CandidateCache(table.capacity, clock, 3600),
  messenger: { send: async (messages) => void sent.push(...messages) },
  balances: { available: async () => microUsd(0) },
  clock,
  settings: DEFAULT_MATCHING_SETTINGS,
});
