import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { SetPayoutMethodInput, payoutMethodView } from '#billing/http/payouts.ts';
import { setPayoutMethod } from '#billing/use-cases/payouts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeBillingDeps();

/** Provider: sets (replaces) where its earnings are paid and from what amount; answers the method masked. */
export const handler = httpRoute(logger, { body: SetPayoutMethodInput }, async ({ principal, body }) => {
  const { threshold, ...method } = body;
  const saved = await setPayoutMethod({ providerId: accountOf(principal).accountId, method, threshold: threshold ?? null }, deps);
  return json(200, payoutMethodView(saved));
});
