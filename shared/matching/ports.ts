import type { JobTemplate } from './domain/template.ts';
import type { DomainEvent } from '#events/define.ts';
import type { MicroUsd } from '#platform/money.ts';
import type { Page } from '#platform/pagination.ts';
import type { HostCapacity } from './domain/capacity.ts';
import type { Job } from './domain/job.ts';
import type { HostMessage } from './domain/messages.ts';
import type { TimelineEntry } from './domain/outcome.ts';

export interface IdempotencyClaim {
  readonly key: string;
  readonly bodyHash: string;
}

export type CreateResult = { readonly kind: 'created' } | { readonly kind: 'replayed'; readonly jobId: string; readonly sameBody: boolean };

/** Raises a job's cost so far (`usage.chunk_charged`); false when the job is unknown or already shows as much. */
export interface JobCostWriter {
  raiseCost(jobId: string, cost: MicroUsd): Promise<boolean>;
}

export interface JobStore {
  /** Creates the job with its first timeline entry and `job.submitted`; with a claim, once per key. */
  create(job: Job, timeline: readonly TimelineEntry[], events: readonly DomainEvent[], claim?: IdempotencyClaim): Promise<CreateResult>;
  get(jobId: string): Promise<Job | undefined>;
  listByRenter(renterId: string, query: { status?: string; limit: number; cursor?: string }): Promise<Page<Job>>;
  timeline(jobId: string, limit: number, cursor?: string): Promise<Page<TimelineEntry>>;
  /**
   * Writes a transition in one transaction: the job (if nobody wrote it since `before`),
   * the host reservations it changed (each checked by revision), its timeline and its
   * events (left to `publish` or the outbox sweep). False when a concurrent writer won.
   */
  commit(before: Job, after: Job, hosts: readonly HostCapacity[], timeline: readonly TimelineEntry[], events: readonly DomainEvent[]): Promise<boolean>;
  /**
   * Writes several jobs' transitions and the hosts they share in ONE transaction (each host
   * once, with every reservation of the batch, checked by its revision before them). On a
   * lost race, names the stale items so only those are read again.
   */
  commitBatch(changes: readonly JobChange[], hosts: readonly HostCapacity[]): Promise<BatchCommitResult>;
  /** Publishes events a successful commit wrote to the outbox. */
  publish(events: readonly DomainEvent[]): Promise<void>;
  /** Publishes the events `commitBatch` committed (as one outbox item), then marks it sent. */
  publishBatch(events: readonly DomainEvent[]): Promise<void>;
  /**
   * Jobs funded and waiting for capacity, oldest first: every placement group's, or only the
   * given group's (domain/place-groups.ts), which is all a pool's matcher reads.
   */
  listPlaceable(limit: number, group?: number): Promise<readonly Job[]>;
  /** Every job a sweep must look at: queued, placed, running, or still stopping work. */
  listActive(): Promise<readonly Job[]>;
}

export interface JobChange {
  readonly before: Job;
  readonly after: Job;
  readonly timeline: readonly TimelineEntry[];
  readonly events: readonly DomainEvent[];
}

export type BatchCommitResult =
  | { readonly committed: true }
  | { readonly committed: false; readonly staleJobIds: readonly string[]; readonly staleHostIds: readonly string[] };

export interface CapacityStore {
  all(): Promise<readonly HostCapacity[]>;
  /** Hosts whose capacity was written at or after `since` (ISO time) in these change shards (all when omitted), in any order. */
  changedSince(since: string, shards?: readonly number[]): Promise<readonly HostCapacity[]>;
  /** How many change shards list the hosts (numbered from 0). */
  readonly shards: number;
  /** The change shard a host's capacity is listed under. */
  shardOf(capacity: HostCapacity): number;
  /** The change shards a pool's hosts are listed under (a host in several pools under one of them only). */
  shardsOfPool(pool: string): readonly number[];
  get(hostId: string): Promise<HostCapacity | undefined>;
  /** Writes a projection change if the revision is still `capacity.revision - 1`. */
  save(capacity: HostCapacity): Promise<boolean>;
}

export interface HostMessenger {
  /** Sends to each host's queue; what fails is left to the resend sweep. */
  send(messages: readonly HostMessage[]): Promise<void>;
}

/** Billing's read-only port: what the renter could hold now (advisory; the hold decides). */
export interface BalanceReader {
  available(accountId: string): Promise<MicroUsd>;
}

/** Accounts' read-only port: the public SSH keys the renter saved (jobs with ports get them). */
export interface SshKeyReader {
  savedKeys(accountId: string): Promise<string[]>;
}

/** The job templates kept in the repository (templates/*.yaml). */
export interface TemplateCatalogue {
  get(name: string): JobTemplate | undefined;
  list(): JobTemplate[];
}

/**
 * A wake-up for one placement group's matcher (domain/place-groups.ts), sent to the
 * `matching-pools` FIFO queue with the group as its message group.
 */
export interface PoolNudge {
  readonly group: number;
  /** What SQS deduplicates it by: the event that caused it, so a redelivered event nudges once. */
  readonly deduplicationId: string;
}

export interface PoolNudger {
  /** Sends the nudges; returns those SQS did not take. */
  nudge(nudges: readonly PoolNudge[]): Promise<readonly PoolNudge[]>;
}
