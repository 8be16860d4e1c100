import { events } from '#events/index.ts';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { projectHostEvent, type HostEvent, type HostSnapshot, type HostTransition } from '#matching/use-cases/project-hosts.ts';
import { eventConsumer } from '#platform/consumer.ts';

const deps = makeMatchingDeps();

const transitions = new Map([
  [events.hostUnreachable, 'unreachable'],
  [events.hostCameOnline, 'came_online'],
  [events.hostWentOffline, 'went_offline'],
  [events.hostDeregistered, 'deregistered'],
] as const);

/** Keeps matching's host projection from the `host.*` events, and wakes the matcher. */
export const handler = eventConsumer(
  logger,
  [events.hostRegistered, events.hostUpdated, ...transitions.keys()],
  async ({ definition, detail }) => {
    logger.appendKeys({ hostId: detail.hostId });
    const kind = transitions.get(definition as never);
    const event: HostEvent = kind ? { kind, detail: detail as HostTransition } : { kind: 'snapshot', detail: detail as HostSnapshot };
    await projectHostEvent(event, deps);
  },
);
