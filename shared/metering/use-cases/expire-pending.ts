import { addSeconds } from '#platform/clock.ts';
import { judgeable } from '../domain/lease.ts';
import { DEFAULT_PENDING_MAX_SECONDS, reportedGpuMs } from '../domain/usage.ts';
import type { StoredUsage, UsagePlan } from '../ports.ts';
import type { MeteringDeps } from './deps.ts';
import { emptySummary, resolvePending } from './record-usage.ts';

const PAGE = 100;

export interface ExpirePendingResult {
  /** Records rejected as `lease_never_arrived`. */
  readonly expired: number;
  /** Records whose lease had arrived after all (a missed wake-up), judged now. */
  readonly judged: number;
  /** Assignments left for the next run (a concurrent writer won). */
  readonly conflicts: number;
}

/**
 * The pending sweep: a record stored while its lease was unknown waits until the lease
 * arrives, but an assignment that does not exist (a buggy or hostile agent) never gets
 * one. Steps: list the records that waited longer than `pendingMaxSeconds`; per
 * assignment, read the lease: if it is judgeable now (its wake-up was missed), judge them
 * as usual (`resolvePending`); otherwise reject them (`lease_never_arrived`), each only if
 * still pending, counted on the assignment's summary, so a resend answers as a duplicate of
 * a rejected record and nothing is ever billed for them. Emits no event.
 */
export const expireStalePending = async (deps: Pick<MeteringDeps, 'usage' | 'clock' | 'settings'>): Promise<ExpirePendingResult> => {
  const now = deps.clock.now();
  const cutoff = addSeconds(now, -(deps.settings.pendingMaxSeconds ?? DEFAULT_PENDING_MAX_SECONDS)).toISOString();
  const stale = await deps.usage.stalePending(cutoff, PAGE);
  const byAssignment = new Map<string, StoredUsage[]>();
  for (const record of stale) byAssignment.set(record.assignmentId, [...(byAssignment.get(record.assignmentId) ?? []), record]);
  let expired = 0;
  let judged = 0;
  let conflicts = 0;
  for (const [assignmentId, records] of byAssignment) {
    const state = await deps.usage.load([assignmentId], []);
    const lease = state.leases.get(assignmentId);
    if (lease && judgeable(lease)) {
      judged += await resolvePending(assignmentId, deps);
      continue;
    }
    const before = state.summaries.get(assignmentId) ?? emptySummary(assignmentId);
    const judgedAt = now.toISOString();
    const plan: UsagePlan = {
      records: records.map((record) => ({ ...record, previous: 'pending' as const, status: 'rejected' as const, reason: 'lease_never_arrived' as const, judgedAt })),
      summaries: [{
        beforeVersion: before.version,
        after: {
          ...before,
          version: before.version + 1,
          rejectedRecords: before.rejectedRecords + records.length,
          reportedGpuMs: before.reportedGpuMs + records.reduce((total, record) => total + reportedGpuMs(record.gpuSeconds), 0),
        },
      }],
      hours: [],
      events: [],
    };
    if ((await deps.usage.commit(plan)) === 'committed') expired += records.length;
    else conflicts += 1;
  }
  return { expired, judged, conflicts };
};
