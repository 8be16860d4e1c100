import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { balanceView } from '#billing/http/mappers.ts';
import { getBalanceWithRunway } from '#billing/use-cases/balances.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeBillingDeps();

export const handler = httpRoute(logger, {}, async ({ principal }) =>
  json(200, balanceView(await getBalanceWithRunway(accountOf(principal).accountId, deps))),
);
