import type { Detail } from '#events/define.ts';
import type { event as assignmentEnded } from '#events/matching/assignment-ended.ts';
import type { event as assignmentStarted } from '#events/matching/assignment-started.ts';
import type { event as assignmentStopping } from '#events/matching/assignment-stopping.ts';
import type { event as jobScheduled } from '#events/matching/job-scheduled.ts';
import { microUsd } from '#platform/money.ts';
import { judgeable, type Lease, type LeaseObservation } from '../domain/lease.ts';
import type { MeteringDeps } from './deps.ts';
import { resolvePending } from './record-usage.ts';

export type LeaseEvent =
  | { readonly kind: 'scheduled'; readonly detail: Detail<typeof jobScheduled> }
  | { readonly kind: 'started'; readonly detail: Detail<typeof assignmentStarted> }
  | { readonly kind: 'stopping'; readonly detail: Detail<typeof assignmentStopping> }
  | { readonly kind: 'ended'; readonly detail: Detail<typeof assignmentEnded> };

/** What a lease event says of each assignment it names. */
export const observationsOf = (event: LeaseEvent): LeaseObservation[] => {
  if (event.kind === 'scheduled') {
    const { jobId, renterId, assignments } = event.detail;
    return assignments.map((assignment) => ({
      assignmentId: assignment.assignmentId,
      jobId,
      renterId,
      providerId: assignment.providerId,
      hostId: assignment.hostId,
      gpuCount: assignment.gpuIndices.length,
      gpuModel: assignment.gpuModel,
      pricePerGpuHour: microUsd(assignment.pricePerGpuHour),
      ended: false,
    }));
  }
  const { detail } = event;
  return [
    {
      assignmentId: detail.assignmentId,
      jobId: detail.jobId,
      renterId: detail.renterId,
      providerId: detail.providerId,
      hostId: detail.hostId,
      gpuCount: detail.gpuCount,
      gpuModel: detail.gpuModel,
      pricePerGpuHour: microUsd(detail.pricePerGpuHour),
      ...(detail.leaseStart ? { leaseStart: detail.leaseStart } : {}),
      ...(detail.leaseEnd ? { leaseEnd: detail.leaseEnd } : {}),
      ...(event.kind === 'ended' && detail.reason ? { endReason: detail.reason } : {}),
      ...(detail.billableUntil ? { billableUntil: detail.billableUntil } : {}),
      ended: event.kind === 'ended',
    },
  ];
};

/**
 * Keeps metering's copy of each lease the event names (ARCHITECTURE.md, Flows 5). Steps: the
 * lease is created by whichever event comes first (`job.scheduled` makes the shell), and
 * every delivery folds in what it knows (`assignment.stopping` only its billable end), so duplicates and any order converge; once the
 * lease can judge usage (started or ended), the records that waited for it are judged
 * (`resolvePending`, which emits `usage.recorded` for each one accepted). Returns the leases
 * now known and how many waiting records were judged.
 */
export const trackLeases = async (
  event: LeaseEvent,
  deps: Pick<MeteringDeps, 'leases' | 'usage' | 'clock' | 'settings'>,
): Promise<{ readonly leases: Lease[]; readonly judged: number }> => {
  const leases: Lease[] = [];
  let judged = 0;
  for (const seen of observationsOf(event)) {
    const lease = await deps.leases.observe(seen);
    leases.push(lease);
    if (judgeable(lease)) judged += await resolvePending(lease.assignmentId, deps);
  }
  return { leases, judged };
};

/**
 * An observation that can make its lease judgeable: a start or an end. A `job.scheduled`
 * shell carries neither, and a lease it finds judgeable already became so by an event that
 * judged its waiting records then (`trackLeases`), so after a batch of shells there is nothing
 * to judge and nothing to read back.
 */
const mayMakeJudgeable = (seen: LeaseObservation): boolean => seen.leaseStart !== undefined || seen.leaseEnd !== undefined || seen.ended;

/**
 * `trackLeases` for a whole SQS batch of lease events at once (issue 14): every observation
 * goes to the store together (`observeAll`), then any lease that can now judge usage has its
 * waiting records judged. Same outcome as each event on its own, in any order and repeated.
 * A batch that can make no lease judgeable (`job.scheduled` only) is written without reading
 * the leases back (`mergeAll`): `leases` is then empty.
 */
export const trackLeasesBatch = async (
  received: readonly LeaseEvent[],
  deps: Pick<MeteringDeps, 'leases' | 'usage' | 'clock' | 'settings'>,
): Promise<{ readonly leases: Lease[]; readonly judged: number }> => {
  const observations = received.flatMap(observationsOf);
  if (!observations.some(mayMakeJudgeable)) {
    await deps.leases.mergeAll(observations);
    return { leases: [], judged: 0 };
  }
  const leases = await deps.leases.observeAll(observations);
  let judged = 0;
  for (const lease of leases) if (judgeable(lease)) judged += await resolvePending(lease.assignmentId, deps);
  return { leases, judged };
};
