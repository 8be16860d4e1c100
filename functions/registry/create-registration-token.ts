import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { createRegistrationToken } from '#registry/use-cases/register-host.ts';
import { httpRoute, json } from '#platform/http.ts';
import { liveCredentialDepsFromEnv, requireLiveCredential } from '#platform/live-credentials.ts';
import { accountOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

const liveCredentials = liveCredentialDepsFromEnv();

// A registration token becomes an agent token: a provider key revoked within the authorizer's cache must not mint one.
export const handler = httpRoute(logger, {}, async ({ principal, headers }) => {
  await requireLiveCredential(headers.authorization, principal, liveCredentials);
  return json(201, await createRegistrationToken(accountOf(principal).accountId, deps));
});
