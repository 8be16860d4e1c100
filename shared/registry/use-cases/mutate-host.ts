import { ConflictError, NotFoundError } from '#platform/errors.ts';
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
): Promise<Transition> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const host = await deps.store.get(hostId);
    if (!host) throw new NotFoundError('No such host.');
    const now = deps.clock.now();
    const result = transition(host, now);
    if (result.host === host) return result;
    const next = { ...result.host, revision: host.revision + 1 };
    if (await deps.store.save(next, hostEvents(next, result.changes, now))) return { host: next, changes: result.changes };
  }
  throw new ConflictError('busy', 'The host is being changed by another request; try again.');
};

/** A provider sees and changes only its own hosts: another provider's host is simply not found. */
export const ownHost = async (providerId: string, hostId: string, deps: Pick<RegistryDeps, 'store'>): Promise<Host> => {
  const host = await deps.store.get(hostId);
  if (!host || host.providerId !== providerId) throw new NotFoundError('No such host.');
  return host;
};
