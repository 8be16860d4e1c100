import { events } from '#events/index.ts';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { projectHostEvent, type HostEvent, type HostSnapshot, type HostTransition } from '#matching/use-cases/project-hosts.ts';
import { dispatchEvents } from '#platform/consumer.ts';

const deps = makeMatchingDeps();

const project = async (event: HostEvent): Promise<void> => {
  logger.appendKeys({ hostId: event.detail.hostId });
  await projectHostEvent(event, deps);
};
const snapshot = (detail: HostSnapshot) => project({ kind: 'snapshot', detail });
const transition = (kind: Exclude<HostEvent['kind'], 'snapshot'>) => (detail: HostTransition) => project({ kind, detail });

/** Keeps matching's host projection from the `host.*` events, and wakes the matcher. */
export const handler = dispatchEvents(
  logger,
  [events.hostRegistered, events.hostUpdated, events.hostUnreachable, events.hostCameOnline, events.hostWentOffline, events.hostDeregistered],
  {
    [events.hostRegistered.DETAIL_TYPE]: snapshot,
    [events.hostUpdated.DETAIL_TYPE]: snapshot,
    [events.hostUnreachable.DETAIL_TYPE]: transition('unreachable'),
    [events.hostCameOnline.DETAIL_TYPE]: transition('came_online'),
    [events.hostWentOffline.DETAIL_TYPE]: transition('went_offline'),
    [events.hostDeregistered.DETAIL_TYPE]: transition('deregistered'),
  },
);
