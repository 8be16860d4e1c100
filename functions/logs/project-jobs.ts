import type { Detail } from '#events/define.ts';
import { events } from '#events/index.ts';
import { logger, makeLogsDeps } from '#logs/adapters/deps.ts';
import { projectJobEvent, type JobEvent } from '#logs/use-cases/project-jobs.ts';
import { eventConsumer } from '#platform/consumer.ts';

const deps = makeLogsDeps();

const jobEventOf = (definition: unknown, detail: unknown): JobEvent => {
  // The consumer parsed `detail` with `definition`'s own schema, so it has that shape.
  if (definition === events.jobSubmitted) return { kind: 'submitted', detail: detail as Detail<typeof events.jobSubmitted> };
  if (definition === events.jobScheduled) return { kind: 'scheduled', detail: detail as Detail<typeof events.jobScheduled> };
  return { kind: 'ended', detail: detail as Detail<typeof events.jobEnded> };
};

/** `job.submitted`, `job.scheduled`, `job.ended` -> the logs context's copy of jobs, renters and assignments' hosts. */
export const handler = eventConsumer(logger, [events.jobSubmitted, events.jobScheduled, events.jobEnded], async ({ definition, detail }) => {
  await projectJobEvent(jobEventOf(definition, detail), deps);
  logger.info('job projected for logs', { jobId: detail.jobId, detailType: definition.DETAIL_TYPE });
});
