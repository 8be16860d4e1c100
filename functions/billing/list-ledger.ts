import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { entryView } from '#billing/http/mappers.ts';
import { LedgerQuery } from '#billing/http/schemas.ts';
import { listLedger } from '#billing/use-cases/balances.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeBillingDeps();

export const handler = httpRoute(logger, { query: LedgerQuery }, async ({ principal, query }) => {
  const page = await listLedger(accountOf(principal).accountId, query, deps);
  return json(200, { items: page.items.map(entryView), nextCursor: page.nextCursor });
});
