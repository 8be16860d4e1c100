import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, makeMeteringDeps } from '#metering/adapters/deps.ts';
import { expireStalePending } from '#metering/use-cases/expire-pending.ts';

const deps = makeMeteringDeps();

/** Scheduled: rejects usage that waited past `USAGE_PENDING_MAX_SECONDS` for a lease that never came. */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async () => {
    const result = await expireStalePending(deps);
    if (result.expired > 0) logger.warn('usage rejected: its lease never arrived', { ...result });
    else if (result.judged > 0) logger.info('waiting usage judged by the sweep', { ...result });
    return result;
  });
