import type { Detail } from '#events/define.ts';
import { events } from '#events/index.ts';
import { logger, makeMeteringDeps } from '#metering/adapters/deps.ts';
import { trackLeases, type LeaseEvent } from '#metering/use-cases/track-leases.ts';
import { eventConsumer } from '#platform/consumer.ts';

const deps = makeMeteringDeps();

const leaseEventOf = (definition: unknown, detail: unknown): LeaseEvent => {
  // The consumer parsed `detail` with `definition`'s own schema, so it has that shape.
  if (definition === events.jobScheduled) return { kind: 'scheduled', detail: detail as Detail<typeof events.jobScheduled> };
  if (definition === events.assignmentStarted) return { kind: 'started', detail: detail as Detail<typeof events.assignmentStarted> };
  if (definition === events.assignmentStopping) return { kind: 'stopping', detail: detail as Detail<typeof events.assignmentStopping> };
  return { kind: 'ended', detail: detail as Detail<typeof events.assignmentEnded> };
};

/** `job.scheduled`, `assignment.started`, `assignment.stopping`, `assignment.ended` -> metering's copy of each lease. */
export const handler = eventConsumer(logger, [events.jobScheduled, events.assignmentStarted, events.assignmentStopping, events.assignmentEnded], async ({ definition, detail }) => {
  const { leases, judged } = await trackLeases(leaseEventOf(definition, detail), deps);
  for (const lease of leases) {
    logger.info('lease observed', { assignmentId: lease.assignmentId, jobId: lease.jobId, leaseStart: lease.leaseStart, leaseEnd: lease.leaseEnd, billableUntil: lease.billableUntil, ended: lease.ended });
  }
  if (judged > 0) logger.info('waiting usage judged', { judged });
});
