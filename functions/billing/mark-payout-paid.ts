import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { MarkPaidInput, PayoutPath, payoutView } from '#billing/http/payouts.ts';
import { settlePayout } from '#billing/use-cases/payouts.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeBillingDeps();

/** Finance: the rail sent the payout (`payout.paid`); the same reference again answers the same payout. */
export const handler = httpRoute(logger, { path: PayoutPath, body: MarkPaidInput }, async ({ path, body }) => {
  const payout = await settlePayout({ payoutId: path.payoutId, outcome: 'paid', reference: body.reference, reason: null }, deps);
  return json(200, payoutView(payout));
});
