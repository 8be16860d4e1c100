import { events } from '#events/index.ts';
import { eventConsumer } from '#platform/consumer.ts';
import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { recordAssigned } from '#registry/use-cases/record-assignment.ts';

const deps = await makeRegistryDeps();

/** Records when each host was last given work, for the provider's status reason. */
export const handler = eventConsumer(logger, [events.jobScheduled], async ({ detail }) => {
  await recordAssigned(detail.assignments.map((assignment) => assignment.hostId), detail.occurredAt, deps);
});
