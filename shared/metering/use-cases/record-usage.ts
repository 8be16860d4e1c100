import { newEvent, type DomainEvent, type Payload } from '#events/define.ts';
import { MAX_CHUNK_RECORDS, event as usageChunkRecorded } from '#events/metering/usage-chunk-recorded.ts';
import { ServiceBusyError } from '#platform/errors.ts';
import { newId } from '#platform/ids.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import { effectiveLease, judgeable, leaseState, type Lease } from '../domain/lease.ts';
import { hourShares, judgeBatch, reportedGpuMs, type ClipReason, type MeteringSettings, type ReceivedUsage, type UsageReport } from '../domain/usage.ts';
import { recordKey, type HourDelta, type StoredStatus, type StoredUsage, type UsagePlan, type UsageState, type UsageSummary } from '../ports.ts';
import type { MeteringDeps } from './deps.ts';

/** Lost races before giving up; between them a jittered wait of up to min(1 s, 10 ms * 2^n). */
const CONFLICT_RETRY = { attempts: 8, baseDelayMs: 10, maxDelayMs: 1000 } as const;
const PENDING_PAGE = 40;

type ChunkRecord = Payload<typeof usageChunkRecorded>['records'][number];

/** What every record of an assignment's chunk shares: from its lease. */
const chunkFacts = (lease: Lease) => ({
  assignmentId: lease.assignmentId,
  jobId: lease.jobId,
  renterId: lease.renterId,
  providerId: lease.providerId,
  hostId: lease.hostId,
  gpuModel: lease.gpuModel,
  pricePerGpuHour: lease.pricePerGpuHour,
});

export type Candidate = ReceivedUsage & { readonly previous: 'none' | 'pending' };

export interface RecordOutcome {
  readonly eventId: string;
  readonly assignmentId: string;
  readonly status: StoredStatus | 'duplicate';
  readonly usageRecordId?: string;
  readonly gpuMs?: number;
  readonly clipped?: readonly ClipReason[];
  readonly reason?: string;
  /** For a duplicate: what the first copy became. */
  readonly original?: StoredStatus;
}

export const emptySummary = (assignmentId: string): UsageSummary => ({
  assignmentId, version: 0, coverage: [], acceptedRecords: 0, clippedRecords: 0, rejectedRecords: 0, gpuMs: 0, reportedGpuMs: 0,
});

const outcomeOf = (stored: StoredUsage): RecordOutcome => ({
  eventId: stored.eventId,
  assignmentId: stored.assignmentId,
  status: stored.status,
  ...(stored.usageRecordId ? { usageRecordId: stored.usageRecordId } : {}),
  ...(stored.gpuMs !== undefined ? { gpuMs: stored.gpuMs } : {}),
  ...(stored.clipped && stored.clipped.length > 0 ? { clipped: stored.clipped } : {}),
  ...(stored.reason ? { reason: stored.reason } : {}),
});

const duplicateOf = (stored: StoredUsage): RecordOutcome => ({ ...outcomeOf(stored), status: 'duplicate', original: stored.status });

/**
 * Records to try in the next commit after a plan of `size` records came to `items` items
 * where the store takes at most `max`: the share that fits at the plan's items per record.
 */
export const shrunkChunk = (size: number, items: number, max: number): number =>
  Math.max(1, Math.min(size - 1, Math.floor((size * max) / items)));

const addHours = (hours: Map<string, HourDelta>, lease: Lease, shares: Map<string, number>, utilization: number | undefined) => {
  for (const [hour, gpuMs] of shares) {
    const key = `${lease.assignmentId}#${hour}`;
    const known = hours.get(key) ?? { assignmentId: lease.assignmentId, hour, gpuMs: 0, records: 0, utilizationGpuMs: 0, weighedGpuMs: 0 };
    hours.set(key, {
      ...known,
      gpuMs: known.gpuMs + gpuMs,
      records: known.records + 1,
      utilizationGpuMs: known.utilizationGpuMs + (utilization === undefined ? 0 : Math.round(utilization * gpuMs)),
      weighedGpuMs: known.weighedGpuMs + (utilization === undefined ? 0 : gpuMs),
    });
  }
};

