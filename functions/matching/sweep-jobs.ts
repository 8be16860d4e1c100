import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { sweepJobs } from '#matching/use-cases/sweep-jobs.ts';

const deps = makeMatchingDeps();

/** Scheduled: time-driven job rules and the matcher's catch-up pass. */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async () => {
    const result = await sweepJobs(deps);
    if (result.changed + result.placed > 0) logger.info('matching sweep', { ...result });
    return result;
  });
