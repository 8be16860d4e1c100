import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { signOff } from '#registry/use-cases/agent-presence.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

export const handler = httpRoute(logger, {}, async ({ principal }) => json(200, await signOff(agentOf(principal).hostId, deps)));
