import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { vendQueueCredentials } from '#registry/use-cases/host-queue-access.ts';
import { httpRoute, json } from '#platform/http.ts';
import { liveCredentialDepsFromEnv, requireLiveCredential } from '#platform/live-credentials.ts';
import { agentOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

const liveCredentials = liveCredentialDepsFromEnv();

// Queue credentials outlive the request: a revoked agent token (host deregistered) must not get fresh ones from the cache.
export const handler = httpRoute(logger, {}, async ({ principal, headers }) => {
  await requireLiveCredential(headers.authorization, principal, liveCredentials);
  return json(200, await vendQueueCredentials(agentOf(principal).hostId, deps));
});
