import { randomBytes } from 'node:crypto';
import { ConflictError } from '#platform/errors.ts';
import { cancelWindow, listedWindows, scheduleWindow, type MaintenanceWindow, type WindowRequest } from '../domain/maintenance.ts';
import { mutateHost, ownHost } from './mutate-host.ts';
import type { RegistryDeps } from './deps.ts';

export interface IdempotencyClaim {
  readonly key: string;
  readonly bodyHash: string;
}

const newWindowId = (): string => `mw_${randomBytes(10).toString('hex')}`;

/**
 * A provider schedules a maintenance window on its own host. Steps: check the host is the
 * provider's (another's is 404, as every host route answers); with an Idempotency-Key already
 * used on this host, answer the window it made (or 409 for another body); else validate and
 * add the window in one conditional write with `host.updated`, which carries the windows to
 * matching (no work that could run into one is placed; renters with work there are told).
 * Returns the window and whether it was made now.
 */
export const scheduleMaintenance = async (
  providerId: string,
  hostId: string,
  request: WindowRequest,
  claim: IdempotencyClaim | undefined,
  deps: RegistryDeps,
): Promise<{ readonly window: MaintenanceWindow; readonly created: boolean }> => {
  await ownHost(providerId, hostId, deps);
  const windowId = newWindowId();
  let replayed: MaintenanceWindow | undefined;
  const { host } = await mutateHost(hostId, (current, now) => {
    const earlier = claim ? current.maintenance?.find((window) => window.request?.key === claim.key) : undefined;
    if (earlier) {
      if (earlier.request?.bodyHash !== claim?.bodyHash) throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with another body.');
      replayed = earlier;
      return { host: current, changes: [] };
    }
    return scheduleWindow(current, request, { windowId, ...(claim ? { request: claim } : {}) }, now, deps.settings.maintenanceNoticeSeconds);
  }, deps);
  if (replayed) return { window: replayed, created: false };
  const window = host.maintenance?.find((candidate) => candidate.windowId === windowId);
  if (!window) throw new Error(`Window ${windowId} was written but is not on ${hostId}`);
  return { window, created: true };
};

/** The host's windows (ended ones for a week, then dropped), soonest first. */
export const listMaintenance = async (providerId: string, hostId: string, deps: RegistryDeps): Promise<readonly MaintenanceWindow[]> => {
  const host = await ownHost(providerId, hostId, deps);
  return listedWindows(host.maintenance, deps.clock.now());
};

/** Cancels a window not yet started, or ends one in progress now; `host.updated` tells matching. */
export const cancelMaintenance = async (providerId: string, hostId: string, windowId: string, deps: RegistryDeps): Promise<void> => {
  await ownHost(providerId, hostId, deps);
  await mutateHost(hostId, (host, now) => cancelWindow(host, windowId, now), deps);
};
