import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { vendQueueCredentials } from '#registry/use-cases/host-queue-access.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

export const handler = httpRoute(logger, {}, async ({ principal }) =>
  json(200, await vendQueueCredentials(agentOf(principal).hostId, deps)),
);
