import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { PayoutBatchPath, payoutBatchView, payoutView } from '#billing/http/payouts.ts';
import { getPayoutBatch } from '#billing/use-cases/payouts.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeBillingDeps();

/** Finance: one batch with every payout in it, as they stand now. */
export const handler = httpRoute(logger, { path: PayoutBatchPath }, async ({ path }) => {
  const { batch, payouts } = await getPayoutBatch(path.batchId, deps);
  return json(200, { ...payoutBatchView(batch), items: payouts.map(payoutView) });
});
