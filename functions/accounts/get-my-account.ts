import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { accountView } from '#accounts/http/mappers.ts';
import { getAccount } from '#accounts/use-cases/manage-accounts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeAccountsDeps();

export const handler = httpRoute(logger, {}, async ({ principal }) =>
  json(200, accountView(await getAccount(accountOf(principal).accountId, deps))),
);
