import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { placeHold, releaseHold } from '#billing/use-cases/holds.ts';
import type { Detail } from '#events/define.ts';
import { event as jobEnded } from '#events/matching/job-ended.ts';
import { event as jobSubmitted } from '#events/matching/job-submitted.ts';
import { eventConsumer } from '#platform/consumer.ts';

const deps = makeBillingDeps();

/**
 * `job.submitted` -> hold the job's funds (`funds.held` or `funds.refused`);
 * `job.ended` -> release the hold, whatever the job's fate. Both are idempotent.
 */
export const handler = eventConsumer(logger, [jobSubmitted, jobEnded], async ({ definition, detail }) => {
  // The consumer parsed `detail` with `definition`'s own schema, so it has that shape.
  if (definition === jobSubmitted) {
    const job = detail as Detail<typeof jobSubmitted>;
    const outcome = await placeHold(job, deps);
    logger.info('job submitted', { jobId: job.jobId, renterId: job.renterId, amount: job.holdAmount, outcome });
    return;
  }
  const job = detail as Detail<typeof jobEnded>;
  const outcome = await releaseHold(job, deps);
  logger.info('job ended', { jobId: job.jobId, renterId: job.renterId, status: job.status, outcome });
});
