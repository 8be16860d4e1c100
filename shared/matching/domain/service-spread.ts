import type { HostCapacity } from './capacity.ts';
import { replicaJobPrefix, slotJobPrefix, type ReplicaOf } from './service.ts';

/** What placement needs to know about a replica job (from its spec's `service`). */
export interface ServicePlacement {
  readonly serviceId: string;
  readonly replica: number;
  readonly spread?: ReplicaOf['spread'];
  readonly pinHostId?: string;
  readonly excludeHostIds?: readonly string[];
  readonly excludeProviderIds?: readonly string[];
}

export const servicePlacementOf = (replica: ReplicaOf): ServicePlacement => ({
  serviceId: replica.serviceId,
  replica: replica.replica,
  ...(replica.spread ? { spread: replica.spread } : {}),
  ...(replica.pinHostId ? { pinHostId: replica.pinHostId } : {}),
  ...(replica.excludeHostIds?.length ? { excludeHostIds: replica.excludeHostIds } : {}),
  ...(replica.excludeProviderIds?.length ? { excludeProviderIds: replica.excludeProviderIds } : {}),
});

/**
 * The placement predicate for replica jobs: a restart in place goes only to its host; a
 * replacement avoids the hosts its slot failed on; with a spread, a host already holding
 * another replica of the service is skipped (the host's reservations name their jobs, and the
 * matcher's in-memory copy shows a batch's earlier placements), and with `providers` so is
 * every provider the other replicas ran on when the job was made. The slot's own older job
 * (still stopping on the host it restarts on) does not count.
 */
export const fitsServicePlacement = (host: Pick<HostCapacity, 'hostId' | 'providerId' | 'live'>, placement: ServicePlacement): boolean => {
  if (placement.pinHostId !== undefined) return host.hostId === placement.pinHostId;
  if (placement.excludeHostIds?.includes(host.hostId)) return false;
  if (!placement.spread) return true;
  if (placement.spread === 'providers' && placement.excludeProviderIds?.includes(host.providerId)) return false;
  const service = replicaJobPrefix(placement.serviceId);
  const ownSlot = slotJobPrefix(placement.serviceId, placement.replica);
  return !Object.values(host.live).some(({ jobId }) => jobId.startsWith(service) && !jobId.startsWith(ownSlot));
};

/** What the placement predicate adds to a replica's wants, for its queued reason: ", not on a host another replica of its service uses". */
export const describeServicePlacement = (placement: ServicePlacement | undefined): string => {
  if (!placement) return '';
  if (placement.pinHostId) return ` on ${placement.pinHostId} (a restart in place)`;
  const spread = placement.spread === 'providers' ? ", on a provider none of its service's other replicas uses" : placement.spread === 'hosts' ? ", on a host none of its service's other replicas uses" : '';
  const avoided = placement.excludeHostIds?.length ? `, not on ${placement.excludeHostIds.join(', ')} (failed it before)` : '';
  return `${spread}${avoided}`;
};
