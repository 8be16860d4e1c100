import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { SCHEDULED_BATCH_REQUESTER } from '#billing/domain/payouts.ts';
import { createPayoutBatch } from '#billing/use-cases/payouts.ts';

const deps = makeBillingDeps();

/** Scheduled, weekly: the payout batch finance would otherwise ask for. */
export const handler = middy()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async () => {
    const { batch, skipped } = await createPayoutBatch({ requestedBy: SCHEDULED_BATCH_REQUESTER }, deps, (providerId, error) =>
      logger.error('payout failed; the next batch tries again', { providerId, error: error as Error }),
    );
    logger.info('payout batch made', { batchId: batch.batchId, payouts: batch.payouts, total: batch.total, ...skipped });
    return { batchId: batch.batchId, payouts: batch.payouts, total: batch.total };
  });
