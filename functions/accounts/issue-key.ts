import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { issueKey } from '#accounts/use-cases/manage-accounts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { liveCredentialDepsFromEnv, requireLiveCredential } from '#platform/live-credentials.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeAccountsDeps();

const liveCredentials = liveCredentialDepsFromEnv();

// Minting a key re-checks the caller's own key: a key revoked within the authorizer's cache must not mint its successor.
export const handler = httpRoute(logger, {}, async ({ principal, headers }) => {
  await requireLiveCredential(headers.authorization, principal, liveCredentials);
  return json(201, await issueKey(accountOf(principal).accountId, deps));
});
