import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { statementView } from '#billing/http/mappers.ts';
import { StatementPath } from '#billing/http/schemas.ts';
import { getStatement } from '#billing/use-cases/statements.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeBillingDeps();

/** A renter's or provider's statement of one month: opening, credits, charges per job or earnings per host, closing. */
export const handler = httpRoute(logger, { path: StatementPath }, async ({ principal, path }) => {
  const account = accountOf(principal);
  const kind = account.role === 'provider' ? 'provider' : 'renter';
  return json(200, statementView(await getStatement({ accountId: account.accountId, kind }, path.month, deps)));
});
