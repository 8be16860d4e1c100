import type { LivenessSettings } from './host.ts';

/**
 * The largest share of the unreachable threshold the handed-out heartbeat interval may take:
 * a heartbeat may then arrive half an interval late before the sweep calls the host
 * unreachable. The defaults (60 s against 90 s) sit exactly at it; a smaller share would
 * tolerate a lost heartbeat but multiply every idle host's requests (docs/operations-footprint.md).
 */
export const MAX_INTERVAL_SHARE_OF_THRESHOLD = 2 / 3;

/**
 * The interval the platform hands its agents: the configured one, shortened when the
 * unreachable threshold it runs with is too tight for it (a backend started with
 * UNREACHABLE_AFTER_SECONDS=5 hands out 3 s, not 60 s), in whole seconds, at least one.
 */
export const handedHeartbeatIntervalSeconds = (settings: Pick<LivenessSettings, 'heartbeatIntervalSeconds' | 'unreachableAfterSeconds'>): number => {
  const ceiling = Math.floor(settings.unreachableAfterSeconds * MAX_INTERVAL_SHARE_OF_THRESHOLD);
  return Math.max(1, Math.min(Math.floor(settings.heartbeatIntervalSeconds), ceiling));
};
