import { newEvent, type DomainEvent } from '#events/define.ts';
import { event as hostCameOnline } from '#events/registry/host-came-online.ts';
import { event as hostDeregistered } from '#events/registry/host-deregistered.ts';
import { event as hostRegistered } from '#events/registry/host-registered.ts';
import { event as hostUnreachable } from '#events/registry/host-unreachable.ts';
import { event as hostUpdated } from '#events/registry/host-updated.ts';
import { event as hostWentOffline } from '#events/registry/host-went-offline.ts';
import type { Host } from '../domain/host.ts';
import type { HostChange } from '../domain/lifecycle.ts';
import { upcomingWindows, type MaintenanceWindow } from '../domain/maintenance.ts';
import { reliability } from '../domain/reliability.ts';

export const hostSnapshot = (host: Host, now: Date) => ({
  hostId: host.hostId,
  providerId: host.providerId,
  status: host.status,
  // Matching places only on listed hosts: one whose agent cannot receive assignments, or whose verification failed, is not listed for placement.
  listed: host.listed && !host.queuePollFailing && host.verification?.state !== 'failed',
  draining: host.draining || host.deregistering,
  gpus: host.gpus.map(({ index, model, vramMb, uuid }) => ({ index, model, vramMb, uuid })),
  pricePerGpuHour: host.pricePerGpuHour,
  ...(host.minBidPerGpuHour !== undefined ? { minBidPerGpuHour: host.minBidPerGpuHour } : {}),
  region: host.region,
  runtimes: [...host.runtimes],
  ...(host.publicAddress ? { publicAddress: host.publicAddress } : {}),
  ...(host.portRange ? { portRange: { from: host.portRange.from, to: host.portRange.to } } : {}),
  reliability: reliability(host, now),
  simulated: host.simulated,
  verification: {
    state: host.verification?.state ?? 'unverified',
    ...(host.verification?.state === 'verified' && host.verification.score !== undefined ? { score: host.verification.score } : {}),
  },
  ...(host.maintenance ? { maintenanceWindows: upcomingWindows(host.maintenance, now).map(announcedWindow) } : {}),
});

/** A window as matching and renters hear of it: no idempotency record, no notice bookkeeping. */
export const announcedWindow = ({ windowId, startsAt, endsAt, category, note }: MaintenanceWindow) => ({
  windowId,
  startsAt,
  endsAt,
  category,
  ...(note ? { note } : {}),
});

/** Turns what a transition changed into the `host.*` events that announce it. */
export const hostEvents = (host: Host, changes: readonly HostChange[], now: Date): DomainEvent[] =>
  changes.map((change) => {
    const transition = { hostId: host.hostId, providerId: host.providerId, since: host.statusSince, lastHeartbeatAt: host.lastHeartbeatAt };
    switch (change) {
      case 'registered':
        return newEvent(hostRegistered, hostSnapshot(host, now), now);
      case 'updated':
        return newEvent(hostUpdated, hostSnapshot(host, now), now);
      case 'unreachable':
        return newEvent(hostUnreachable, { ...transition, since: host.lastHeartbeatAt }, now);
      case 'came_online':
        return newEvent(hostCameOnline, transition, now);
      case 'went_offline':
        return newEvent(hostWentOffline, transition, now);
      case 'deregistered':
        return newEvent(hostDeregistered, { ...transition, since: host.deregisteredAt ?? now.toISOString() }, now);
    }
  });