/**
 * Judges records against what the store holds and says what to write, all in one plan:
 * per assignment, its records in order against its coverage (domain/usage.ts); each accepted
 * one gets its own usage record id, a line in the assignment's one `usage.chunk_recorded` and its share of the hourly
 * buckets; rejected ones are kept (so a resend reports itself) and counted; records for a
 * lease not known yet are kept as pending. A record refused as another host's is not
 * stored unless it was already waiting (then it is closed as rejected).
 */
export const planUsage = (
  candidates: readonly Candidate[],
  state: UsageState,
  now: Date,
  settings: MeteringSettings,
): { readonly plan: UsagePlan; readonly outcomes: ReadonlyMap<string, RecordOutcome> } => {
  const judgedAt = now.toISOString();
  const records: UsagePlan['records'][number][] = [];
  const summaries: UsagePlan['summaries'][number][] = [];
  const hours = new Map<string, HourDelta>();
  const events: UsagePlan['events'][number][] = [];
  const outcomes = new Map<string, RecordOutcome>();

  const byAssignment = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const group = byAssignment.get(candidate.assignmentId);
    if (group) group.push(candidate);
    else byAssignment.set(candidate.assignmentId, [candidate]);
  }
  for (const [assignmentId, group] of byAssignment) {
    const before = state.summaries.get(assignmentId) ?? emptySummary(assignmentId);
    const lease = effectiveLease(state.leases.get(assignmentId), before.lastOpenUsageAt);
    const open = lease !== undefined && leaseState(lease) === 'open';
    const { verdicts, coverage } = judgeBatch(group, lease, before.coverage, settings);
    let summary: UsageSummary = { ...before, coverage };
    let changed = false;
    const accepted: ChunkRecord[] = [];
    for (const [received, verdict] of verdicts) {
      const candidate = received as Candidate;
      const { previous, ...usage } = candidate;
      const key = recordKey(candidate);
      const reported = reportedGpuMs(usage.gpuSeconds);
      if (verdict.status === 'pending') {
        if (previous === 'none') records.push({ ...usage, previous, status: 'pending' });
        outcomes.set(key, { eventId: usage.eventId, assignmentId, status: 'pending' });
        continue;
      }
      if (verdict.status === 'rejected') {
        const stored: StoredUsage = { ...usage, status: 'rejected', reason: verdict.reason, judgedAt };
        if (verdict.reason !== 'not_your_assignment') {
          records.push({ ...stored, previous });
          summary = { ...summary, rejectedRecords: summary.rejectedRecords + 1, reportedGpuMs: summary.reportedGpuMs + reported };
          changed = true;
        } else if (previous === 'pending') {
          records.push({ ...stored, previous });
        }
        outcomes.set(key, outcomeOf(stored));
        continue;
      }
      // Accepted: `judgeUsage` never accepts without a lease.
      const known = lease as Lease;
      const usageRecordId = newId('use', now);
      const stored: StoredUsage = {
        ...usage,
        status: 'accepted',
        usageRecordId,
        gpuMs: verdict.gpuMs,
        acceptedFrom: new Date(verdict.from).toISOString(),
        acceptedTo: new Date(verdict.to).toISOString(),
        clipped: verdict.clipped,
        judgedAt,
      };
      records.push({ ...stored, previous });
      accepted.push({ usageRecordId, gpuSeconds: verdict.gpuMs / 1000, from: new Date(verdict.from).toISOString(), to: new Date(verdict.to).toISOString() });
      addHours(hours, known, hourShares(verdict.segments, verdict.gpuMs), usage.gpuUtilization);
      summary = {
        ...summary,
        acceptedRecords: summary.acceptedRecords + 1,
        clippedRecords: summary.clippedRecords + (verdict.clipped.length > 0 ? 1 : 0),
        gpuMs: summary.gpuMs + verdict.gpuMs,
        reportedGpuMs: summary.reportedGpuMs + reported,
        ...(open && (summary.lastOpenUsageAt === undefined || usage.receivedAt > summary.lastOpenUsageAt) ? { lastOpenUsageAt: usage.receivedAt } : {}),
      };
      changed = true;
      outcomes.set(key, outcomeOf(stored));
    }
    if (changed) summaries.push({ beforeVersion: before.version, after: { ...summary, version: before.version + 1 } });
    // One event for the assignment's records of this commit: billing charges them in one transaction.
    if (lease && accepted.length > 0) events.push(newEvent(usageChunkRecorded, { chunkId: newId('uch', now), ...chunkFacts(lease), recordedAt: judgedAt, records: accepted }, now));
  }
  return { plan: { records, summaries, hours: [...hours.values()], events }, outcomes };
};

