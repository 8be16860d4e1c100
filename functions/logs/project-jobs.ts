import { events } from '#events/index.ts';
import { logger, makeLogsDeps } from '#logs/adapters/deps.ts';
import { projectJobEvent, projectScheduledJobs, type JobEvent } from '#logs/use-cases/project-jobs.ts';
import { dispatchEventBatches, eachOnItsOwn } from '#platform/consumer.ts';

const deps = makeLogsDeps();

const project = async (event: JobEvent, detailType: string): Promise<void> => {
  await projectJobEvent(event, deps);
  logger.info('job projected for logs', { jobId: event.detail.jobId, detailType });
};

/**
 * `job.submitted`, `job.scheduled`, `job.ended` -> the logs context's copy of jobs, renters and
 * assignments' hosts. A batch's `job.scheduled` events (one per placement) are written together.
 */
export const handler = dispatchEventBatches(logger, [events.jobSubmitted, events.jobScheduled, events.jobEnded], {
  [events.jobSubmitted.DETAIL_TYPE]: eachOnItsOwn(logger, events.jobSubmitted, (detail) => project({ kind: 'submitted', detail }, events.jobSubmitted.DETAIL_TYPE)),
  [events.jobScheduled.DETAIL_TYPE]: async (scheduled) => {
    await projectScheduledJobs(scheduled.map(({ detail }) => detail), deps);
    logger.info('jobs projected for logs', { jobIds: scheduled.map(({ detail }) => detail.jobId), detailType: events.jobScheduled.DETAIL_TYPE });
  },
  [events.jobEnded.DETAIL_TYPE]: eachOnItsOwn(logger, events.jobEnded, (detail) => project({ kind: 'ended', detail }, events.jobEnded.DETAIL_TYPE)),
});
