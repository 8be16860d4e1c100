import type { Detail } from '#events/define.ts';
import type { event as assignmentEnded } from '#events/matching/assignment-ended.ts';
import type { event as assignmentStarted } from '#events/matching/assignment-started.ts';
import type { event as assignmentStopping } from '#events/matching/assignment-stopping.ts';
import { microUsd } from '#platform/money.ts';
import { judgeable, type Lease, type LeaseObservation } from '../domain/lease.ts';
import type { MeteringDeps } from './deps.ts';
import { resolvePending } from './record-usage.ts';

export type LeaseEvent =
  | { readonly kind: 'started'; readonly detail: Detail<typeof assignmentStarted> }
  | { readonly kind: 'stopping'; readonly detail: Detail<typeof assignmentStopping> }
  | { readonly kind: 'ended'; readonly detail: Detail<typeof assignmentEnded> };

/** What a lease event says of each assignment it names. */
export const observationsOf = (event: LeaseEvent): LeaseObservation[] => {
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
 * lease is created by whichever `assignment.*` event comes first, and every delivery folds in
 * what it knows (`assignment.stopping` only its billable end), so duplicates and any order
 * converge. Each of them carries all the lease's facts. `job.scheduled` is not heard (issue 14):
 * a lease it made could judge nothing (records wait until a start or an end either way), and
 * the start or end writes the same lease and job pointer again. Once the
 * lease can judge usage (started or ended), the records that waited for it are judged
 * (`resolvePending`, which emits one `usage.chunk_recorded` per commit listing those accepted). Returns the leases
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
