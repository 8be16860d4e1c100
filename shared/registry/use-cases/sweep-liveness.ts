import { addSeconds } from '#platform/clock.ts';
import { applySilence } from '../domain/lifecycle.ts';
import { finishDeregistrationIfIdle } from './manage-hosts.ts';
import { mutateHost } from './mutate-host.ts';
import type { RegistryDeps } from './deps.ts';

export interface SweepResult {
  readonly unreachable: number;
  readonly offline: number;
  readonly deregistered: number;
}

/**
 * The scheduled liveness sweep. Steps: find hosts silent past the unreachable threshold and
 * hosts whose deregistration waits (one read of the pulses); move each silent one to
 * `unreachable` or `offline` (`host.unreachable`, `host.went_offline`); then complete the
 * deregistrations whose work has ended (`host.deregistered`).
 */
export const sweepLiveness = async (deps: RegistryDeps): Promise<SweepResult> => {
  const { silent, deregistering } = await deps.store.listWatched(addSeconds(deps.clock.now(), -deps.settings.unreachableAfterSeconds));
  let unreachable = 0;
  let offline = 0;
  for (const hostId of silent) {
    const { changes } = await mutateHost(hostId, (host, now) => applySilence(host, now, deps.settings), deps);
    if (changes.includes('unreachable')) unreachable += 1;
    if (changes.includes('went_offline')) offline += 1;
  }
  let deregistered = 0;
  for (const hostId of deregistering) {
    const host = await deps.store.get(hostId);
    if (host && (await finishDeregistrationIfIdle(host, deps))) deregistered += 1;
  }
  return { unreachable, offline, deregistered };
};
