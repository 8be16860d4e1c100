import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { KeyPath } from '#accounts/http/schemas.ts';
import { revokeKey } from '#accounts/use-cases/manage-accounts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeAccountsDeps();

export const handler = httpRoute(logger, { path: KeyPath }, async ({ principal, path }) => {
  await revokeKey(accountOf(principal).accountId, path.keyId, deps);
  return json(204);
});
