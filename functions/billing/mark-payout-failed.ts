import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { MarkFailedInput, PayoutPath, payoutView } from '#billing/http/payouts.ts';
import { settlePayout } from '#billing/use-cases/payouts.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeBillingDeps();

/** Finance: the rail refused the payout; its amount goes back to the provider's balance, payable again. */
export const handler = httpRoute(logger, { path: PayoutPath, body: MarkFailedInput }, async ({ path, body }) => {
  const payout = await settlePayout({ payoutId: path.payoutId, outcome: 'failed', reference: body.reference ?? null, reason: body.reason }, deps);
  return json(200, payoutView(payout));
});
