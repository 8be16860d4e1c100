import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { payoutBatchView, payoutView } from '#billing/http/payouts.ts';
import { createPayoutBatch } from '#billing/use-cases/payouts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeBillingDeps();

/** Finance: makes a payout batch now (as the weekly schedule does) and answers it with its payouts. */
export const handler = httpRoute(logger, {}, async ({ principal }) => {
  const { batch, payouts, skipped } = await createPayoutBatch({ requestedBy: accountOf(principal).accountId }, deps, (providerId, error) =>
    logger.error('payout failed; the next batch tries again', { providerId, error: error as Error }),
  );
  logger.info('payout batch made', { batchId: batch.batchId, payouts: payouts.length, total: batch.total, ...skipped });
  return json(201, { ...payoutBatchView(batch), items: payouts.map(payoutView) });
});
