import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { keyView } from '#accounts/http/mappers.ts';
import { KeysQuery } from '#accounts/http/schemas.ts';
import { listKeys } from '#accounts/use-cases/manage-accounts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeAccountsDeps();

export const handler = httpRoute(logger, { query: KeysQuery }, async ({ principal, query }) => {
  const page = await listKeys(accountOf(principal).accountId, query, deps);
  return json(200, { items: page.items.map(keyView), nextCursor: page.nextCursor });
});
