import type { DomainEvent } from '#events/define.ts';
import type { Page } from '#platform/pagination.ts';
import type { Lease, LeaseObservation } from './domain/lease.ts';
import type { ClipReason, Coverage, ReceivedUsage, RejectReason } from './domain/usage.ts';

export interface LeaseStore {
  /** Folds what one event says into the assignment's lease (idempotent, any order) and returns it. */
  observe(seen: LeaseObservation): Promise<Lease>;
}

/** What an assignment's accepted and rejected records add up to, with the time they cover. */
export interface UsageSummary {
  readonly assignmentId: string;
  /** Bumped by every write, which is conditioned on it: one writer per assignment at a time. */
  readonly version: number;
  readonly coverage: Coverage;
  readonly acceptedRecords: number;
  readonly clippedRecords: number;
  readonly rejectedRecords: number;
  /** Accepted GPU-milliseconds. */
  readonly gpuMs: number;
  /** What the accepted and rejected records claimed, GPU-milliseconds. */
  readonly reportedGpuMs: number;
  /** When the platform last received accepted usage while the lease was open (host loss ends the lease no earlier). */
  readonly lastOpenUsageAt?: string;
  /** The store's mark, kept as read: every record of the assignment is where a write's key condition sees it (`UsageState.keysUnseen`). */
  readonly recordGroups?: true;
}

export type StoredStatus = 'accepted' | 'rejected' | 'pending';

/** One usage record as stored, forever, under its (assignment, event, host) key. */
export interface StoredUsage extends ReceivedUsage {
  readonly status: StoredStatus;
  /** Read from a waiting record's pointer written before record groups: its stored copy is an item of its own. */
  readonly storedAlone?: true;
  readonly usageRecordId?: string;
  readonly gpuMs?: number;
  readonly acceptedFrom?: string;
  readonly acceptedTo?: string;
  readonly clipped?: readonly ClipReason[];
  readonly reason?: RejectReason;
  readonly judgedAt?: string;
}

export interface HourDelta {
  readonly assignmentId: string;
  readonly hour: string;
  readonly gpuMs: number;
  readonly records: number;
  /** Utilization-weighted GPU-milliseconds and the GPU-milliseconds they weigh, for a mean. */
  readonly utilizationGpuMs: number;
  readonly weighedGpuMs: number;
}

/**
 * One transaction's worth of writes: records new (`previous: 'none'`, written only if the
 * key is unused) or judged after waiting (`previous: 'pending'`, only if still pending),
 * each assignment's summary (only if still at `beforeVersion`), the hourly buckets and the
 * `usage.chunk_recorded` events (one per assignment), all or nothing.
 */
export interface UsagePlan {
  readonly records: readonly (StoredUsage & { readonly previous: 'none' | 'pending' })[];
  readonly summaries: readonly { readonly beforeVersion: number; readonly after: UsageSummary }[];
  readonly hours: readonly HourDelta[];
  readonly events: readonly DomainEvent[];
}

export interface UsageState {
  readonly leases: ReadonlyMap<string, Lease>;
  readonly summaries: ReadonlyMap<string, UsageSummary>;
  /** Stored records by `recordKey`. */
  readonly stored: ReadonlyMap<string, StoredUsage>;
  /**
   * Assignments (of those asked for) that may have records stored where a write's key
   * condition does not look (written before record groups): read a record's stored copy
   * before writing it, as after a lost race. Empty for every assignment since.
   */
  readonly keysUnseen: ReadonlySet<string>;
}

export interface RecordKey {
  readonly assignmentId: string;
  readonly eventId: string;
  readonly hostId: string;
}

export const recordKey = (key: RecordKey): string => `${key.assignmentId}#${key.eventId}#${key.hostId}`;

export interface UsageStore {
  /** The most items one `commit` can write (a larger plan is split by the caller). */
  readonly maxItemsPerCommit: number;
  /** Items `commit` would write for this plan, to compare with `maxItemsPerCommit`. */
  itemsOf(plan: UsagePlan): number;
  /** Leases and summaries of these assignments and the records stored under these keys, read consistently. */
  load(assignmentIds: readonly string[], keys: readonly RecordKey[]): Promise<UsageState>;
  /** An assignment's records waiting for its lease, oldest first, read consistently. */
  pending(assignmentId: string, limit: number): Promise<readonly StoredUsage[]>;
  /** Records of any assignment still waiting for their lease, received before `receivedBefore`, oldest first per shard. */
  stalePending(receivedBefore: string, limit: number): Promise<readonly StoredUsage[]>;
  /**
   * Writes the plan atomically, its events into the outbox with it; 'conflict' when a
   * condition failed (someone wrote first) and nothing was written. Then publishes the
   * events, unless `publish` is false: the caller then hands them to `publish` itself, so
   * that several commits' events go out together (one PutEvents, marked sent at once).
   */
  commit(plan: UsagePlan, options?: { readonly publish?: boolean }): Promise<'committed' | 'conflict'>;
  /** Publishes events that committed plans wrote (best effort: the outbox sweep sends what this does not). */
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export interface HourBucket {
  readonly hour: string;
  readonly gpuMs: number;
  readonly records: number;
  readonly utilizationGpuMs: number;
  readonly weighedGpuMs: number;
}

export interface AssignmentUsage {
  readonly lease: Lease;
  readonly summary: UsageSummary | undefined;
  readonly hours: readonly HourBucket[];
  readonly pendingRecords: number;
}

export interface UsageReadModel {
  /** Every assignment of the job metering knows, with its hours. */
  jobUsage(jobId: string): Promise<readonly AssignmentUsage[]>;
  /** The host's assignments, newest job first, with their totals (no hours). */
  hostUsage(hostId: string, limit: number, cursor?: string): Promise<Page<AssignmentUsage>>;
}
