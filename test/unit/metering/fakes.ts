import type { DomainEvent } from '#events/define.ts';
import type { Clock } from '#platform/clock.ts';
import { mergeLease, type Lease, type LeaseObservation } from '#metering/domain/lease.ts';
import { DEFAULT_METERING_SETTINGS, type MeteringSettings } from '#metering/domain/usage.ts';
import {
  recordKey,
  type AssignmentUsage,
  type HourDelta,
  type LeaseStore,
  type RecordKey,
  type StoredUsage,
  type UsagePlan,
  type UsageReadModel,
  type UsageState,
  type UsageStore,
  type UsageSummary,
} from '#metering/ports.ts';
import { commitItems } from '#metering/adapters/dynamo-usage-store.ts';
import type { MeteringDeps } from '#metering/use-cases/deps.ts';

/** What the metering table would hold, in memory. */
export class MeteringState {
  readonly leases = new Map<string, Lease>();
  readonly summaries = new Map<string, UsageSummary>();
  readonly usage = new Map<string, StoredUsage>();
  readonly pending = new Map<string, StoredUsage>();
  readonly hours = new Map<string, HourDelta>();
  /** Events committed with a change, as the outbox would hold them. */
  readonly outbox: DomainEvent[] = [];
  /** Events published, one entry per publish (PutEvents and mark-sent), in order. */
  readonly publications: (readonly DomainEvent[])[] = [];
  /** Assignments the store says a key condition may not see stored records of (`UsageState.keysUnseen`). */
  readonly keysUnseen = new Set<string>();
  commits = 0;
}

/** The lease port in memory, on the domain's own merge: each call is one atomic update. */
export class FakeLeaseStore implements LeaseStore {
  constructor(private readonly state: MeteringState) {}

  async observe(seen: LeaseObservation): Promise<Lease> {
    const lease = mergeLease(this.state.leases.get(seen.assignmentId), seen);
    this.state.leases.set(seen.assignmentId, lease);
    return lease;
  }
}

/** The usage port in memory: `commit` checks every condition first and writes all or nothing. */
export class FakeUsageStore implements UsageStore {
  readonly maxItemsPerCommit = 100;
  /** Loads asked for, and record keys among them, to count reads per request. */
  loads = 0;
  recordKeysLoaded = 0;

  constructor(private readonly state: MeteringState) {}

  itemsOf(plan: UsagePlan): number {
    return commitItems(plan);
  }

  async load(assignmentIds: readonly string[], keys: readonly RecordKey[]): Promise<UsageState> {
    this.loads += 1;
    this.recordKeysLoaded += keys.length;
    const pick = <T>(map: Map<string, T>, ids: readonly string[]) =>
      new Map(ids.flatMap((id) => (map.has(id) ? [[id, structuredClone(map.get(id) as T)] as const] : [])));
    return {
      leases: pick(this.state.leases, assignmentIds),
      summaries: pick(this.state.summaries, assignmentIds),
      stored: pick(this.state.usage, keys.map(recordKey)),
      keysUnseen: new Set(assignmentIds.filter((id) => this.state.keysUnseen.has(id))),
    };
  }

  async pending(assignmentId: string, limit: number): Promise<readonly StoredUsage[]> {
    return [...this.state.pending.values()].filter((record) => record.assignmentId === assignmentId).slice(0, limit);
  }

  async stalePending(receivedBefore: string, limit: number): Promise<readonly StoredUsage[]> {
    return [...this.state.pending.values()].filter((record) => record.receivedAt < receivedBefore).slice(0, limit);
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (events.length > 0) this.state.publications.push(events);
  }

  async commit(plan: UsagePlan, options: { readonly publish?: boolean } = {}): Promise<'committed' | 'conflict'> {
    for (const record of plan.records) {
      const existing = this.state.usage.get(recordKey(record));
      // A key condition that cannot see the stored copy (`keysUnseen`) lets the write through, as the real store's would.
      const seen = !this.state.keysUnseen.has(record.assignmentId);
      if (record.previous === 'none' ? existing !== undefined && seen : existing?.status !== 'pending') return 'conflict';
    }
    for (const { beforeVersion, after } of plan.summaries) {
      if ((this.state.summaries.get(after.assignmentId)?.version ?? 0) !== beforeVersion) return 'conflict';
    }
    for (const { previous, ...record } of plan.records) {
      this.state.usage.set(recordKey(record), record);
      if (record.status === 'pending') this.state.pending.set(recordKey(record), record);
      if (previous === 'pending') this.state.pending.delete(recordKey(record));
    }
    for (const { after } of plan.summaries) this.state.summaries.set(after.assignmentId, after);
    for (const hour of plan.hours) {
      const key = `${hour.assignmentId}#${hour.hour}`;
      const known = this.state.hours.get(key);
      this.state.hours.set(key, known ? {
        ...known,
        gpuMs: known.gpuMs + hour.gpuMs,
        records: known.records + hour.records,
        utilizationGpuMs: known.utilizationGpuMs + hour.utilizationGpuMs,
        weighedGpuMs: known.weighedGpuMs + hour.weighedGpuMs,
      } : hour);
    }
    this.state.outbox.push(...plan.events);
    this.state.commits += 1;
    if (options.publish !== false) await this.publish(plan.events);
    return 'committed';
  }
}

export class FakeUsageReads implements UsageReadModel {
  constructor(private readonly state: MeteringState) {}

  private usageOf(lease: Lease): AssignmentUsage {
    return {
      lease,
      summary: this.state.summaries.get(lease.assignmentId),
      hours: [...this.state.hours.values()].filter((hour) => hour.assignmentId === lease.assignmentId),
      pendingRecords: [...this.state.pending.values()].filter((record) => record.assignmentId === lease.assignmentId).length,
    };
  }

  async jobUsage(jobId: string): Promise<readonly AssignmentUsage[]> {
    return [...this.state.leases.values()].filter((lease) => lease.jobId === jobId).map((lease) => this.usageOf(lease));
  }

  async hostUsage(hostId: string, limit: number) {
    const items = [...this.state.leases.values()].filter((lease) => lease.hostId === hostId).slice(0, limit).map((lease) => ({ ...this.usageOf(lease), hours: [] }));
    return { items, nextCursor: null };
  }
}

export const inMemoryMetering = (start: Date, settings: MeteringSettings = DEFAULT_METERING_SETTINGS) => {
  const state = new MeteringState();
  let now = start;
  const clock: Clock = { now: () => now };
  const deps: MeteringDeps = {
    leases: new FakeLeaseStore(state),
    usage: new FakeUsageStore(state),
    reads: new FakeUsageReads(state),
    clock,
    settings,
    // Replays lose a race on purpose (the first try trusts nothing was stored): no real waits.
    sleep: async () => {},
  };
  return { state, deps, advance: (seconds: number) => { now = new Date(now.getTime() + seconds * 1000); } };
};
