import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '#events/define.ts';
import { freeGpuIndices, type HostCapacity } from '#matching/domain/capacity.ts';
import { currentAssignments, isLive, type Job } from '#matching/domain/job.ts';
import type { HostMessage } from '#matching/domain/messages.ts';
import { type TimelineEntry } from '#matching/domain/outcome.ts';
import { DEFAULT_MATCHING_SETTINGS } from '#matching/domain/matching-settings.ts';
import type { BatchCommitResult, CapacityStore, CreateResult, JobChange, JobStore } from '#matching/ports.ts';
import { CandidateCache } from '#matching/use-cases/candidate-cache.ts';
import type { MatchingDeps } from '#matching/use-cases/deps.ts';
import { placeBatch } from '#matching/use-cases/place-batch.ts';
import { microUsd } from '#platform/money.ts';
import type { Page } from '#platform/pagination.ts';
import { T0 } from '#test/support/factories.ts';
import { aCapacity, aFundedJob, aJob, aJobSpec, gpus } from '#test/support/matching-factories.ts';

/** Yields to other matchers between a read and a write, as a network round trip would. */
const roundTrip = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The matching table's semantics the matcher relies on, in memory: conditional writes on
 * revisions, all-or-nothing transactions naming their stale items. `crash` makes the next
 * batch commit fail before or after it is applied (a process dying mid-batch).
 */
class MemoryTable implements JobStore {
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

const clock = { now: () => new Date(T0.getTime() + 60_000) };

const matcher = (table: MemoryTable, sent: HostMessage[]): MatchingDeps => ({
  jobs: table,
  capacity: table.capacity,
  // A long cache age: matchers work from stale copies, as separate containers do.
  candidates: new CandidateCache(table.capacity, clock, 3600),
  messenger: { send: async (messages) => void sent.push(...messages) },
  balances: { available: async () => microUsd(0) },
  clock,
  settings: DEFAULT_MATCHING_SETTINGS,
});

const POOLS = [
  { model: 'H100 80GB HBM3', region: 'eu-west' },
  { model: 'H100 80GB HBM3', region: 'us-east' },
  { model: 'RTX 4090', region: 'eu-west' },
] as const;

const scenario = fc.record({
  hosts: fc.array(fc.record({ pool: fc.integer({ min: 0, max: 2 }), gpuCount: fc.integer({ min: 1, max: 4 }), address: fc.boolean() }), { minLength: 1, maxLength: 8 }),
  jobs: fc.array(
    fc.record({ pool: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }), gpuCount: fc.integer({ min: 1, max: 3 }), hosts: fc.constantFrom(1, 1, 2), funded: fc.boolean() }),
    { minLength: 1, maxLength: 16 },
  ),
  // Each step: some matchers each place a batch at once; a batch may repeat or reorder jobs (duplicate, late messages).
  steps: fc.array(
    fc.record({
      batches: fc.array(fc.record({ matcher: fc.integer({ min: 0, max: 2 }), picks: fc.array(fc.nat(), { maxLength: 12 }) }), { minLength: 1, maxLength: 3 }),
      crash: fc.constantFrom(undefined, undefined, undefined, 'before' as const, 'after' as const),
    }),
    { minLength: 1, maxLength: 5 },
  ),
});

describe('placeBatch through generated interleavings (properties)', { timeout: 120_000 }, () => {
  it('never holds a GPU twice, places a gang whole or not at all, and places only funded jobs', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ hosts, jobs, steps }) => {
        const table = new MemoryTable();
        hosts.forEach((params, n) => {
          const pool = POOLS[params.pool]!;
          const host = aCapacity({ hostId: `host_${n}`, gpus: gpus(params.gpuCount, pool.model), region: pool.region, revision: 1, ...(params.address ? { publicAddress: `10.0.0.${n}` } : {}) });
          table.hosts.set(host.hostId, host);
        });
        jobs.forEach((params, n) => {
          const pool = params.pool === undefined ? undefined : POOLS[params.pool];
          const spec = aJobSpec({ hosts: params.hosts, gpu: { count: params.gpuCount, ...(pool ? { models: [pool.model] } : {}) }, ...(pool ? { regions: [pool.region] } : {}) });
          const job = (params.funded ? aFundedJob : aJob)({ jobId: `job_${String(n).padStart(4, '0')}`, spec });
          table.jobs.set(job.jobId, job);
        });
        const sent: HostMessage[] = [];
        const matchers = [0, 1, 2].map(() => matcher(table, sent));
        for (const step of steps) {
          table.crash = step.crash;
          // Messages carry the job as it was when read: stale and repeated copies included.
          const snapshot = [...table.jobs.values()];
          await Promise.all(
            step.batches.map(async ({ matcher: index, picks }) => {
              const batch = picks.map((pick) => snapshot[pick % snapshot.length]!);
              try {
                await placeBatch(batch, matchers[index]!);
              } catch (error) {
                if (!/^crashed/.test((error as Error).message)) throw error;
                // The process died mid-batch: a new container starts with a cold index.
                matchers[index] = matcher(table, sent);
              }
            }),
          );
        }

        const jobsNow = [...table.jobs.values()];
        for (const host of table.hosts.values()) {
          const held = Object.values(host.live).flatMap((assignment) => assignment.gpuIndices);
          expect(new Set(held).size).toBe(held.length);
          expect(freeGpuIndices(host).length + held.length).toBe(host.gpus.length);
        }
        for (const job of jobsNow) {
          const live = currentAssignments(job).filter(isLive);
          if (job.status === 'queued') {
            expect(live).toHaveLength(0);
            continue;
          }
          expect(job.fundsHeld).toBe(true);
          expect(live).toHaveLength(job.spec.hosts);
          for (const assignment of live) {
            expect(table.hosts.get(assignment.hostId)?.live[assignment.assignmentId]).toEqual({ jobId: job.jobId, gpuIndices: assignment.gpuIndices });
          }
        }
        // Every reservation on a host belongs to a job that shows it: nothing held for nobody.
        for (const host of table.hosts.values()) {
          for (const [assignmentId, held] of Object.entries(host.live)) {
            const owner = table.jobs.get(held.jobId);
            expect(currentAssignments(owner!).some((assignment) => assignment.assignmentId === assignmentId && isLive(assignment))).toBe(true);
          }
        }
        // Each assignment message went out once per committed placement, never for an uncommitted one.
        const offered = new Set(jobsNow.flatMap((job) => job.assignments.map((assignment) => assignment.assignmentId)));
        for (const message of sent) expect(offered.has((message.message as { assignmentId: string }).assignmentId)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
