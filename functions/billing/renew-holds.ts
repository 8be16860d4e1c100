import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { renewHolds } from '#billing/use-cases/renew-holds.ts';

const deps = makeBillingDeps();

/**
 * Scheduled: rolls every running job's hold forward, stops (`funds.exhausted`) those whose
 * renter ran out, and warns renters whose runway is short (`balance.low`).
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async () => {
    const result = await renewHolds(deps, (id, error) => logger.error('hold renewal failed; the next run tries again', { id, error: error as Error }));
    if (result.renewed + result.partial + result.exhausted + result.lowRunwayWarnings > 0) logger.info('holds renewed', { ...result });
    return result;
  });
