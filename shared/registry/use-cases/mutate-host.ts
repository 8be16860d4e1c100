import { ConflictError, NotFoundError } from '#platform/errors.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import type { Host } from '../domain/host.ts';
import type { Transition } from '../domain/lifecycle.ts';
import { hostEvents } from './host-events.ts';
import type { RegistryDeps } from './deps.ts';

const MAX_ATTEMPTS = 5;

/**
 * Read, apply a pure transition, write back only if nobody wrote in between (the host's
 * revision), with the transition's events in the same write; retried on a lost race.
 */
export const mutateHost = async (
  hostId: string,
  transition: (host: Host, now: Date) => Transition,
  deps: Pick<RegistryDeps, 'store' | 'clock'>,
  options: { eventualFirstRead?: boolean } = {},
): Promise<Transition> => {
  return retryOnConflict<Transition>(
    async (attempt) => {
      // A stale first read is safe (the write is conditional, and a lost race rereads consistently).
      const eventual = attempt === 1 && options.eventualFirstRead === true;
      const host = await deps.store.get(hostId, { consistent: !eventual });
      if (!host && eventual) return CONFLICT;
      if (!host) throw new NotFoundError('No such host.');
      const now = deps.clock.now();
      const result = transition(host, now);
      if (result.host === host) return result;
      const saved = await deps.store.save(host, result.host, hostEvents(result.host, result.changes, now));
      if (saved) return { host: saved, changes: result.changes };
      return CONFLICT;
    },
    { attempts: MAX_ATTEMPTS, exhausted: () => new ConflictError('busy', 'The host is being changed by another request; try again.') },
  );
};

/** A provider sees and changes only its own hosts: another provider's host is simply not found. */
export const ownHost = async (providerId: string, hostId: string, deps: Pick<RegistryDeps, 'store'>): Promise<Host> => {
  const host = await deps.store.get(hostId);
  if (!host || host.providerId !== providerId) throw new NotFoundError('No such host.');
  return host;
};
