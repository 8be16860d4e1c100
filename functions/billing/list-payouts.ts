import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { PayoutsQuery, payoutView } from '#billing/http/payouts.ts';
import { listPayouts } from '#billing/use-cases/payouts.ts';
import { ForbiddenError } from '#platform/errors.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeBillingDeps();

/** Providers: their own payouts; finance: everyone's, filtered by provider, batch and status. Newest first. */
export const handler = httpRoute(logger, { query: PayoutsQuery }, async ({ principal, query }) => {
  const account = accountOf(principal);
  const { limit, cursor, ...filter } = query;
  if (account.role === 'provider' && filter.providerId !== undefined && filter.providerId !== account.accountId) {
    throw new ForbiddenError("A provider key lists only its own payouts.");
  }
  const scoped = account.role === 'provider' ? { ...filter, providerId: account.accountId } : filter;
  const page = await listPayouts(scoped, limit, cursor, deps);
  return json(200, { items: page.items.map(payoutView), nextCursor: page.nextCursor });
});
