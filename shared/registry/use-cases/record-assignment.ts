import { NotFoundError } from '#platform/errors.ts';
import type { Host } from '../domain/host.ts';
import { mutateHost } from './mutate-host.ts';
import type { RegistryDeps } from './deps.ts';

const later = (host: Host, at: string): Host | undefined => (host.lastAssignedAt && host.lastAssignedAt >= at ? undefined : { ...host, lastAssignedAt: at });

/** `job.scheduled` placed work on these hosts: "never assigned" no longer applies. Idempotent. */
export const recordAssigned = async (hostIds: readonly string[], at: string, deps: RegistryDeps): Promise<void> => {
  for (const hostId of new Set(hostIds)) {
    await mutateHost(hostId, (host: Host) => ({ host: later(host, at) ?? host, changes: [] }), deps).catch((error: Error) => {
      // A host deleted since is nothing to record on; anything else is retried by the queue.
      if (!(error instanceof NotFoundError)) throw error;
    });
  }
};

/**
 * A whole batch of `job.scheduled` events at once (issue 14): the latest time each host was
 * given work, read in one BatchGet and written in one transaction, only where it moves
 * `lastAssignedAt` forward. A lost race (a heartbeat or a provider's change in between) falls
 * back to `recordAssigned` host by host, which rereads and retries. Idempotent.
 */
export const recordAssignedBatch = async (scheduled: readonly { readonly hostIds: readonly string[]; readonly at: string }[], deps: RegistryDeps): Promise<void> => {
  const latest = new Map<string, string>();
  for (const { hostIds, at } of scheduled) {
    for (const hostId of hostIds) if ((latest.get(hostId) ?? '') < at) latest.set(hostId, at);
  }
  const hostIds = [...latest.keys()];
  const hosts = await deps.store.getMany(hostIds);
  const changes = hosts.flatMap((host) => {
    const next = host && later(host, latest.get(host.hostId) ?? '');
    return host && next ? [{ previous: host, next }] : [];
  });
  if (changes.length === 0 || (await deps.store.saveAll(changes))) return;
  for (const { previous } of changes) await recordAssigned([previous.hostId], latest.get(previous.hostId) ?? '', deps);
};
