import type { RegistryDeps } from './deps.ts';

/** Short-lived credentials that open the host's own queue and nothing else. */
export const vendQueueCredentials = async (hostId: string, deps: RegistryDeps) =>
  deps.credentials.vend(hostId, await deps.queues.urlOf(hostId));

/** The same receive the agent does on its queue, through the API, for scripts and tests. */
export const receiveAssignments = async (hostId: string, waitSeconds: number, deps: RegistryDeps) => ({
  messages: await deps.queues.receive(hostId, waitSeconds),
});

export const ackAssignments = async (hostId: string, receipts: readonly string[], deps: RegistryDeps) => {
  await deps.queues.ack(hostId, receipts);
  return { acknowledged: receipts.length };
};
