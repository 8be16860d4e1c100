import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { PayoutMethodNotSetError } from '#billing/domain/payouts.ts';
import { payoutMethodView } from '#billing/http/payouts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeBillingDeps();

/** Provider: its payout method, masked; 404 `payout_method_not_set` before it set one. */
export const handler = httpRoute(logger, {}, async ({ principal }) => {
  const method = await deps.payouts.getMethod(accountOf(principal).accountId);
  if (!method) throw new PayoutMethodNotSetError();
  return json(200, payoutMethodView(method));
});
