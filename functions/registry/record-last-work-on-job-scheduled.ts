import { events } from '#events/index.ts';
import { dispatchEventBatches } from '#platform/consumer.ts';
import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { recordAssignedBatch } from '#registry/use-cases/record-assignment.ts';

const deps = await makeRegistryDeps();

/** Records when each host was last given work, for the provider's status reason: one read and one write per SQS batch. */
export const handler = dispatchEventBatches(logger, [events.jobScheduled], {
  [events.jobScheduled.DETAIL_TYPE]: async (scheduled) => {
    await recordAssignedBatch(
      scheduled.map(({ detail }) => ({ hostIds: detail.assignments.map((assignment) => assignment.hostId), at: detail.occurredAt })),
      deps,
    );
  },
});
