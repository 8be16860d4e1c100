import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { issueKey } from '#accounts/use-cases/manage-accounts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeAccountsDeps();

export const handler = httpRoute(logger, {}, async ({ principal }) =>
  json(201, await issueKey(accountOf(principal).accountId, deps)),
);
