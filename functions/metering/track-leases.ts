import { events } from '#events/index.ts';
import { logger, makeMeteringDeps } from '#metering/adapters/deps.ts';
import { trackLeases, type LeaseEvent } from '#metering/use-cases/track-leases.ts';
import { dispatchEvents } from '#platform/consumer.ts';

const deps = makeMeteringDeps();

const track = async (event: LeaseEvent): Promise<void> => {
  const { leases, judged } = await trackLeases(event, deps);
  for (const lease of leases) {
    logger.info('lease observed', { assignmentId: lease.assignmentId, jobId: lease.jobId, leaseStart: lease.leaseStart, leaseEnd: lease.leaseEnd, billableUntil: lease.billableUntil, ended: lease.ended });
  }
  if (judged > 0) logger.info('waiting usage judged', { judged });
};

/** `job.scheduled`, `assignment.started`, `assignment.stopping`, `assignment.ended` -> metering's copy of each lease. */
export const handler = dispatchEvents(logger, [events.jobScheduled, events.assignmentStarted, events.assignmentStopping, events.assignmentEnded], {
  [events.jobScheduled.DETAIL_TYPE]: (detail) => track({ kind: 'scheduled', detail }),
  [events.assignmentStarted.DETAIL_TYPE]: (detail) => track({ kind: 'started', detail }),
  [events.assignmentStopping.DETAIL_TYPE]: (detail) => track({ kind: 'stopping', detail }),
  [events.assignmentEnded.DETAIL_TYPE]: (detail) => track({ kind: 'ended', detail }),
});
