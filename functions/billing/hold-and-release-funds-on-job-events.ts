import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { placeHold, releaseHold } from '#billing/use-cases/holds.ts';
import { event as jobEnded } from '#events/matching/job-ended.ts';
import { event as jobSubmitted } from '#events/matching/job-submitted.ts';
import { dispatchEvents } from '#platform/consumer.ts';

const deps = makeBillingDeps();

/**
 * `job.submitted` -> hold the job's funds (`funds.held` or `funds.refused`);
 * `job.ended` -> release the hold, whatever the job's fate. Both are idempotent.
 */
export const handler = dispatchEvents(logger, [jobSubmitted, jobEnded], {
  [jobSubmitted.DETAIL_TYPE]: async (job) => {
    const outcome = await placeHold(job, deps);
    logger.info('job submitted', { jobId: job.jobId, renterId: job.renterId, amount: job.holdAmount, outcome });
  },
  [jobEnded.DETAIL_TYPE]: async (job) => {
    const outcome = await releaseHold(job, deps);
    logger.info('job ended', { jobId: job.jobId, renterId: job.renterId, status: job.status, outcome });
  },
});
