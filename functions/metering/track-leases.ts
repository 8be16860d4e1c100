import { events } from '#events/index.ts';
import { logger, makeMeteringDeps } from '#metering/adapters/deps.ts';
import { trackLeases, type LeaseEvent } from '#metering/use-cases/track-leases.ts';
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
 * `assignment.started`, `assignment.stopping`, `assignment.ended` -> metering's copy of each
 * lease, one event at a time. `job.scheduled` is no longer routed here: the lease is written when
 * the assignment starts or ends, which is when it can first judge usage (issue 14). One still in
 * the queue from before the rule changed is taken and dropped, so a deploy sends none to the DLQ.
 */
export const handler = dispatchEventBatches(logger, [events.jobScheduled, events.assignmentStarted, events.assignmentStopping, events.assignmentEnded], {
  [events.jobScheduled.DETAIL_TYPE]: async (scheduled) => {
    logger.info('job.scheduled from before the rule changed: nothing to do', { jobIds: scheduled.map(({ detail }) => detail.jobId) });
  },
  [events.assignmentStarted.DETAIL_TYPE]: eachOnItsOwn(logger, events.assignmentStarted, (detail) => track({ kind: 'started', detail })),
  [events.assignmentStopping.DETAIL_TYPE]: eachOnItsOwn(logger, events.assignmentStopping, (detail) => track({ kind: 'stopping', detail })),
  [events.assignmentEnded.DETAIL_TYPE]: eachOnItsOwn(logger, events.assignmentEnded, (detail) => track({ kind: 'ended', detail })),
});
