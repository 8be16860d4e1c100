import { events } from '#events/index.ts';
import { logger, makeLogsDeps } from '#logs/adapters/deps.ts';
import { projectJobEvent, type JobEvent } from '#logs/use-cases/project-jobs.ts';
import { dispatchEvents } from '#platform/consumer.ts';

const deps = makeLogsDeps();

const project = async (event: JobEvent, detailType: string): Promise<void> => {
  await projectJobEvent(event, deps);
  logger.info('job projected for logs', { jobId: event.detail.jobId, detailType });
};

/** `job.submitted`, `job.scheduled`, `job.ended` -> the logs context's copy of jobs, renters and assignments' hosts. */
export const handler = dispatchEvents(logger, [events.jobSubmitted, events.jobScheduled, events.jobEnded], {
  [events.jobSubmitted.DETAIL_TYPE]: (detail, { definition }) => project({ kind: 'submitted', detail }, definition.DETAIL_TYPE),
  [events.jobScheduled.DETAIL_TYPE]: (detail, { definition }) => project({ kind: 'scheduled', detail }, definition.DETAIL_TYPE),
  [events.jobEnded.DETAIL_TYPE]: (detail, { definition }) => project({ kind: 'ended', detail }, definition.DETAIL_TYPE),
});
