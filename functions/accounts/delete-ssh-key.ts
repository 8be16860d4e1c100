import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { SshKeyPath } from '#accounts/http/schemas.ts';
import { deleteSshKey } from '#accounts/use-cases/ssh-keys.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeAccountsDeps();

/** Jobs already submitted keep the keys they were given; new jobs no longer get this one. */
export const handler = httpRoute(logger, { path: SshKeyPath }, async ({ principal, path }) => {
  await deleteSshKey(accountOf(principal).accountId, path.keyId, deps);
  return json(204);
});
