import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { payoutFile } from '#billing/domain/payout-files.ts';
import { PayoutBatchPath, PayoutFileQuery, payoutFileView } from '#billing/http/payouts.ts';
import { getPayoutBatch } from '#billing/use-cases/payouts.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeBillingDeps();

/** Finance: the batch as a mass-payout CSV (generic, or one rail's upload shape), inside a JSON answer. */
export const handler = httpRoute(logger, { path: PayoutBatchPath, query: PayoutFileQuery }, async ({ path, query }) => {
  const { batch, payouts } = await getPayoutBatch(path.batchId, deps);
  return json(200, payoutFileView(payoutFile(batch.batchId, payouts, query.format)));
});
