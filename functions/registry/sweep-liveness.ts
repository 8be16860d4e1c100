import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { sweepLiveness } from '#registry/use-cases/sweep-liveness.ts';

const deps = await makeRegistryDeps();

/** Scheduled: marks silent hosts unreachable, then offline, and completes deregistrations. */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async () => {
    const result = await sweepLiveness(deps);
    if (result.unreachable + result.offline + result.deregistered > 0) logger.info('liveness sweep changed hosts', { ...result });
    return result;
  });