/** A 503 with Retry-After at the API (the agent resends); a consumer's record is redelivered. */
const conflictsExhausted = (what: string) => new ServiceBusyError(`${what} kept conflicting with concurrent writers; retry shortly`);

/**
 * Judges waiting records of an assignment once its lease is known (started or ended).
 * Called by the leases consumer when a lease arrives, and by `recordUsage` right after it
 * stored records as pending (so a lease that arrived in between is not missed). Steps: read
 * a page of pending records and the lease; plan; write with each record conditioned on
 * still pending, so two callers judge each record once. Emits one `usage.chunk_recorded`
 * per assignment and commit, listing its accepted records. Returns how many records it judged.
 */
export const resolvePending = async (assignmentId: string, deps: Pick<MeteringDeps, 'usage' | 'clock' | 'settings' | 'sleep'>): Promise<number> => {
  let judged = 0;
  // One attempt judges pages until none is left or a write loses a race; the cap counts lost races.
  return retryOnConflict(
    async () => {
      for (;;) {
        const waiting = await deps.usage.pending(assignmentId, PENDING_PAGE);
        if (waiting.length === 0) return judged;
        const state = await deps.usage.load([assignmentId], []);
        const lease = state.leases.get(assignmentId);
        if (!lease || !judgeable(lease)) return judged;
        const { plan } = planUsage(waiting.map((record) => ({ ...record, previous: 'pending' as const })), state, deps.clock.now(), deps.settings);
        if ((await deps.usage.commit(plan)) === 'conflict') return CONFLICT;
        judged += waiting.length;
      }
    },
    { ...CONFLICT_RETRY, sleep: deps.sleep, exhausted: () => conflictsExhausted(`pending usage of ${assignmentId}`) },
  );
};

export interface RecordUsageResult {
  readonly outcomes: readonly RecordOutcome[];
}

/**
 * `POST /v1/agent/usage`: stores every record durably before answering (ARCHITECTURE.md,
 * Failure model). Leases and summaries are read once per request; each commit's summaries
 * are carried forward from what it wrote. Records are written optimistically, each only if
 * its key is unused, so the common case (no record seen before) reads no record: a
 * transaction cancelled by a stored copy (a resend, or a concurrent writer) or by a changed
 * summary is a lost race, and the next attempt reads everything again, stored copies
 * included (a stored copy makes the record a duplicate, forever). Per commit: as many
 * records as the store takes in one transaction (`maxItemsPerCommit`, counted by the store's
 * `itemsOf`), with summaries, hours and one `usage.chunk_recorded` per assignment. Then
 * judge at once any record stored as pending whose lease has arrived meanwhile. A record
 * repeated within the request is a duplicate of its first copy.
 */
