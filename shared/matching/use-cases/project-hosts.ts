import type { Detail } from '#events/define.ts';
import type { event as hostRegistered } from '#events/registry/host-registered.ts';
import type { event as hostWentOffline } from '#events/registry/host-went-offline.ts';
import { microUsd } from '#platform/money.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import type { HostCapacity } from '../domain/capacity.ts';
import type { Job } from '../domain/job.ts';
import { poolsOf } from '../domain/pool-index.ts';
import { onHostMaintenance } from '../domain/maintenance-notice.ts';
import { onHostLost, onHostUnreachable } from '../domain/transitions.ts';
import { applyToJob } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';
import { wakeMatcher } from './pool-nudges.ts';

export type HostSnapshot = Detail<typeof hostRegistered>;
export type HostTransition = Detail<typeof hostWentOffline>;

export type HostEvent =
  | { readonly kind: 'snapshot'; readonly detail: HostSnapshot }
  | { readonly kind: 'unreachable' | 'came_online' | 'went_offline' | 'deregistered'; readonly detail: HostTransition };

const MAX_ATTEMPTS = 5;

/** Applies one event to the projection; events older than what it already shows are ignored. */
const project = (current: HostCapacity | undefined, event: HostEvent): HostCapacity | undefined => {
  const at = event.detail.occurredAt;
  if (event.kind === 'snapshot') {
    const snapshot = event.detail;
    if (current && current.snapshotAt > at) return undefined;
    const statusIsNewer = !current || current.statusAt <= at;
    return {
      hostId: snapshot.hostId,
      providerId: snapshot.providerId,
      status: statusIsNewer ? snapshot.status : current.status,
      listed: snapshot.listed,
      draining: snapshot.draining,
      deregistered: current?.deregistered ?? false,
      gpus: snapshot.gpus.map(({ index, model, vramMb }) => ({ index, model, vramMb })),
      pricePerGpuHour: microUsd(snapshot.pricePerGpuHour),
      ...(snapshot.minBidPerGpuHour !== undefined ? { minBidPerGpuHour: microUsd(snapshot.minBidPerGpuHour) } : {}),
      region: snapshot.region,
      runtimes: snapshot.runtimes,
      ...(snapshot.publicAddress ? { publicAddress: snapshot.publicAddress } : {}),
      ...(snapshot.portRange ? { portRange: snapshot.portRange } : {}),
      reliability: snapshot.reliability,
      ...(snapshot.maintenanceWindows ? { maintenanceWindows: snapshot.maintenanceWindows } : {}),
      ...(snapshot.verification ? { verification: snapshot.verification } : {}),
      ...(current?.lastSeenAt ? { lastSeenAt: current.lastSeenAt } : {}),
      snapshotAt: at,
      statusAt: statusIsNewer ? at : current.statusAt,
      live: current?.live ?? {},
      revision: (current?.revision ?? 0) + 1,
    };
  }
  if (!current || current.statusAt > at) return undefined;
  const status = event.kind === 'came_online' ? 'online' : event.kind === 'unreachable' ? 'unreachable' : 'offline';
  // Unreachable and offline announced in the same instant: offline is the later state.
  if (current.statusAt === at && current.status === 'offline' && status === 'unreachable') return undefined;
  const lastSeenAt = event.detail.lastHeartbeatAt ?? (event.kind === 'unreachable' ? event.detail.since : current.lastSeenAt);
  return {
    ...current,
    status,
    deregistered: current.deregistered || event.kind === 'deregistered',
    ...(lastSeenAt ? { lastSeenAt } : {}),
    statusAt: at,
    revision: current.revision + 1,
  };
};

/**
 * Keeps matching's view of a host current from the `host.*` events, then acts on what
 * changed: an unreachable host's jobs get a timeline note (nothing is stopped); an offline
 * or deregistered host loses its assignments (re-queue or `host_lost`); maintenance windows
 * in a snapshot are told to the renters of the jobs live on the host; any change may free
 * or add capacity, so the matcher of each placement group it concerns is nudged (pool-nudges.ts).
 */
export const projectHostEvent = async (event: HostEvent, deps: MatchingDeps): Promise<void> => {
  const projected = await retryOnConflict<HostCapacity | undefined>(
    async () => {
      const next = project(await deps.capacity.get(event.detail.hostId), event);
      if (!next) return undefined;
      return (await deps.capacity.save(next)) ? next : CONFLICT;
    },
    { attempts: MAX_ATTEMPTS, exhausted: () => new Error(`Could not project ${event.kind} for ${event.detail.hostId}: too many concurrent writers`) },
  );
  if (!projected) return;
  deps.candidates.remember([projected]);

  const jobIds = [...new Set(Object.values(projected.live).map((held) => held.jobId))];
  const now = deps.clock.now();
  if (event.kind === 'unreachable') {
    for (const jobId of jobIds) await applyToJob(jobId, (job) => onHostUnreachable(job, projected.hostId, now), deps);
  }
  // Renters with work here hear of maintenance now (once per job and window: the job remembers).
  const windows = projected.maintenanceWindows ?? [];
  if (event.kind === 'snapshot' && windows.length > 0) {
    for (const jobId of jobIds) await applyToJob(jobId, (job, now) => onHostMaintenance(job, projected.hostId, windows, now), deps);
  }
  const requeued: Job[] = [];
  if (event.kind === 'went_offline' || event.kind === 'deregistered') {
    const lastSeenAt = projected.lastSeenAt ?? event.detail.since;
    for (const jobId of jobIds) {
      const outcome = await applyToJob(jobId, (job, at) => onHostLost(job, projected.hostId, lastSeenAt, at, deps.settings), deps);
      if (outcome) requeued.push(outcome.job);
    }
  }
  await wakeMatcher({ pools: poolsOf(projected), requeued, cause: event.detail.eventId }, deps);
};
