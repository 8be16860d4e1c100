import { NotFoundError } from '#platform/errors.ts';
import type { Host } from '../domain/host.ts';
import { mutateHost } from './mutate-host.ts';
import type { RegistryDeps } from './deps.ts';

/** `job.scheduled` placed work on these hosts: "never assigned" no longer applies. Idempotent. */
export const recordAssigned = async (hostIds: readonly string[], at: string, deps: RegistryDeps): Promise<void> => {
  for (const hostId of new Set(hostIds)) {
    await mutateHost(hostId, (host: Host) =>
      host.lastAssignedAt && host.lastAssignedAt >= at ? { host, changes: [] } : { host: { ...host, lastAssignedAt: at }, changes: [] },
    deps).catch((error: Error) => {
      // A host deleted since is nothing to record on; anything else is retried by the queue.
      if (!(error instanceof NotFoundError)) throw error;
    });
  }
};