export const recordUsage = async (hostId: string, reports: readonly UsageReport[], deps: Pick<MeteringDeps, 'usage' | 'clock' | 'settings' | 'sleep'>): Promise<RecordUsageResult> => {
  const now = deps.clock.now();
  const receivedAt = now.toISOString();
  const candidates = new Map<string, Candidate>();
  for (const report of reports) {
    const candidate: Candidate = { ...report, hostId, receivedAt, previous: 'none' };
    if (!candidates.has(recordKey(candidate))) candidates.set(recordKey(candidate), candidate);
  }
  const outcomes = new Map<string, RecordOutcome>();
  let queue = [...candidates.values()];
  let size = Math.min(queue.length, MAX_CHUNK_RECORDS);
  // Every commit's events, published together once the request's commits are done.
  const committedEvents: DomainEvent[] = [];
  try {
    // One attempt writes chunks until all are written or a write loses a race; the cap counts lost races.
    await retryOnConflict(
      async (attempt) => {
        // The first attempt trusts that no record was stored before; after a lost race, read them.
        const checked = new Set<string>();
        const state = await deps.usage.load([...new Set(queue.map((c) => c.assignmentId))], attempt > 1 ? queue : []);
        const summaries = new Map(state.summaries);
        const stored = new Map(state.stored);
        if (attempt > 1) for (const candidate of queue) checked.add(recordKey(candidate));
        // An assignment whose records a key condition may not see (stored before record groups): read them first.
        const unseen = attempt > 1 ? [] : queue.filter((candidate) => state.keysUnseen.has(candidate.assignmentId));
        if (unseen.length > 0) {
          for (const [key, copy] of (await deps.usage.load([], unseen)).stored) stored.set(key, copy);
          for (const candidate of unseen) checked.add(recordKey(candidate));
        }
        while (queue.length > 0) {
          const chunk = queue.slice(0, size);
          const fresh = chunk.filter((candidate) => {
            const copy = stored.get(recordKey(candidate));
            if (copy) outcomes.set(recordKey(candidate), duplicateOf(copy));
            return !copy;
          });
          const { plan, outcomes: planned } = planUsage(fresh, { leases: state.leases, summaries, stored, keysUnseen: state.keysUnseen }, now, deps.settings);
          const items = deps.usage.itemsOf(plan);
          if (items > deps.usage.maxItemsPerCommit && size > 1) {
            size = shrunkChunk(size, items, deps.usage.maxItemsPerCommit);
            continue;
          }
          // A record the plan does not write has no key condition to catch a stored copy: read it.
          const written = new Set(plan.records.map(recordKey));
          const unchecked = fresh.filter((candidate) => !written.has(recordKey(candidate)) && !checked.has(recordKey(candidate)));
          if (unchecked.length > 0) {
            const copies = await deps.usage.load([], unchecked);
            for (const candidate of unchecked) checked.add(recordKey(candidate));
            for (const [key, copy] of copies.stored) stored.set(key, copy);
            continue;
          }
          const empty = plan.records.length === 0 && plan.summaries.length === 0;
          if (!empty && (await deps.usage.commit(plan, { publish: false })) === 'conflict') return CONFLICT;
          if (!empty) committedEvents.push(...plan.events);
          for (const [key, outcome] of planned) outcomes.set(key, outcome);
          for (const { after } of plan.summaries) summaries.set(after.assignmentId, after);
          queue = queue.slice(chunk.length);
        }
        return undefined;
      },
      { ...CONFLICT_RETRY, sleep: deps.sleep, exhausted: () => conflictsExhausted('usage records') },
    );
  } finally {
    // Also after a failure part way: what committed goes out now rather than at the next sweep.
    await deps.usage.publish(committedEvents);
  }

  const waiting = new Set([...outcomes.values()].filter((outcome) => outcome.status === 'pending').map((outcome) => outcome.assignmentId));
  for (const assignmentId of waiting) await resolvePending(assignmentId, deps);

  const answered = new Set<string>();
  return {
    outcomes: reports.map((report) => {
      const key = recordKey({ ...report, hostId });
      const outcome = outcomes.get(key) as RecordOutcome;
      if (!answered.has(key)) {
        answered.add(key);
        return outcome;
      }
      return { ...outcome, status: 'duplicate' as const, original: outcome.status === 'duplicate' ? outcome.original : (outcome.status as StoredStatus) };
    }),
  };
};
