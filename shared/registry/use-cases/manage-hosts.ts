import { ValidationError } from '#platform/errors.ts';
import { formatUsd } from '#platform/money.ts';
import type { Page } from '#platform/pagination.ts';
import type { Host } from '../domain/host.ts';
import { applyPatch, completeDeregistration, requestDeregistration, type HostPatch } from '../domain/lifecycle.ts';
import { mutateHost, ownHost } from './mutate-host.ts';
import type { RegistryDeps } from './deps.ts';

export const listHosts = (providerId: string, page: { limit: number; cursor?: string }, deps: RegistryDeps): Promise<Page<Host>> =>
  deps.store.listByProvider(providerId, page.limit, page.cursor);

export const getHost = ownHost;

/** List, unlist, drain or reprice: `host.updated` tells matching. */
export const updateHost = async (providerId: string, hostId: string, patch: HostPatch, deps: RegistryDeps): Promise<Host> => {
  const current = await ownHost(providerId, hostId, deps);
  if (patch.portRange && !(patch.publicAddress ?? current.publicAddress)) {
    throw new ValidationError([{ field: 'portRange', message: 'a port range needs a publicAddress: give one in the same request' }]);
  }
  const minimum = patch.minBidPerGpuHour === undefined ? current.minBidPerGpuHour : patch.minBidPerGpuHour ?? undefined;
  const price = patch.pricePerGpuHour ?? current.pricePerGpuHour;
  if (minimum !== undefined && minimum > price) {
    const field = patch.minBidPerGpuHour === undefined ? 'pricePerGpuHour' : 'minBidPerGpuHour';
    throw new ValidationError([{ field, message: `the host's minimum bid (${formatUsd(minimum)}) must not be above its price (${formatUsd(price)})` }]);
  }
  return (await mutateHost(hostId, (host) => applyPatch(host, patch), deps)).host;
};

/**
 * Deregistration drains first; once matching holds nothing live on the host it completes:
 * the host goes offline for good, its agent token stops working and its queue is deleted.
 * The liveness sweep completes the ones that still had work.
 */
export const deregisterHost = async (providerId: string, hostId: string, deps: RegistryDeps): Promise<Host> => {
  await ownHost(providerId, hostId, deps);
  const { host } = await mutateHost(hostId, (current) => requestDeregistration(current), deps);
  return (await finishDeregistrationIfIdle(host, deps)) ?? host;
};

export const finishDeregistrationIfIdle = async (host: Host, deps: RegistryDeps): Promise<Host | undefined> => {
  if (!host.deregistering || (await deps.liveAssignments.liveOn(host.hostId)).length > 0) return undefined;
  const { host: done } = await mutateHost(host.hostId, (current, now) =>
    current.deregistering ? completeDeregistration(current, now) : { host: current, changes: [] }, deps);
  await deps.store.revokeAgentToken(done, deps.clock.now());
  await deps.queues.remove(done.hostId);
  return done;
};
