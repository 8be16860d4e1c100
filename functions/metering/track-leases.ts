import { events } from '#events/index.ts';
import { logger, makeMeteringDeps } from '#metering/adapters/deps.ts';
import { trackLeases, trackLeasesBatch, type LeaseEvent } from '#metering/use-cases/track-leases.ts';
import { dispatchEventBatches, eachOnItsOwn } from '#platform/consumer.ts';

const deps = makeMeteringDeps();

const logged = ({ leases, judged }: Awaited<ReturnType<typeof trackLeases>>): void => {
  for (const lease of leases) {
    logger.info('lease observed', { assignmentId: lease.assignmentId, jobId: lease.jobId, leaseStart: lease.leaseStart, leaseEnd: lease.leaseEnd, billableUntil: lease.billableUntil, ended: lease.ended });
  }
  if (judged > 0) logger.info('waiting usage judged', { judged });
};

const track = async (event: LeaseEvent): Promise<void> => logged(await trackLeases(event, deps));

/**
 * `job.scheduled`, `assignment.started`, `assignment.stopping`, `assignment.ended` -> metering's
 * copy of each lease. A batch's `job.scheduled` events (one per placement) are written together,
 * first; the rest, rarer, one at a time.
 */
export const handler = dispatchEventBatches(logger, [events.jobScheduled, events.assignmentStarted, events.assignmentStopping, events.assignmentEnded], {
  [events.jobScheduled.DETAIL_TYPE]: async (scheduled) => {
    logged(await trackLeasesBatch(scheduled.map(({ detail }) => ({ kind: 'scheduled', detail })), deps));
    logger.info('lease shells observed', { assignmentIds: scheduled.flatMap(({ detail }) => detail.assignments.map(({ assignmentId }) => assignmentId)) });
  },
  [events.assignmentStarted.DETAIL_TYPE]: eachOnItsOwn(logger, events.assignmentStarted, (detail) => track({ kind: 'started', detail })),
  [events.assignmentStopping.DETAIL_TYPE]: eachOnItsOwn(logger, events.assignmentStopping, (detail) => track({ kind: 'stopping', detail })),
  [events.assignmentEnded.DETAIL_TYPE]: eachOnItsOwn(logger, events.assignmentEnded, (detail) => track({ kind: 'ended', detail })),
});
